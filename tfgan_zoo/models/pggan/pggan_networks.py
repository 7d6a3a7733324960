"""PGGAN networks (official `G_paper` / `D_paper`, linear structure): every resolution from 4×4 up, toRGB /
fromRGB per level, faded by the level-of-detail variable. nf(stage) = clip(fmap_base / 2^stage, 1, fmap_max)."""

from __future__ import annotations

import math

import keras
import numpy as np

from tfgan_zoo.layers.equalized import EqualizedConv2D, EqualizedDense, PixelNormalization
from tfgan_zoo.layers.minibatch_stddev import MinibatchStdDev
from tfgan_zoo.layers.progressive import LevelOfDetail, LodLerp
from tfgan_zoo.layers.resample import Resample
from tfgan_zoo.layers.style import BiasActivation

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


def build_generator(latent_dim, resolution, channels, fmap_base, fmap_max, normalize_latents, use_pixelnorm,
                    initial_lod, name="generator"):
    log2 = check_resolution(resolution)
    nf = feature_maps(fmap_base, fmap_max)

    def pn(x, n):
        return PixelNormalization(name=f"{n}_pixelnorm")(x) if use_pixelnorm else x

    z = keras.Input((latent_dim,), name="latents")
    lod = LevelOfDetail(initial_lod, name="lod")(z)
    x = PixelNormalization(name="normalize_latents")(z) if normalize_latents else z
    x = EqualizedDense(nf(1) * 16, gain=SQRT2 / 4, use_bias=False, name="b4_dense")(x)
    x = keras.layers.Reshape((4, 4, nf(1)), name="b4_reshape")(x)
    x = pn(BiasActivation("lrelu", name="b4_dense_act")(x), "b4_dense")
    x = pn(EqualizedConv2D(nf(1), 3, gain=SQRT2, activation="lrelu", name="b4_conv")(x), "b4_conv")
    images = EqualizedConv2D(channels, 1, name=f"torgb_lod{log2 - 2}")(x)
    for res in range(3, log2 + 1):
        r = 2**res
        level = log2 - res
        x = Resample("up", "nearest", name=f"b{r}_upsample")(x)
        x = pn(EqualizedConv2D(nf(res - 1), 3, gain=SQRT2, activation="lrelu", name=f"b{r}_conv0")(x), f"b{r}_conv0")
        x = pn(EqualizedConv2D(nf(res - 1), 3, gain=SQRT2, activation="lrelu", name=f"b{r}_conv1")(x), f"b{r}_conv1")
        img = EqualizedConv2D(channels, 1, name=f"torgb_lod{level}")(x)
        images = Resample("up", "nearest", name=f"grow_upsample_lod{level}")(images)
        images = LodLerp(level, name=f"grow_lod{level}")([img, images, lod])
    return keras.Model(z, images, name=name)


def build_discriminator(resolution, channels, fmap_base, fmap_max, mbstd_group_size, initial_lod,
                        name="discriminator"):
    log2 = check_resolution(resolution)
    nf = feature_maps(fmap_base, fmap_max)
    images = keras.Input((resolution, resolution, channels), name="images")
    lod = LevelOfDetail(initial_lod, name="lod")(images)

    def fromrgb(img, res):
        return EqualizedConv2D(nf(res - 1), 1, gain=SQRT2, activation="lrelu", name=f"fromrgb_lod{log2 - res}")(img)

    img = images
    x = fromrgb(img, log2)
    for res in range(log2, 2, -1):
        r = 2**res
        level = log2 - res
        x = EqualizedConv2D(nf(res - 1), 3, gain=SQRT2, activation="lrelu", name=f"b{r}_conv0")(x)
        # official fused conv2d_downscale2d: conv, 2x2 average, then bias and activation
        x = EqualizedConv2D(nf(res - 2), 3, gain=SQRT2, use_bias=False, name=f"b{r}_conv1")(x)
        x = Resample("down", "average", name=f"b{r}_downsample")(x)
        x = BiasActivation("lrelu", name=f"b{r}_conv1_act")(x)
        img = Resample("down", "average", name=f"img_downsample_lod{level}")(img)
        y = fromrgb(img, res - 1)
        x = LodLerp(level, name=f"grow_lod{level}")([x, y, lod])
    if mbstd_group_size > 1:
        x = MinibatchStdDev(mbstd_group_size, name="b4_mbstd")(x)
    x = EqualizedConv2D(nf(1), 3, gain=SQRT2, activation="lrelu", name="b4_conv")(x)
    x = EqualizedDense(nf(0), gain=SQRT2, activation="lrelu", name="b4_dense0")(x)
    out = EqualizedDense(1, gain=1.0, name="b4_dense1")(x)
    return keras.Model(images, out, name=name)
