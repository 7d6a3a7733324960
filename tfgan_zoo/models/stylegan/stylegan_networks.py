"""StyleGAN networks (official `G_mapping`, `G_synthesis`, `D_basic`, linear structure): mapping MLP, learned
constant, AdaIN after every conv with per-channel noise, [1, 2, 1] blur, progressive growing by a lod variable."""

from __future__ import annotations

import math

import keras
import numpy as np

from tfgan_zoo.layers.equalized import EqualizedConv2D, EqualizedDense, PixelNormalization
from tfgan_zoo.layers.minibatch_stddev import MinibatchStdDev
from tfgan_zoo.layers.progressive import LevelOfDetail, LodLerp
from tfgan_zoo.layers.resample import Blur, Resample
from tfgan_zoo.layers.style import AdaIN, BiasActivation, BroadcastW, ConstantInput, NoiseInjection, SelectW, WAverage

SQRT2 = math.sqrt(2.0)


def feature_maps(fmap_base, fmap_max):
    def nf(stage):
        return int(np.clip(int(fmap_base / (2.0**stage)), 1, fmap_max))

    return nf


def check_resolution(resolution):
    log2 = int(round(math.log2(resolution))) if resolution > 0 else 0
    if resolution < 4 or 2**log2 != resolution:
        raise ValueError(f"image_size must be a power of two >= 4, got {resolution}.")
    return log2


def num_ws_for(resolution):
    return 2 * int(math.log2(resolution)) - 2


def build_mapping(latent_dim, w_dim, num_layers, lr_multiplier, name="mapping"):
    z = keras.Input((latent_dim,), name="z")
    x = PixelNormalization(name="normalize")(z)
    for i in range(num_layers):
        x = EqualizedDense(w_dim, gain=SQRT2, lr_multiplier=lr_multiplier, activation="lrelu", name=f"dense{i}")(x)
    return keras.Model(z, x, name=name)


def _epilogue(x, ws, index, name, adain_epsilon=1e-8):
    """Noise → bias → leaky ReLU → AdaIN (instance norm + style), the official `layer_epilogue`."""
    x = NoiseInjection(per_channel=True, name=f"{name}_noise")(x)
    x = BiasActivation("lrelu", name=f"{name}_act")(x)
    return AdaIN(adain_epsilon, name=f"{name}_adain")([x, SelectW(index, name=f"{name}_w")(ws)])


def build_synthesis(resolution, channels, w_dim, fmap_base, fmap_max, initial_lod, name="synthesis",
                    adain_epsilon=1e-8, conv_bias_before_blur=False):
    """`adain_epsilon` and `conv_bias_before_blur` (a bias in each upsampling conv, added before the blur) exist for
    converted rosinality/style-based-gan-pytorch generators; the defaults are the official network."""
    log2 = check_resolution(resolution)
    nf = feature_maps(fmap_base, fmap_max)
    ws = keras.Input((num_ws_for(resolution), w_dim), name="ws")
    lod = LevelOfDetail(initial_lod, name="lod")(ws)
    x = ConstantInput(nf(1), 4, initializer="ones", name="b4_const")(ws)
    x = _epilogue(x, ws, 0, "b4_const", adain_epsilon)
    x = EqualizedConv2D(nf(1), 3, gain=SQRT2, use_bias=False, name="b4_conv")(x)
    x = _epilogue(x, ws, 1, "b4_conv", adain_epsilon)
    images = EqualizedConv2D(channels, 1, name=f"torgb_lod{log2 - 2}")(x)
    for res in range(3, log2 + 1):
        r, level = 2**res, log2 - res
        x = Resample("up", "nearest", name=f"b{r}_upsample")(x)
        x = EqualizedConv2D(nf(res - 1), 3, gain=SQRT2, use_bias=conv_bias_before_blur, name=f"b{r}_conv0")(x)
        x = Blur([1, 2, 1], name=f"b{r}_blur")(x)
        x = _epilogue(x, ws, res * 2 - 4, f"b{r}_conv0", adain_epsilon)
        x = EqualizedConv2D(nf(res - 1), 3, gain=SQRT2, use_bias=False, name=f"b{r}_conv1")(x)
        x = _epilogue(x, ws, res * 2 - 3, f"b{r}_conv1", adain_epsilon)
        img = EqualizedConv2D(channels, 1, name=f"torgb_lod{level}")(x)
        images = Resample("up", "nearest", name=f"grow_upsample_lod{level}")(images)
        images = LodLerp(level, name=f"grow_lod{level}")([img, images, lod])
    return keras.Model(ws, images, name=name)


