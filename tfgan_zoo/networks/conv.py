"""DCGAN-style convolutional generator and discriminator builders (Radford et al. 2016).

Generator: project z to 4×4×(base·2^(n-1)) → n fractionally-strided convs (channels halve) → tanh.
Discriminator: n strided convs (channels double, no normalization on the first) → a 4×4 valid conv to one logit.
"""

from __future__ import annotations

import math

import keras

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.normalization import normalization

DCGAN_INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))


def num_doublings(image_size, base=4):
    n = math.log2(image_size / base) if image_size > 0 else -1
    if n < 1 or n != int(n):
        raise ValueError(f"image_size must be {base}·2^k with k >= 1 (8, 16, 32, 64, ...), got {image_size}.")
    return int(n)


def conv_generator(
    latent_dim,
    image_size,
    channels,
    base_filters,
    kernel_size=5,
    projection="dense",
    normalization_kind="batch",
    name="generator",
):
    """DCGAN generator. `projection='dense'` is the paper's "project and reshape"; 'conv' is a 4×4 transposed
    conv on a 1×1 input (the PyTorch reference implementation's form, same function class)."""
    n = num_doublings(image_size)
    top = base_filters * 2 ** (n - 1)
    z = keras.Input((latent_dim,), name="latents")
    if projection == "dense":
        x = keras.layers.Dense(4 * 4 * top, use_bias=False, kernel_initializer=DCGAN_INIT, name="project")(z)
        x = keras.layers.Reshape((4, 4, top), name="reshape")(x)
    elif projection == "conv":
        x = keras.layers.Reshape((1, 1, latent_dim), name="reshape")(z)
        x = keras.layers.Conv2DTranspose(
            top, 4, strides=1, padding="valid", use_bias=False, kernel_initializer=DCGAN_INIT, name="project"
        )(x)
    else:
        raise ValueError(f"projection must be 'dense' or 'conv', got {projection!r}.")
    norm = normalization(normalization_kind, "project_norm", gamma_stddev=0.02)
    x = norm(x) if norm is not None else x
    x = keras.layers.ReLU(name="project_relu")(x)
    filters = top
    for i in range(n - 1):
        filters //= 2
        x = keras.layers.Conv2DTranspose(
            filters, kernel_size, strides=2, padding="same", use_bias=False, kernel_initializer=DCGAN_INIT,
            name=f"up{i + 1}_conv",
        )(x)
        norm = normalization(normalization_kind, f"up{i + 1}_norm", gamma_stddev=0.02)
        x = norm(x) if norm is not None else x
        x = keras.layers.ReLU(name=f"up{i + 1}_relu")(x)
    x = keras.layers.Conv2DTranspose(
        channels, kernel_size, strides=2, padding="same", use_bias=False, kernel_initializer=DCGAN_INIT,
        name="to_image",
    )(x)
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, x, name=name)


def conv_discriminator(
    image_size,
    channels,
    base_filters,
    kernel_size=5,
    normalization_kind="batch",
    name="discriminator",
):
    """DCGAN discriminator / critic with a linear output (the loss applies the sigmoid where there is one)."""
    n = num_doublings(image_size)
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = x_in
    filters = base_filters
    for i in range(n):
        x = keras.layers.Conv2D(
            filters, kernel_size, strides=2, padding="same", use_bias=normalization_kind == "none",
            kernel_initializer=DCGAN_INIT, name=f"down{i + 1}_conv",
        )(x)
        if i > 0:
            norm = normalization(normalization_kind, f"down{i + 1}_norm", gamma_stddev=0.02)
            x = norm(x) if norm is not None else x
        x = keras.layers.LeakyReLU(0.2, name=f"down{i + 1}_lrelu")(x)
        filters *= 2
    # Bias-free like the reference implementations, except in an unnormalized critic.
    x = keras.layers.Conv2D(
        1, 4, padding="valid", use_bias=normalization_kind == "none", kernel_initializer=DCGAN_INIT, name="logit_conv"
    )(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(x_in, x, name=name)
