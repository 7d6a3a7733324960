"""WGAN-GP networks: DCGAN generator; critic without batch norm (layer norm, as in the official 64×64 code)."""

from tfgan_zoo.networks.conv import conv_discriminator, conv_generator


def build_generator(latent_dim, image_size, channels, base_filters, kernel_size):
    return conv_generator(latent_dim, image_size, channels, base_filters, kernel_size, "dense", "batch")


def build_critic(image_size, channels, base_filters, kernel_size, normalization_kind):
    if normalization_kind == "batch":
        raise ValueError(
            "WGAN-GP's critic must not use batch norm: it couples examples and breaks the per-example gradient "
            "penalty (Gulrajani et al. §4). Use critic_normalization='layer' or 'none'."
        )
    return conv_discriminator(image_size, channels, base_filters, kernel_size, normalization_kind, name="critic")