def build_generator(latent_dim, w_dim, resolution, channels, mapping_layers, mapping_lr_multiplier, fmap_base,
                    fmap_max, w_avg_beta, initial_lod, name="generator", adain_epsilon=1e-8,
                    conv_bias_before_blur=False):
    mapping = build_mapping(latent_dim, w_dim, mapping_layers, mapping_lr_multiplier)
    synthesis = build_synthesis(resolution, channels, w_dim, fmap_base, fmap_max, initial_lod,
                                adain_epsilon=adain_epsilon, conv_bias_before_blur=conv_bias_before_blur)
    z = keras.Input((latent_dim,), name="latents")
    ws = BroadcastW(num_ws_for(resolution), name="broadcast")(mapping(z))
    ws = WAverage(w_avg_beta, name="truncation")(ws)
    return keras.Model(z, synthesis(ws), name=name)


D_BLOCK_LAYOUTS = ("official", "rosinality")


def build_discriminator(resolution, channels, fmap_base, fmap_max, mbstd_group_size, initial_lod,
                        name="discriminator", block_layout="official", fromrgb_activation="lrelu"):
    """The official `D_basic` (`block_layout='official'`): each block widens in its second, downsampling convolution
    (nf(res−1) → nf(res−1) → nf(res−2)), and the final dense layer has nf(0) units. `block_layout='rosinality'` is
    rosinality/style-based-gan-pytorch's `Discriminator`: each block widens in its first convolution (nf(res−1) →
    nf(res−2) → nf(res−2)) and the final 4×4 convolution (the zoo's `b4_dense0`) keeps the block width nf(1); blur,
    fused downsampling (conv → 2×2 average ≡ its `FusedDownsample`), minibatch stddev and the final layers sit where
    the official ones do. `fromrgb_activation`: 'lrelu' (official) or 'linear' (rosinality's default
    `from_rgb_activate=False`)."""
    if block_layout not in D_BLOCK_LAYOUTS:
        raise ValueError(f"d_block_layout must be one of {D_BLOCK_LAYOUTS}, got {block_layout!r}.")
    if fromrgb_activation not in ("lrelu", "linear"):
        raise ValueError(f"d_fromrgb_activation must be 'lrelu' or 'linear', got {fromrgb_activation!r}.")
    log2 = check_resolution(resolution)
    nf = feature_maps(fmap_base, fmap_max)
    widen_first = block_layout == "rosinality"
    images = keras.Input((resolution, resolution, channels), name="images")
    lod = LevelOfDetail(initial_lod, name="lod")(images)

    def fromrgb(img, res):
        return EqualizedConv2D(nf(res - 1), 1, gain=SQRT2, activation=fromrgb_activation,
                               name=f"fromrgb_lod{log2 - res}")(img)

    img = images
    x = fromrgb(img, log2)
    for res in range(log2, 2, -1):
        r, level = 2**res, log2 - res
        x = EqualizedConv2D(nf(res - 2) if widen_first else nf(res - 1), 3, gain=SQRT2, activation="lrelu",
                            name=f"b{r}_conv0")(x)
        x = Blur([1, 2, 1], name=f"b{r}_blur")(x)
        # official fused conv2d_downscale2d: conv, 2x2 average, then bias and activation
        x = EqualizedConv2D(nf(res - 2), 3, gain=SQRT2, use_bias=False, name=f"b{r}_conv1")(x)
        x = Resample("down", "average", name=f"b{r}_downsample")(x)
        x = BiasActivation("lrelu", name=f"b{r}_conv1_act")(x)
        img = Resample("down", "average", name=f"img_downsample_lod{level}")(img)
        x = LodLerp(level, name=f"grow_lod{level}")([x, fromrgb(img, res - 1), lod])
    if mbstd_group_size > 1:
        x = MinibatchStdDev(mbstd_group_size, name="b4_mbstd")(x)
    x = EqualizedConv2D(nf(1), 3, gain=SQRT2, activation="lrelu", name="b4_conv")(x)
    x = EqualizedDense(nf(1) if widen_first else nf(0), gain=SQRT2, activation="lrelu", name="b4_dense0")(x)
    out = EqualizedDense(1, gain=1.0, name="b4_dense1")(x)
    return keras.Model(images, out, name=name)
