"""StyleGAN2 networks (config-f): mapping network, skip synthesis network, residual discriminator.

Layer names follow the official code's scopes (`b<res>_conv0`, `b<res>_torgb`, ...) so converters map cleanly.
Feature maps per resolution: nf(stage) = clip(fmap_base / 2^stage, fmap_min, fmap_max), as `G_synthesis_stylegan2`.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from tfgan_zoo.layers.equalized import EqualizedConv2D, EqualizedDense, PixelNormalization
from tfgan_zoo.layers.minibatch_stddev import MinibatchStdDev
from tfgan_zoo.layers.resample import Resample
from tfgan_zoo.layers.style import (
    BiasActivation,
    BroadcastW,
    ConstantInput,
    ModulatedConv2D,
    NoiseInjection,
    SelectW,
    ToRGB,
    WAverage,
)

SQRT2 = math.sqrt(2.0)


def feature_maps(fmap_base, fmap_min, fmap_max):
    def nf(stage):
        return int(np.clip(int(fmap_base / (2.0**stage)), fmap_min, fmap_max))

    return nf


def num_ws_for(resolution):
    return 2 * int(math.log2(resolution)) - 2


def check_resolution(resolution):
    log2 = int(round(math.log2(resolution))) if resolution > 0 else 0
    if resolution < 4 or 2**log2 != resolution:
        raise ValueError(f"image_size must be a power of two >= 4, got {resolution}.")
    return log2


def build_mapping(latent_dim, w_dim, num_layers, lr_multiplier, name="mapping"):
    z = keras.Input((latent_dim,), name="z")
    x = PixelNormalization(name="normalize")(z)
    for i in range(num_layers):
        x = EqualizedDense(w_dim, lr_multiplier=lr_multiplier, activation="lrelu", activation_gain=SQRT2,
                           name=f"dense{i}")(x)
    return keras.Model(z, x, name=name)


def _style_layer(x, ws, index, filters, kernel, up, name):
    w = SelectW(index, name=f"{name}_w")(ws)
    x = ModulatedConv2D(filters, kernel, up=up, name=f"{name}_mod")([x, w])
    x = NoiseInjection(per_channel=False, name=f"{name}_noise")(x)
    return BiasActivation("lrelu", gain=SQRT2, name=f"{name}_act")(x)


def build_synthesis(resolution, channels, w_dim, fmap_base, fmap_min, fmap_max, name="synthesis"):
    log2 = check_resolution(resolution)
    nf = feature_maps(fmap_base, fmap_min, fmap_max)
    num_ws = num_ws_for(resolution)
    ws = keras.Input((num_ws, w_dim), name="ws")
    x = ConstantInput(nf(1), 4, name="b4_const")(ws)
    x = _style_layer(x, ws, 0, nf(1), 3, False, "b4_conv")
    y = ToRGB(channels, name="b4_torgb")([x, SelectW(1, name="b4_torgb_w")(ws)])
    for res in range(3, log2 + 1):
        r = 2**res
        x = _style_layer(x, ws, res * 2 - 5, nf(res - 1), 3, True, f"b{r}_conv0")
        x = _style_layer(x, ws, res * 2 - 4, nf(res - 1), 3, False, f"b{r}_conv1")
        y = Resample("up", "fir", name=f"b{r}_upsample")(y)
        t = ToRGB(channels, name=f"b{r}_torgb")([x, SelectW(res * 2 - 3, name=f"b{r}_torgb_w")(ws)])
        y = keras.layers.Add(name=f"b{r}_skip")([y, t])
    return keras.Model(ws, y, name=name)


def build_generator(latent_dim, w_dim, resolution, channels, mapping_layers, mapping_lr_multiplier, fmap_base,
                    fmap_min, fmap_max, w_avg_beta, name="generator"):
    mapping = build_mapping(latent_dim, w_dim, mapping_layers, mapping_lr_multiplier)
    synthesis = build_synthesis(resolution, channels, w_dim, fmap_base, fmap_min, fmap_max)
    z = keras.Input((latent_dim,), name="latents")
    w = mapping(z)
    ws = BroadcastW(num_ws_for(resolution), name="broadcast")(w)
    ws = WAverage(w_avg_beta, name="truncation")(ws)
    return keras.Model(z, synthesis(ws), name=name)


def build_discriminator(resolution, channels, fmap_base, fmap_min, fmap_max, mbstd_group_size, mbstd_num_features,
                        name="discriminator"):
    log2 = check_resolution(resolution)
    nf = feature_maps(fmap_base, fmap_min, fmap_max)
    img = keras.Input((resolution, resolution, channels), name="images")
    x = EqualizedConv2D(nf(log2 - 1), 1, activation="lrelu", activation_gain=SQRT2, name=f"b{resolution}_fromrgb")(img)
    for res in range(log2, 2, -1):
        r = 2**res
        t = x
        x = EqualizedConv2D(nf(res - 1), 3, activation="lrelu", activation_gain=SQRT2, name=f"b{r}_conv0")(x)
        x = EqualizedConv2D(nf(res - 2), 3, down=True, activation="lrelu", activation_gain=SQRT2,
                            name=f"b{r}_conv1")(x)
        t = EqualizedConv2D(nf(res - 2), 1, down=True, use_bias=False, name=f"b{r}_skip")(t)
        x = keras.layers.Add(name=f"b{r}_add")([x, t])
        x = keras.layers.Rescaling(1.0 / SQRT2, name=f"b{r}_scale")(x)
    if mbstd_group_size > 1:
        x = MinibatchStdDev(mbstd_group_size, mbstd_num_features, name="b4_mbstd")(x)
    x = EqualizedConv2D(nf(1), 3, activation="lrelu", activation_gain=SQRT2, name="b4_conv")(x)
    x = EqualizedDense(nf(0), activation="lrelu", activation_gain=SQRT2, name="b4_fc")(x)
    out = EqualizedDense(1, name="b4_out")(x)
    return keras.Model(img, out, name=name)
