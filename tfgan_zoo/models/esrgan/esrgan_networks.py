"""ESRGAN's networks (Wang et al. 2018; the official xinntao/ESRGAN `RRDBNet` and BasicSR's
`VGGStyleDiscriminator128`).

G (RRDBNet): 3×3 conv_first → `num_blocks` RRDBs → 3×3 conv_body, + conv_first's output → log2(scale) × [nearest ×2,
3×3 conv, LeakyReLU 0.2] → 3×3 conv_hr, LeakyReLU 0.2 → 3×3 conv_last. No batch norm. An RRDB is three residual
dense blocks (RDB: five 3×3 convs, conv k sees the input and the k−1 previous outputs, growth `growth` channels,
LeakyReLU 0.2 after convs 1–4; out = 0.2·conv5 + input) and a residual of its own (out = 0.2·rdb3 + input).
Kaiming-normal ×0.1 initialisation in the RDBs (the paper's small initialisation); other convs PyTorch's default.
Layer names follow BasicSR (`conv_first`, `body_N_rdbM_convK`, `conv_body`, `conv_up1`, `conv_hr`, `conv_last`).

D (VGG-style, 128² patches): conv0_0 3×3 (64, bias) + LeakyReLU, then per stage i = 0..4 a 4×4 stride-2 conv
and (from stage 1) a 3×3 conv, each without bias + BN + LeakyReLU 0.2 (widths 64, 128, 256, 512, 512) →
dense 100, LeakyReLU → dense 1.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from tfgan_zoo.layers.initializers import PerCall

TORCH_DEFAULT = PerCall(keras.initializers.VarianceScaling(1.0 / 3.0, "fan_in", "uniform"))
#: kaiming_normal (fan_in, gain sqrt(2)) scaled by 0.1: std = 0.1·sqrt(2 / fan_in).
RDB_INIT = PerCall(keras.initializers.VarianceScaling(2.0 * 0.1**2, "fan_in", "untruncated_normal"))
RESIDUAL_SCALE = 0.2


def _conv(filters, name, init=TORCH_DEFAULT, kernel=3, strides=1, use_bias=True):
    return layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=use_bias, kernel_initializer=init,
                         bias_initializer="zeros", name=name)


def _lrelu(name):
    return layers.LeakyReLU(0.2, name=name)


def _scaled_add(x, y, name):
    """x + 0.2·y, as named layers (a Rescaling and an Add)."""
    return layers.Add(name=f"{name}_add")([x, layers.Rescaling(RESIDUAL_SCALE, name=f"{name}_scale")(y)])


def residual_dense_block(x, filters, growth, name):
    feats = [x]
    for k in range(1, 5):
        inp = feats[0] if k == 1 else layers.Concatenate(name=f"{name}_cat{k}")(feats)
        y = _conv(growth, f"{name}_conv{k}", RDB_INIT)(inp)
        feats.append(_lrelu(f"{name}_lrelu{k}")(y))
    y = _conv(filters, f"{name}_conv5", RDB_INIT)(layers.Concatenate(name=f"{name}_cat5")(feats))
    return _scaled_add(x, y, name)


def rrdb(x, filters, growth, name):
    y = x
    for m in range(1, 4):
        y = residual_dense_block(y, filters, growth, f"{name}_rdb{m}")
    return _scaled_add(x, y, name)


def build_generator(scale=4, channels=3, filters=64, num_blocks=23, growth=32, name="generator"):
    """The RRDB generator (`[B, h, w, C]` → `[B, h·scale, w·scale, C]`, unbounded output)."""
    steps = int(round(math.log2(scale)))
    if scale < 2 or 2**steps != scale:
        raise ValueError(f"scale must be a power of two >= 2 (nearest x2 + conv steps), got {scale}.")
    inputs = keras.Input((None, None, channels), name="low_res")
    feat = _conv(filters, "conv_first")(inputs)
    x = feat
    for i in range(num_blocks):
        x = rrdb(x, filters, growth, f"body_{i}")
    x = _conv(filters, "conv_body")(x)
    x = layers.Add(name="add_body")([feat, x])
    for j in range(1, steps + 1):
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"up{j}")(x)
        x = _lrelu(f"lrelu_up{j}")(_conv(filters, f"conv_up{j}")(x))
    x = _lrelu("lrelu_hr")(_conv(filters, "conv_hr")(x))
    outputs = _conv(channels, "conv_last")(x)
    return keras.Model(inputs, outputs, name=name)


def build_discriminator(image_size=128, channels=3, base_filters=64, dense_units=100, name="discriminator"):
    """BasicSR's VGGStyleDiscriminator (5 stride-2 stages; 128² patches in the paper) → one logit per image."""
    if image_size % 32:
        raise ValueError(f"The ESRGAN discriminator halves the size 5 times; image_size must be a multiple of 32, "
                         f"got {image_size}.")
    inputs = keras.Input((image_size, image_size, channels), name="images")
    x = _lrelu("lrelu0_0")(_conv(base_filters, "conv0_0")(inputs))
    widths = [base_filters, 2 * base_filters, 4 * base_filters, 8 * base_filters, 8 * base_filters]
    for i, f in enumerate(widths):
        if i:
            x = _conv(f, f"conv{i}_0", use_bias=False)(x)
            x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=True, name=f"bn{i}_0")(x)
            x = _lrelu(f"lrelu{i}_0")(x)
        x = _conv(f, f"conv{i}_1", kernel=4, strides=2, use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=True, name=f"bn{i}_1")(x)
        x = _lrelu(f"lrelu{i}_1")(x)
    x = layers.Flatten(name="flatten")(x)
    x = _lrelu("lrelu_dense")(layers.Dense(dense_units, kernel_initializer=TORCH_DEFAULT, name="linear1")(x))
    outputs = layers.Dense(1, kernel_initializer=TORCH_DEFAULT, name="linear2")(x)
    return keras.Model(inputs, outputs, name=name)
