"""FIR up/down-sampling ("upfirdn") from standard TensorFlow ops, as in StyleGAN2's `upfirdn_2d`.

The official StyleGAN2 code ships a custom CUDA kernel for `upfirdn_2d`; here the same operation is written with
`reshape`/`pad` (zero insertion), `depthwise_conv2d` (the FIR filter, applied per channel) and strided slicing, so
it runs on CPU/GPU/TPU, under XLA, in SavedModels and lowers to TFLite builtins (RESHAPE, PAD, DEPTHWISE_CONV_2D,
CONV_2D, TRANSPOSE_CONV). Layout is NHWC; filters are separable 1-D taps such as [1, 3, 3, 1] (the outer product,
normalized to sum 1, is the 2-D kernel).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def fir_kernel(taps=(1, 3, 3, 1), gain=1.0) -> np.ndarray:
    """2-D FIR kernel from 1-D taps: outer product normalized to sum `gain`."""
    k = np.asarray(taps, dtype=np.float32)
    if k.ndim != 1 or k.size < 1:
        raise ValueError(f"FIR taps must be a non-empty 1-D sequence, got {taps!r}.")
    k = np.outer(k, k)
    return (k / k.sum() * gain).astype(np.float32)


def _zero_insert(x, factor):
    """[N, H, W, C] → [N, H·f, W·f, C] with the input at positions (i·f, j·f) and zeros elsewhere."""
    if factor == 1:
        return x
    shape = tf.shape(x)
    n, h, w, c = shape[0], shape[1], shape[2], x.shape[-1]
    # One axis at a time with 4-D pads (TFLite's builtin PAD takes at most 5-D tensors).
    x = tf.reshape(x, [n * h, w, 1, c])
    x = tf.pad(x, [[0, 0], [0, 0], [0, factor - 1], [0, 0]])  # [N·H, W, f, C]
    x = tf.reshape(x, [n, h, 1, w * factor * c])
    x = tf.pad(x, [[0, 0], [0, 0], [0, factor - 1], [0, 0]])  # [N, H, f, W·f·C]
    return tf.reshape(x, [n, h * factor, w * factor, c])


def upfirdn2d(x, kernel, up=1, down=1, pad=(0, 0)):
    """Upsample by zero insertion, pad, FIR-filter (per channel), downsample — StyleGAN2's `upfirdn_2d`.

    Args:
        x: `[N, H, W, C]`.
        kernel: 2-D numpy FIR kernel (symmetric kernels make convolution = correlation).
        up, down: integer factors.
        pad: (before, after) padding applied to both spatial axes after upsampling (negative crops).
    """
    kernel = np.asarray(kernel, np.float32)
    x = _zero_insert(x, up)
    p0, p1 = pad
    if p0 > 0 or p1 > 0:
        x = tf.pad(x, [[0, 0], [max(p0, 0), max(p1, 0)], [max(p0, 0), max(p1, 0)], [0, 0]])
    if p0 < 0 or p1 < 0:
        h0, h1 = max(-p0, 0), max(-p1, 0)
        x = x[:, h0 : tf.shape(x)[1] - h1, h0 : tf.shape(x)[2] - h1, :]
    c = x.shape[-1]
    k = tf.constant(kernel[::-1, ::-1, None, None], dtype=x.dtype)  # true convolution, as upfirdn
    k = tf.tile(k, [1, 1, c, 1])
    return tf.nn.depthwise_conv2d(x, k, strides=[1, down, down, 1], padding="VALID")


def upsample2d(x, taps=(1, 3, 3, 1), factor=2):
    """Zero-insertion upsampling followed by the FIR low-pass (gain factor², so a constant image stays constant)."""
    k = fir_kernel(taps, gain=factor**2)
    p = k.shape[0] - factor
    return upfirdn2d(x, k, up=factor, pad=((p + 1) // 2 + factor - 1, p // 2))


def downsample2d(x, taps=(1, 3, 3, 1), factor=2):
    """FIR low-pass followed by decimation."""
    k = fir_kernel(taps)
    p = k.shape[0] - factor
    return upfirdn2d(x, k, down=factor, pad=((p + 1) // 2, p // 2))


def upsample_conv2d(x, weight, taps=(1, 3, 3, 1), factor=2):
    """Transposed convolution (stride `factor`) with `weight` `[k, k, in, out]` followed by the FIR filter:
    StyleGAN2's `upsample_conv_2d`. Equals zero-insertion upsampling, correlation with `weight`, then FIR."""
    kh = int(weight.shape[0])
    shape = tf.shape(x)
    n, h, w = shape[0], shape[1], shape[2]
    out_ch = int(weight.shape[-1])
    # conv2d_transpose correlates the zero-inserted input with the flipped filter, so flip to correlate with weight.
    wt = tf.reverse(weight, axis=[0, 1])
    wt = tf.transpose(wt, [0, 1, 3, 2])  # [k, k, out, in]
    out_shape = tf.stack([n, (h - 1) * factor + kh, (w - 1) * factor + kh, out_ch])
    x = tf.nn.conv2d_transpose(x, tf.cast(wt, x.dtype), out_shape, strides=[1, factor, factor, 1], padding="VALID")
    x = tf.ensure_shape(x, [None, None, None, out_ch])
    k = fir_kernel(taps, gain=factor**2)
    p = (k.shape[0] - factor) - (kh - 1)
    return upfirdn2d(x, k, pad=((p + 1) // 2 + factor - 1, p // 2 + 1))


def conv_downsample2d(x, weight, taps=(1, 3, 3, 1), factor=2):
    """FIR filter then a strided convolution with `weight` `[k, k, in, out]`: StyleGAN2's `conv_downsample_2d`."""
    kw = int(weight.shape[0])
    k = fir_kernel(taps)
    p = (k.shape[0] - factor) + (kw - 1)
    x = upfirdn2d(x, k, pad=((p + 1) // 2, p // 2))
    return tf.nn.conv2d(x, tf.cast(weight, x.dtype), strides=[1, factor, factor, 1], padding="VALID")


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class Blur(keras.layers.Layer):
    """FIR low-pass filter (no resampling), e.g. StyleGAN's [1, 2, 1] blur after upsampling.

    Args:
        taps: 1-D filter taps.
    """

    def __init__(self, taps=(1, 2, 1), **kwargs):
        super().__init__(**kwargs)
        self.taps = [float(t) for t in taps]

    def call(self, x):
        k = fir_kernel(self.taps)
        p = k.shape[0] - 1
        return upfirdn2d(x, k, pad=((p + 1) // 2, p // 2))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "taps": self.taps}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class Resample(keras.layers.Layer):
    """Upsamples or downsamples by 2: 'fir' (StyleGAN2 upfirdn with `taps`), 'nearest' or 'average' (PGGAN).

    Args:
        direction: 'up' or 'down'.
        mode: 'fir', 'nearest' (up only) or 'average' (down only).
        taps: FIR taps for mode 'fir'.
    """

    def __init__(self, direction="up", mode="fir", taps=(1, 3, 3, 1), **kwargs):
        super().__init__(**kwargs)
        if direction not in ("up", "down"):
            raise ValueError(f"direction must be 'up' or 'down', got {direction!r}.")
        valid = {"up": ("fir", "nearest"), "down": ("fir", "average")}[direction]
        if mode not in valid:
            raise ValueError(f"mode for direction={direction!r} must be one of {valid}, got {mode!r}.")
        self.direction = direction
        self.mode = mode
        self.taps = [float(t) for t in taps]

    def call(self, x):
        if self.direction == "up":
            if self.mode == "nearest":
                return nearest_upsample2d(x)
            return upsample2d(x, self.taps)
        if self.mode == "average":
            return average_downsample2d(x)
        return downsample2d(x, self.taps)

    def compute_output_shape(self, input_shape):
        f = 2 if self.direction == "up" else 0.5
        n, h, w, c = input_shape
        return (n, None if h is None else int(h * f), None if w is None else int(w * f), c)

    def get_config(self):
        return {**super().get_config(), "direction": self.direction, "mode": self.mode, "taps": self.taps}


def nearest_upsample2d(x, factor=2):
    """Nearest-neighbour upsampling with reshape/tile (PGGAN's `upscale2d`)."""
    if factor == 1:
        return x
    shape = tf.shape(x)
    n, h, w, c = shape[0], shape[1], shape[2], x.shape[-1]
    x = tf.reshape(x, [n, h, 1, w, 1, c])
    x = tf.tile(x, [1, 1, factor, 1, factor, 1])
    return tf.reshape(x, [n, h * factor, w * factor, c])


def average_downsample2d(x, factor=2):
    """Box-filter downsampling (PGGAN's `downscale2d`)."""
    if factor == 1:
        return x
    return tf.nn.avg_pool2d(x, factor, factor, "VALID")
