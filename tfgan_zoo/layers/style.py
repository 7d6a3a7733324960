"""Style-based generator layers: modulated convolution (StyleGAN2), AdaIN (StyleGAN), noise injection, learned
constant input, toRGB, bias+activation, and the tracked average w used by the truncation trick.

All are written with standard TensorFlow ops (no custom kernels) so the generators export to SavedModel/TFLite.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfgan_zoo.layers.equalized import ACTIVATIONS, bias_act
from tfgan_zoo.layers.random import consistent_random
from tfgan_zoo.layers.resample import upsample_conv2d


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ModulatedConv2D(keras.layers.Layer):
    """StyleGAN2 modulated convolution with optional demodulation and FIR ×2 upsampling. Inputs: `[x, w]`.

    s = A(w) (an equalized dense layer, bias initialized to 1); weights w'_ijk = s_i·w_ijk; with demodulation
    w''_ijk = w'_ijk / sqrt(Σ_ik w'_ijk² + ε).

    Implemented by scaling activations instead of weights (the official `fused_modconv=False` path): x·s → shared
    convolution → ·d. It is mathematically identical to the per-sample-weight (grouped) form, uses only standard
    conv ops (CONV_2D / TRANSPOSE_CONV in TFLite, XLA-friendly) and does not depend on the batch layout.

    Args:
        filters, kernel_size: output channels, odd kernel size.
        demodulate: normalize output features (False for toRGB).
        up: transposed conv ×2 + FIR filter (`upsample_conv_2d`).
        resample_taps: FIR taps ([1, 3, 3, 1]).
        epsilon: demodulation ε (1e-8).
    """

    def __init__(self, filters, kernel_size, demodulate=True, up=False, resample_taps=(1, 3, 3, 1), epsilon=1e-8,
                 **kwargs):
        super().__init__(**kwargs)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd integer, got {kernel_size}.")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.demodulate = bool(demodulate)
        self.up = bool(up)
        self.resample_taps = [float(t) for t in resample_taps]
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        in_ch, w_dim = int(x_shape[-1]), int(w_shape[-1])
        k = self.kernel_size
        self.kernel = self.add_weight(name="kernel", shape=(k, k, in_ch, self.filters),
                                      initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.style_kernel = self.add_weight(name="style_kernel", shape=(w_dim, in_ch),
                                            initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.style_bias = self.add_weight(name="style_bias", shape=(in_ch,), initializer="ones")
        self.weight_scale = 1.0 / math.sqrt(k * k * in_ch)
        self.style_scale = 1.0 / math.sqrt(w_dim)

    def styles(self, w):
        return tf.matmul(w, tf.cast(self.style_kernel, w.dtype) * self.style_scale) + tf.cast(self.style_bias, w.dtype)

    def call(self, inputs):
        x, w = inputs
        s = tf.cast(self.styles(w), x.dtype)  # [B, I]
        weight = tf.cast(self.kernel, x.dtype) * self.weight_scale
        x = x * s[:, None, None, :]
        if self.up:
            x = upsample_conv2d(x, weight, self.resample_taps)
        else:
            x = tf.nn.conv2d(x, weight, strides=1, padding="SAME")
        if self.demodulate:
            # Σ_{k,k,i} (s_i w_kkio)² = Σ_i s_i² Σ_kk w_kkio²
            # (in float32: ε = 1e-8 underflows to 0 in float16)
            wsq = tf.reduce_sum(tf.square(tf.cast(weight, tf.float32)), axis=[0, 1])  # [I, O]
            d = tf.math.rsqrt(tf.matmul(tf.square(tf.cast(s, tf.float32)), wsq) + self.epsilon)  # [B, O]
            x = x * tf.cast(d, x.dtype)[:, None, None, :]
        return x

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape[0]
        f = 2 if self.up else 1
        return (n, None if h is None else h * f, None if w is None else w * f, self.filters)

    def get_config(self):
        return {
            **super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
            "demodulate": self.demodulate, "up": self.up, "resample_taps": self.resample_taps,
            "epsilon": self.epsilon,
        }


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ToRGB(keras.layers.Layer):
    """StyleGAN2 toRGB: 1×1 modulated convolution without demodulation, plus a bias. Inputs: `[x, w]`.

    Args:
        channels: image channels.
    """

    def __init__(self, channels=3, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)
        self.conv = ModulatedConv2D(self.channels, 1, demodulate=False, name="modconv")

    def build(self, input_shape):
        self.conv.build(input_shape)
        self.bias = self.add_weight(name="bias", shape=(self.channels,), initializer="zeros")

    def call(self, inputs):
        return self.conv(inputs) + tf.cast(self.bias, inputs[0].dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class NoiseInjection(keras.layers.Layer):
    """Adds single-channel Gaussian noise times a learned strength (zero-initialized).

    In training (`training=True`) the noise is fresh per example (the same per example on one device or under a
    strategy); at inference it is a fixed stored noise image (`noise_const`, as the official `randomize_noise=False`),
    so generation is deterministic and exportable.

    Args:
        per_channel: a strength per channel (StyleGAN) or one scalar (StyleGAN2).
        seed: seed of the training noise.
    """

    def __init__(self, per_channel=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.per_channel = bool(per_channel)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        _, h, w, c = input_shape
        if h is None or w is None:
            raise ValueError("NoiseInjection needs static spatial dimensions (for its stored inference noise).")
        self.strength = self.add_weight(name="noise_strength", shape=(c,) if self.per_channel else (),
                                        initializer="zeros")
        self.noise_const = self.add_weight(name="noise_const", shape=(h, w, 1),
                                           initializer=keras.initializers.RandomNormal(0.0, 1.0), trainable=False)

    def call(self, x, training=False):
        if training:
            shape = tf.shape(x)
            noise = consistent_random("normal", [shape[0], shape[1], shape[2], 1], self.seed_generator, x.dtype)
        else:
            noise = tf.cast(self.noise_const, x.dtype)[None]
        return x + noise * tf.cast(self.strength, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "per_channel": self.per_channel, "seed": self.seed}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class BiasActivation(keras.layers.Layer):
    """Per-channel bias, then 'linear' or leaky ReLU (0.2), times `gain`.

    Args:
        activation: 'linear' or 'lrelu'.
        gain: output gain (√2 after leaky ReLU in StyleGAN2).
        lr_multiplier: bias learning-rate multiplier.
    """

    def __init__(self, activation="lrelu", gain=1.0, lr_multiplier=1.0, **kwargs):
        super().__init__(**kwargs)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}.")
        self.activation = activation
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)

    def build(self, input_shape):
        self.bias = self.add_weight(name="bias", shape=(input_shape[-1],), initializer="zeros")

    def call(self, x):
        return bias_act(x, self.bias * self.lr_multiplier, self.activation, gain=self.gain)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": self.activation, "gain": self.gain,
                "lr_multiplier": self.lr_multiplier}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ConstantInput(keras.layers.Layer):
    """A learned constant `[size, size, channels]` tiled to the batch of its input (any tensor with a batch axis).

    Args:
        channels, size: shape of the constant (512 × 4 × 4 in StyleGAN/StyleGAN2).
        initializer: 'normal' (StyleGAN2) or 'ones' (StyleGAN).
    """

    def __init__(self, channels, size=4, initializer="normal", **kwargs):
        super().__init__(**kwargs)
        if initializer not in ("normal", "ones"):
            raise ValueError(f"initializer must be 'normal' or 'ones', got {initializer!r}.")
        self.channels = int(channels)
        self.size = int(size)
        self.initializer = initializer

    def build(self, input_shape):
        init = keras.initializers.RandomNormal(0.0, 1.0) if self.initializer == "normal" else "ones"
        self.const = self.add_weight(name="const", shape=(self.size, self.size, self.channels), initializer=init)

    def call(self, like):
        n = tf.shape(like)[0]
        # Broadcast rather than tile: XLA cannot shape a tile's gradient with a dynamic multiple when it is taken
        # inside a cond (StyleGAN2's lazy path-length regularization under jit_compile).
        return tf.zeros([n, 1, 1, 1], self.compute_dtype) + tf.cast(self.const, self.compute_dtype)[None]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size, "initializer": self.initializer}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class AdaIN(keras.layers.Layer):
    """StyleGAN's adaptive instance normalization: instance-normalize x, then x·(y_s + 1) + y_b with
    (y_s, y_b) = A(w), A an equalized dense layer (gain 1). Inputs: `[x, w]`.

    Args:
        epsilon: instance-norm ε (1e-8).
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        c, w_dim = int(x_shape[-1]), int(w_shape[-1])
        self.style_kernel = self.add_weight(name="style_kernel", shape=(w_dim, 2 * c),
                                            initializer=keras.initializers.RandomNormal(0.0, 1.0))
        self.style_bias = self.add_weight(name="style_bias", shape=(2 * c,), initializer="zeros")
        self.style_scale = 1.0 / math.sqrt(w_dim)
        self.channels = c

    def call(self, inputs):
        x, w = inputs
        # instance norm in float32: ε = 1e-8 is 0 in float16, and a constant map (StyleGAN's learned constant starts
        # at ones) has zero variance, so rsqrt(0) would turn it into NaN
        dtype = x.dtype
        x = tf.cast(x, tf.float32)
        x = x - tf.reduce_mean(x, axis=[1, 2], keepdims=True)
        x = tf.cast(x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=[1, 2], keepdims=True) + self.epsilon), dtype)
        style = tf.matmul(w, tf.cast(self.style_kernel, w.dtype) * self.style_scale) + tf.cast(self.style_bias, w.dtype)
        style = tf.cast(style, x.dtype)
        ys, yb = style[:, : self.channels], style[:, self.channels :]
        return x * (ys[:, None, None, :] + 1.0) + yb[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class WAverage(keras.layers.Layer):
    """Tracks the average w (`w_avg`, non-trainable) and applies the truncation trick w' = w̄ + ψ·(w − w̄).

    Called on `[B, num_ws, w_dim]`; with `psi=None` (or 1) it is the identity. `cutoff` truncates only the first
    `cutoff` layers (StyleGAN's coarse-layer truncation). `update(w_batch_mean)` moves the average (β = 0.995).

    Args:
        beta: moving-average decay of the tracked w (0.995).
    """

    def __init__(self, beta=0.995, **kwargs):
        super().__init__(**kwargs)
        self.beta = float(beta)

    def build(self, input_shape):
        self.w_avg = self.add_weight(name="w_avg", shape=(int(input_shape[-1]),), initializer="zeros",
                                     trainable=False)

    def call(self, ws, psi=None, cutoff=None):
        if psi is None:
            return ws
        avg = tf.cast(self.w_avg, ws.dtype)
        psi = tf.cast(psi, ws.dtype)
        if cutoff is not None and ws.shape.rank == 3:
            idx = tf.range(tf.shape(ws)[1])
            layer_psi = tf.where(idx < cutoff, psi, tf.ones_like(psi))
            psi = tf.reshape(layer_psi, [1, -1, 1])
        elif psi.shape.rank == 1:  # one ψ per example
            psi = tf.reshape(psi, [-1] + [1] * (ws.shape.rank - 1))
        return avg + psi * (ws - avg)

    def update(self, batch_mean):
        batch_mean = tf.cast(batch_mean, self.w_avg.dtype)  # the average stays float32 under mixed precision
        self.w_avg.assign(batch_mean + self.beta * (self.w_avg - batch_mean))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


def broadcast_w(w, num_ws):
    """[B, w_dim] → [B, num_ws, w_dim]."""
    return tf.tile(w[:, None, :], [1, num_ws, 1])


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class BroadcastW(keras.layers.Layer):
    """[B, w_dim] → [B, num_ws, w_dim]: the same w for every synthesis layer.

    Args:
        num_ws: number of style inputs of the synthesis network.
    """

    def __init__(self, num_ws, **kwargs):
        super().__init__(**kwargs)
        self.num_ws = int(num_ws)

    def call(self, w):
        return broadcast_w(w, self.num_ws)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_ws, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "num_ws": self.num_ws}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class SelectW(keras.layers.Layer):
    """[B, num_ws, w_dim] → [B, w_dim]: the style input of synthesis layer `index`.

    Args:
        index: layer index.
    """

    def __init__(self, index, **kwargs):
        super().__init__(**kwargs)
        self.index = int(index)

    def call(self, ws):
        return ws[:, self.index]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "index": self.index}


__all__ = [
    "AdaIN", "BiasActivation", "BroadcastW", "ConstantInput", "SelectW", "ModulatedConv2D", "NoiseInjection", "ToRGB",
    "WAverage", "broadcast_w",
]
