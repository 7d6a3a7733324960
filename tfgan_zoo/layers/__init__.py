"""Shared Keras layers used across families."""

from tfgan_zoo.layers.attention import SelfAttention
from tfgan_zoo.layers.conditional_norm import ConditionalBatchNormalization, SelfModulatedBatchNormalization
from tfgan_zoo.layers.equalized import EqualizedConv2D, EqualizedDense, PixelNormalization
from tfgan_zoo.layers.laplacian_pyramid import (
    PyramidDownsample,
    PyramidUpsample,
    gaussian_pyramid,
    laplacian_pyramid,
    reconstruct_from_laplacian_pyramid,
)
from tfgan_zoo.layers.maxout import Maxout
from tfgan_zoo.layers.minibatch_discrimination import MinibatchDiscrimination, gather_global_batch
from tfgan_zoo.layers.minibatch_stddev import MinibatchStdDev
from tfgan_zoo.layers.normalization import NORMALIZATIONS, normalization
from tfgan_zoo.layers.projection import ProjectionHead
from tfgan_zoo.layers.random import (
    ConsistentDropout,
    consistent_random,
    latents_from_seed,
    replica_info,
    sample_latents,
)
from tfgan_zoo.layers.resample import Blur, Resample, downsample2d, upfirdn2d, upsample2d
from tfgan_zoo.layers.spectral import sn_conv, sn_dense, spectral_norm
from tfgan_zoo.layers.standing_stats import accumulate_standing_statistics
from tfgan_zoo.layers.style import (
    AdaIN,
    BiasActivation,
    BroadcastW,
    ConstantInput,
    ModulatedConv2D,
    NoiseInjection,
    SelectW,
    ToRGB,
    WAverage,
)
from tfgan_zoo.layers.tensor_ops import ChannelSlice, GlobalSumPooling2D
from tfgan_zoo.layers.truncation import truncated_normal, truncated_normal_from_seed
from tfgan_zoo.layers.virtual_batch_norm import DropReference, ReferenceBatch, VirtualBatchNormalization
