"""WGAN-GP networks: DCGAN generator; critic without batch norm (layer norm, as in the official 64×64 code); and the
ResNet pair of the official CIFAR-10 code (gan_cifar_resnet.py)."""

from tfgan_zoo.networks.conv import conv_discriminator, conv_generator
from tfgan_zoo.networks.resnet_gan import num_blocks, resnet_discriminator, resnet_generator


def build_generator(latent_dim, image_size, channels, base_filters, kernel_size):
    return conv_generator(latent_dim, image_size, channels, base_filters, kernel_size, "dense", "batch")


def build_critic(image_size, channels, base_filters, kernel_size, normalization_kind):
    if normalization_kind == "batch":
        raise ValueError(
            "WGAN-GP's critic must not use batch norm: it couples examples and breaks the per-example gradient "
            "penalty (Gulrajani et al. §4). Use critic_normalization='layer' or 'none'."
        )
    return conv_discriminator(image_size, channels, base_filters, kernel_size, normalization_kind, name="critic")


def build_resnet_generator(latent_dim, image_size, channels, dim):
    """gan_cifar_resnet.py's G (unconditional): linear → 4×4×dim → up-blocks (BN-ReLU-2× nearest up-3×3 conv-BN-ReLU-3×3
    conv, 1×1 up-conv shortcut; 3 at 32×32) → BN → ReLU → 3×3 conv → tanh. Block convs He-uniform over fan_avg
    (tflib's he_init), shortcuts, linear and output conv Glorot-uniform; biases zero."""
    n = num_blocks(image_size)
    return resnet_generator(latent_dim, image_size, channels, dim, [1] * (n + 1), conditioning="none", sn=False,
                            init="sngan", name="generator")


def build_resnet_critic(image_size, channels, dim):
    """gan_cifar_resnet.py's critic, no normalization: OptimizedResBlockDisc1 (conv-ReLU-conv-mean pool, mean pool +
    1×1-conv shortcut), down-blocks to 8×8 (one at 32×32), two blocks without resampling, ReLU, mean over the 8×8
    positions, linear → 1."""
    n_down = num_blocks(image_size, bottom_width=8)  # 8·2^k, k >= 1: 2 at 32×32 (the optimized block + one)
    downsample = [1] * n_down + [0, 0]
    return resnet_discriminator(image_size, channels, dim, [1] * len(downsample), downsample, sn=False,
                                init="sngan", name="critic", pooling="mean")
