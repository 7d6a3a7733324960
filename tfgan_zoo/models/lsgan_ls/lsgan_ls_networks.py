"""LS-GAN networks (Qi 2017, authors' lsgan.lua): the PyTorch-reference DCGAN generator and a DCGAN-style loss
network L_θ whose bias-free output passes through a ReLU, so that the learned loss is non-negative."""

import keras

from tfgan_zoo.networks.conv import conv_discriminator, conv_generator


def build_generator(latent_dim, image_size, channels, base_filters, kernel_size=4):
    return conv_generator(latent_dim, image_size, channels, base_filters, kernel_size, "conv", "batch")


def build_loss_network(image_size, channels, base_filters, kernel_size=4):
    """L_θ: images → `[B, 1]` non-negative losses."""
    base = conv_discriminator(image_size, channels, base_filters, kernel_size, "batch", name="loss_trunk")
    out = keras.layers.ReLU(dtype="float32", name="nonnegative_loss")(base.output)
    return keras.Model(base.input, out, name="loss_function")
