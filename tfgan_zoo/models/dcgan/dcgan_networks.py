"""DCGAN networks (Radford et al. 2016): the shared DCGAN-style builders with the paper's settings."""

from tfgan_zoo.networks.conv import conv_discriminator, conv_generator


def build_generator(latent_dim, image_size, channels, base_filters, kernel_size, projection):
    return conv_generator(latent_dim, image_size, channels, base_filters, kernel_size, projection, "batch")


def build_discriminator(image_size, channels, base_filters, kernel_size):
    return conv_discriminator(image_size, channels, base_filters, kernel_size, "batch")
