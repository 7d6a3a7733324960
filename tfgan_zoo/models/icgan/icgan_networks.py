"""IcGAN networks (Perarnau et al. 2016): a DCGAN-style conditional GAN with y concatenated to z at G's input and
to the output of D's first conv layer (the paper's best-performing placement), and the two encoders E_z, E_y.

Conditions are float vectors y `[B, ny]` inside the networks (a class one-hot, or CelebA's binary attributes).
"""

from __future__ import annotations

import keras

from tfgan_zoo.layers.normalization import normalization
from tfgan_zoo.networks.conv import DCGAN_INIT, num_doublings


def build_generator(latent_dim, cond_dim, image_size, channels, base_filters, kernel_size=4, name="generator"):
    """[z, y] → concat → 4×4 transposed-conv projection → fractionally-strided convs (BN, ReLU) → tanh."""
    n = num_doublings(image_size)
    top = base_filters * 2 ** (n - 1)
    z = keras.Input((latent_dim,), name="latents")
    y = keras.Input((cond_dim,), name="conditions")
    x = keras.layers.Concatenate(name="z_and_y")([z, y])
    x = keras.layers.Reshape((1, 1, latent_dim + cond_dim), name="reshape")(x)
    x = keras.layers.Conv2DTranspose(
        top, 4, padding="valid", use_bias=False, kernel_initializer=DCGAN_INIT, name="project"
    )(x)
    x = normalization("batch", "project_norm", gamma_stddev=0.02)(x)
    x = keras.layers.ReLU(name="project_relu")(x)
    filters = top
    for i in range(n - 1):
        filters //= 2
        x = keras.layers.Conv2DTranspose(
            filters, kernel_size, strides=2, padding="same", use_bias=False, kernel_initializer=DCGAN_INIT,
            name=f"up{i + 1}_conv",
        )(x)
        x = normalization("batch", f"up{i + 1}_norm", gamma_stddev=0.02)(x)
        x = keras.layers.ReLU(name=f"up{i + 1}_relu")(x)
    x = keras.layers.Conv2DTranspose(
        channels, kernel_size, strides=2, padding="same", use_bias=False, kernel_initializer=DCGAN_INIT,
        name="to_image",
    )(x)
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model([z, y], x, name=name)


def _tile(y, size, name):
    y = keras.layers.Reshape((1, 1, y.shape[-1]), name=f"{name}_reshape")(y)
    return keras.layers.UpSampling2D(size, name=name)(y)


def build_discriminator(cond_dim, image_size, channels, base_filters, kernel_size=4, name="discriminator"):
    """x → conv (LeakyReLU) → concat with y tiled spatially → strided convs (BN, LeakyReLU) → 4×4 conv → logit."""
    n = num_doublings(image_size)
    x_in = keras.Input((image_size, image_size, channels), name="images")
    y = keras.Input((cond_dim,), name="conditions")
    x = keras.layers.Conv2D(
        base_filters, kernel_size, strides=2, padding="same", use_bias=False, kernel_initializer=DCGAN_INIT,
        name="down1_conv",
    )(x_in)
    x = keras.layers.LeakyReLU(0.2, name="down1_lrelu")(x)
    x = keras.layers.Concatenate(name="features_and_y")([x, _tile(y, image_size // 2, "y_tiled")])
    filters = base_filters
    for i in range(1, n):
        filters *= 2
        x = keras.layers.Conv2D(
            filters, kernel_size, strides=2, padding="same", use_bias=False, kernel_initializer=DCGAN_INIT,
            name=f"down{i + 1}_conv",
        )(x)
        x = normalization("batch", f"down{i + 1}_norm", gamma_stddev=0.02)(x)
        x = keras.layers.LeakyReLU(0.2, name=f"down{i + 1}_lrelu")(x)
    x = keras.layers.Conv2D(1, 4, padding="valid", use_bias=False, kernel_initializer=DCGAN_INIT, name="logit_conv")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model([x_in, y], x, name=name)


def build_encoder(out_dim, image_size, channels, base_filters, hidden_units, kernel_size=5, name="encoder"):
    """x → 5×5 stride-2 convs (32, 64, 128, 256 at 64×64; BN + ReLU) → dense (BN + ReLU) → linear `[B, out_dim]`."""
    n = num_doublings(image_size)
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = x_in
    filters = base_filters
    for i in range(n):
        x = keras.layers.Conv2D(
            filters, kernel_size, strides=2, padding="same", use_bias=False, kernel_initializer=DCGAN_INIT,
            name=f"down{i + 1}_conv",
        )(x)
        x = normalization("batch", f"down{i + 1}_norm", gamma_stddev=0.02)(x)
        x = keras.layers.ReLU(name=f"down{i + 1}_relu")(x)
        filters *= 2
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(hidden_units, use_bias=False, kernel_initializer=DCGAN_INIT, name="hidden")(x)
    x = normalization("batch", "hidden_norm", gamma_stddev=0.02)(x)
    x = keras.layers.ReLU(name="hidden_relu")(x)
    x = keras.layers.Dense(out_dim, kernel_initializer=DCGAN_INIT, name="output")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="output_f32")(x)
    return keras.Model(x_in, x, name=name)
