"""Shared Keras layers used across families."""

from tfgan_zoo.layers.maxout import Maxout
from tfgan_zoo.layers.normalization import NORMALIZATIONS, normalization
from tfgan_zoo.layers.random import (
    ConsistentDropout,
    consistent_random,
    latents_from_seed,
    replica_info,
    sample_latents,
)
