"""SN-GAN ResNet networks (Miyato et al. 2018) with the projection discriminator (Miyato & Koyama 2018), after
pfnet-research/sngan_projection: G without SN (conditional BN with per-class γ, β when conditional), D with SN,
narrow D blocks (hidden = in channels), GlorotUniform(√2) block convs, nearest upsampling, sum pooling."""

from tfgan_zoo.networks.resnet_gan import resnet_discriminator, resnet_generator


def build_generator(latent_dim, num_classes, image_size, channels, base_channels, channel_mults):
    return resnet_generator(
        latent_dim, image_size, channels, base_channels, channel_mults, num_classes=num_classes,
        conditioning="class" if num_classes else "none", sn=False, init="sngan",
    )


def build_discriminator(num_classes, image_size, channels, base_channels, channel_mults, downsample):
    return resnet_discriminator(
        image_size, channels, base_channels, channel_mults, downsample, num_classes=num_classes, sn=True,
        init="sngan", wide=False,
    )
