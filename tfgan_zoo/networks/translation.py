"""Networks shared by image-to-image families (pix2pix, CycleGAN, DualGAN, ...), layer details after the official
PyTorch code of pix2pix/CycleGAN.

U-Net generator: n = log2(image_size) strided 4×4 convs C(b)-C(2b)-C(4b)-C(8b)…C(8b) (no norm on the first and
the innermost), LeakyReLU 0.2; the decoder mirrors it with ReLU, 4×4 transposed convs, skip concatenations and
dropout 0.5 on the (n - 5, at most 3) decoder layers after the innermost one; tanh output.
PatchGAN discriminator (70×70 receptive field for 3 layers): C(b, s2) - C(2b, s2) - C(4b, s2) - C(8b, s1) - 1,
4×4 kernels, padding 1, normalization except on the first; conditional (pix2pix: over the (source, target) pair)
or over one image (CycleGAN, DualGAN).

`normalization_kind` 'instance' is the per-image, per-channel normalization; `affine=False` gives the official
`InstanceNorm2d(affine=False)` (no parameters: CycleGAN's and DualGAN's default).
"""

import math

import keras

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.normalization import normalization
from tfgan_zoo.layers.random import ConsistentDropout

INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))


def build_unet_generator(image_size, in_channels, out_channels, base_filters, normalization_kind, dropout,
                         name="generator", affine=True):
    n = math.log2(image_size) if image_size > 0 else 0
    if n != int(n) or n < 3:
        raise ValueError(f"The U-Net needs a power-of-two image_size >= 8 (256 in the paper), got {image_size}.")
    n = int(n)
    bias = normalization_kind != "batch"
    x_in = keras.Input((image_size, image_size, in_channels), name="images")
    x = x_in
    skips = []
    for i in range(n):
        filters = base_filters * min(2**i, 8)
        if i > 0:
            x = keras.layers.LeakyReLU(0.2, name=f"enc{i + 1}_lrelu")(x)
        x = keras.layers.Conv2D(
            filters, 4, strides=2, padding="same", use_bias=(i == 0 or i == n - 1 or bias),
            kernel_initializer=INIT, name=f"enc{i + 1}_conv",
        )(x)
        if 0 < i < n - 1:
            norm = normalization(normalization_kind, f"enc{i + 1}_norm", gamma_stddev=0.02, affine=affine)
            x = norm(x) if norm is not None else x
        skips.append(x)
    num_dropout = max(0, min(3, n - 5))
    for j in reversed(range(n)):
        x = keras.layers.ReLU(name=f"dec{j + 1}_relu")(x)
        if j == 0:
            x = keras.layers.Conv2DTranspose(
                out_channels, 4, strides=2, padding="same", kernel_initializer=INIT, name="dec1_conv"
            )(x)
            break
        filters = base_filters * min(2 ** (j - 1), 8)
        x = keras.layers.Conv2DTranspose(
            filters, 4, strides=2, padding="same", use_bias=bias, kernel_initializer=INIT, name=f"dec{j + 1}_conv"
        )(x)
        norm = normalization(normalization_kind, f"dec{j + 1}_norm", gamma_stddev=0.02, affine=affine)
        x = norm(x) if norm is not None else x
        if dropout and n - 1 - num_dropout <= j < n - 1:
            x = ConsistentDropout(dropout, name=f"dec{j + 1}_dropout")(x)
        x = keras.layers.Concatenate(name=f"dec{j + 1}_skip")([skips[j - 1], x])
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(x_in, x, name=name)


def build_patch_discriminator(image_size, in_channels, out_channels, base_filters, num_layers, normalization_kind,
                              name="discriminator"):
    """Conditional PatchGAN over concat(source, target) (pix2pix); returns a map of logits, one per patch."""
    _check_patch_size(image_size, num_layers)
    src = keras.Input((image_size, image_size, in_channels), name="source")
    tgt = keras.Input((image_size, image_size, out_channels), name="target")
    x = keras.layers.Concatenate(name="pair")([src, tgt])
    return keras.Model([src, tgt], _patch_body(x, base_filters, num_layers, normalization_kind), name=name)


def build_image_patch_discriminator(image_size, channels, base_filters=64, num_layers=3, normalization_kind="instance",
                                    affine=False, name="discriminator"):
    """Unconditional PatchGAN over one image (CycleGAN's `NLayerDiscriminator`; 3 layers: 70×70 patches)."""
    _check_patch_size(image_size, num_layers)
    x_in = keras.Input((image_size, image_size, channels), name="images")
    return keras.Model(x_in, _patch_body(x_in, base_filters, num_layers, normalization_kind, affine), name=name)


def _check_patch_size(image_size, num_layers):
    if image_size < 2 ** (num_layers + 2):
        raise ValueError(
            f"A {num_layers}-layer PatchGAN needs images of at least {2 ** (num_layers + 2)} pixels, got {image_size}; "
            "use fewer d_layers or larger images."
        )


def _patch_body(x, base_filters, num_layers, normalization_kind, affine=True):
    """C(b, s2) - C(2b, s2) - ... - C(min(2^n, 8)·b, s1) - C(1, s1): 4×4 kernels, padding 1, LeakyReLU 0.2, no norm
    on the first."""
    bias = normalization_kind != "batch"
    specs = [(base_filters * min(2**i, 8), 2) for i in range(num_layers)] + [(base_filters * min(2**num_layers, 8), 1)]
    for i, (filters, stride) in enumerate(specs):
        x = keras.layers.ZeroPadding2D(1, name=f"conv{i + 1}_pad")(x)
        x = keras.layers.Conv2D(
            filters, 4, strides=stride, use_bias=(i == 0 or bias), kernel_initializer=INIT, name=f"conv{i + 1}"
        )(x)
        if i > 0:
            norm = normalization(normalization_kind, f"conv{i + 1}_norm", gamma_stddev=0.02, affine=affine)
            x = norm(x) if norm is not None else x
        x = keras.layers.LeakyReLU(0.2, name=f"conv{i + 1}_lrelu")(x)
    x = keras.layers.ZeroPadding2D(1, name="logits_pad")(x)
    x = keras.layers.Conv2D(1, 4, kernel_initializer=INIT, name="logits_conv")(x)
    return keras.layers.Activation("linear", dtype="float32", name="logits")(x)
