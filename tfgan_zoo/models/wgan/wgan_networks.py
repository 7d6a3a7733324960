"""WGAN networks: the DCGAN generator and a DCGAN critic with a linear output, as in the official code."""

from tfgan_zoo.networks.conv import conv_discriminator, conv_generator


def build_generator(latent_dim, image_size, channels, base_filters, kernel_size, projection):
    return conv_generator(latent_dim, image_size, channels, base_filters, kernel_size, projection, "batch")


def build_critic(image_size, channels, base_filters, kernel_size, normalization_kind):
    return conv_discriminator(image_size, channels, base_filters, kernel_size, normalization_kind, name="critic")
