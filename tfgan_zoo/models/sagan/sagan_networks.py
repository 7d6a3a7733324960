"""SAGAN networks (Zhang et al. 2019) after brain-research/self-attention-gan: the SN-GAN ResNet with spectral
normalization in G too, per-class conditional BN in G, wide D blocks, projection D, and a self-attention block
(θ, φ at C/8, g at C/2 with 2×2 max-pooled keys, γ = 0 at init) after the 32×32 feature maps of G and D."""

from tfgan_zoo.networks.resnet_gan import resnet_discriminator, resnet_generator


def build_generator(latent_dim, num_classes, image_size, channels, base_channels, channel_mults, attention):
    return resnet_generator(
        latent_dim, image_size, channels, base_channels, channel_mults, num_classes=num_classes,
        conditioning="class" if num_classes else "none", attention_resolutions=tuple(attention), sn=True,
        init="glorot",
    )


def build_discriminator(num_classes, image_size, channels, base_channels, channel_mults, downsample, attention):
    return resnet_discriminator(
        image_size, channels, base_channels, channel_mults, downsample, num_classes=num_classes,
        attention_resolutions=tuple(attention), sn=True, init="glorot", wide=True,
    )
