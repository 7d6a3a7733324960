"""BigGAN networks (Brock et al. 2019), after BigGAN-PyTorch (the first author's reference code): hierarchical
latent (z split into one chunk per block + one for the linear input), a shared class embedding concatenated to each
chunk and projected (SN, bias-free) into every conditional BN's gain and bias, SN and orthogonal init in G and D,
self-attention at 64×64 in both, wide D blocks, projection D. Parameter counts match BigGAN-PyTorch exactly
(128×128, ch 96: G 70,433,988, D 87,982,370)."""

from tfgan_zoo.networks.resnet_gan import resnet_discriminator, resnet_generator


def build_generator(latent_dim, num_classes, image_size, channels, base_channels, channel_mults, shared_dim,
                    hierarchical, attention, init):
    return resnet_generator(
        latent_dim, image_size, channels, base_channels, channel_mults, num_classes=num_classes,
        conditioning="shared", hierarchical=hierarchical, shared_dim=shared_dim,
        attention_resolutions=tuple(attention), sn=True, init=init,
    )


def build_discriminator(num_classes, image_size, channels, base_channels, channel_mults, downsample, attention, init):
    return resnet_discriminator(
        image_size, channels, base_channels, channel_mults, downsample, num_classes=num_classes,
        attention_resolutions=tuple(attention), sn=True, init=init, wide=True,
    )
