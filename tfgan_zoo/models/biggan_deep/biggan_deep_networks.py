"""BigGAN-deep networks (Brock et al. 2019, appendix), after BigGAN-PyTorch's BigGANdeep.py: bottleneck residual
blocks (1×1 conv to C/4, two 3×3 convs, 1×1 conv out), two blocks per resolution (G: the second upsamples and its
shortcut drops channels; D: the first downsamples and its shortcut appends 1×1-conv channels), the whole z
concatenated with the shared class embedding as the condition of every conditional BN and as the input of the
linear layer, a 3×3 input conv in D, attention at 64×64, SN and orthogonal init everywhere.

Difference from BigGAN-PyTorch: its G output conv has 128 channels of which the first 3 are kept; ours has 3 output
channels (same function, 144,125 fewer parameters at ch 128)."""

from tfgan_zoo.networks.resnet_gan import resnet_discriminator, resnet_generator


def build_generator(latent_dim, num_classes, image_size, channels, base_channels, channel_mults, shared_dim,
                    attention, init):
    return resnet_generator(
        latent_dim, image_size, channels, base_channels, channel_mults, num_classes=num_classes,
        conditioning="shared", hierarchical=False, shared_dim=shared_dim, attention_resolutions=tuple(attention),
        sn=True, init=init, block_type="deep",
    )


def build_discriminator(num_classes, image_size, channels, base_channels, channel_mults, downsample, attention, init):
    return resnet_discriminator(
        image_size, channels, base_channels, channel_mults, downsample, num_classes=num_classes,
        attention_resolutions=tuple(attention), sn=True, init=init, block_type="deep",
    )
