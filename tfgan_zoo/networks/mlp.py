"""Fully connected generator / discriminator builders (Goodfellow et al. 2014; Mirza & Osindero 2014)."""

from __future__ import annotations

import keras

from tfgan_zoo.layers.maxout import Maxout
from tfgan_zoo.layers.random import ConsistentDropout


def image_head(x, image_size, channels, name="to_image"):
    """Dense → sigmoid (the papers' [0, 1] MNIST output) mapped affinely to the zoo's [-1, 1] image range."""
    x = keras.layers.Dense(image_size * image_size * channels, activation="sigmoid", name=name)(x)
    x = keras.layers.Rescaling(2.0, offset=-1.0, dtype="float32", name="to_signed")(x)
    return keras.layers.Reshape((image_size, image_size, channels), name="to_hwc")(x)


def relu_stack(x, widths, prefix, dropout=0.0):
    for i, w in enumerate(widths):
        x = keras.layers.Dense(w, activation="relu", name=f"{prefix}{i + 1}")(x)
        if dropout:
            x = ConsistentDropout(dropout, name=f"{prefix}{i + 1}_dropout")(x)
    return x


def maxout_stack(x, widths, pieces, prefix, dropout=0.0, input_dropout=0.0):
    if input_dropout:
        x = ConsistentDropout(input_dropout, name=f"{prefix}input_dropout")(x)
    for i, w in enumerate(widths):
        x = Maxout(w, pieces, name=f"{prefix}{i + 1}")(x)
        if dropout:
            x = ConsistentDropout(dropout, name=f"{prefix}{i + 1}_dropout")(x)
    return x


def logit_head(x, name="logits"):
    x = keras.layers.Dense(1, name=name)(x)
    return keras.layers.Activation("linear", dtype="float32", name=f"{name}_f32")(x)
