"""Generators of the self-modulation study (Chen et al. 2019) and their discriminators.

Every batch norm of G is a `SelfModulatedBatchNormalization`: γ(z) = 1 + MLP_γ(z), β(z) = MLP_β(z) with one ReLU
hidden layer (32 units). With classes (the paper's conditional combination), the modulating input is
[embed(y), z].

* 'resnet': the SN-GAN CIFAR ResNet G (3 up-blocks, 256 channels at 32×32) and SN ResNet D (compare_gan's
  resnet_cifar).
* 'dcgan': the SNDCGAN pair of compare_gan (Miyato et al.'s standard CNN): G = linear → 4×4×512 → 4×4 stride-2
  transposed convs halving the channels → 3×3 conv → tanh; D = SN convs 3×3/4×4-s2 pairs (64, 128, 256) → 3×3 512,
  LeakyReLU(0.1) → linear (+ projection when conditional).
"""

import math

import keras

from tfgan_zoo.layers.conditional_norm import SelfModulatedBatchNormalization
from tfgan_zoo.layers.projection import ProjectionHead
from tfgan_zoo.layers.spectral import sn_conv
from tfgan_zoo.networks.resnet_gan import resnet_discriminator, resnet_generator

ARCHITECTURES = ("resnet", "dcgan")


def _doublings(image_size):
    n = math.log2(image_size / 4) if image_size > 0 else -1
    if n < 1 or n != int(n):
        raise ValueError(f"image_size must be 4·2^k with k >= 1 (8, 16, 32, 64, ...), got {image_size}.")
    return int(n)


def build_generator(architecture, latent_dim, num_classes, image_size, channels, base_channels, shared_dim,
                    hidden_units):
    if architecture == "resnet":
        n = _doublings(image_size)
        return resnet_generator(
            latent_dim, image_size, channels, base_channels, [1] * (n + 1), num_classes=num_classes,
            conditioning="selfmod", shared_dim=shared_dim, sn=False, init="sngan", selfmod_hidden=hidden_units,
        )
    if architecture != "dcgan":
        raise ValueError(f"Unknown architecture {architecture!r}; expected one of {ARCHITECTURES}.")
    n = _doublings(image_size)
    z = keras.Input((latent_dim,), name="latents")
    inputs, cond = [z], z
    if num_classes:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs.append(labels)
        embedded = keras.layers.Embedding(num_classes, shared_dim, name="shared_embedding")(labels)
        cond = keras.layers.Concatenate(name="cond")([embedded, z])
    top = base_channels * 2**n
    h = keras.layers.Dense(4 * 4 * top, name="linear")(z)
    h = keras.layers.Reshape((4, 4, top), name="reshape")(h)
    h = SelfModulatedBatchNormalization(hidden_units, name="bn0")([h, cond])
    h = keras.layers.ReLU(name="relu0")(h)
    for i in range(n):
        h = keras.layers.Conv2DTranspose(top // 2 ** (i + 1), 4, 2, padding="same", name=f"deconv{i + 1}")(h)
        h = SelfModulatedBatchNormalization(hidden_units, name=f"bn{i + 1}")([h, cond])
        h = keras.layers.ReLU(name=f"relu{i + 1}")(h)
    h = keras.layers.Conv2D(channels, 3, padding="same", name="out_conv")(h)
    images = keras.layers.Activation("tanh", dtype="float32", name="images")(h)
    model = keras.Model(inputs if num_classes else z, images, name="generator")
    # biases that only reach (self-modulated) batch norms: exactly zero gradient, not optimized (see ProjectionGAN)
    model.zero_gradient_biases = ("linear",) + tuple(f"deconv{i + 1}" for i in range(n))
    return model


def build_discriminator(architecture, num_classes, image_size, channels, base_channels):
    if architecture == "resnet":
        n = _doublings(image_size)
        # compare_gan resnet_cifar D: (n - 1) downsampling blocks then two at the final resolution
        return resnet_discriminator(
            image_size, channels, base_channels, [1] * (n + 1), [1] * (n - 1) + [0, 0], num_classes=num_classes,
            sn=True, init="sngan", wide=False,
        )
    if architecture != "dcgan":
        raise ValueError(f"Unknown architecture {architecture!r}; expected one of {ARCHITECTURES}.")
    n = _doublings(image_size)
    images = keras.Input((image_size, image_size, channels), name="images")
    h = images
    for i in range(n):
        width = base_channels * 2**i
        h = sn_conv(width, 3, f"conv{i + 1}a")(h)
        h = keras.layers.LeakyReLU(0.1, name=f"lrelu{i + 1}a")(h)
        h = sn_conv(width, 4, f"conv{i + 1}b", strides=2)(h)
        h = keras.layers.LeakyReLU(0.1, name=f"lrelu{i + 1}b")(h)
    h = sn_conv(base_channels * 2**n, 3, "conv_out")(h)
    h = keras.layers.LeakyReLU(0.1, name="lrelu_out")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    head = ProjectionHead(num_classes=num_classes, use_sn=True, name="projection")
    if num_classes:
        labels = keras.Input((), dtype="int32", name="labels")
        return keras.Model([images, labels], head([h, labels]), name="discriminator")
    return keras.Model(images, head(h), name="discriminator")
