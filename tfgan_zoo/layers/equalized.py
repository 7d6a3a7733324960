"""Equalized-learning-rate layers (Karras et al. 2018, §4.1) and pixelwise feature normalization (§4.2).

Weights are stored as N(0, 1/lr_multiplier) and scaled at run time by `gain / sqrt(fan_in) · lr_multiplier` (the
He constant), so Adam's step size is the same for every layer; the bias is multiplied by `lr_multiplier` too. This
is the `get_weight(use_wscale=True, lrmul=...)` convention of the official PGGAN/StyleGAN/StyleGAN2 code, so
converted official weights load unchanged (up to layout).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfgan_zoo.layers.resample import conv_downsample2d, upsample_conv2d

ACTIVATIONS = ("linear", "lrelu")


def bias_act(x, bias=None, activation="linear", alpha=0.2, gain=1.0):
    """x + bias, then 'linear' or leaky ReLU, times `gain` (StyleGAN2's `fused_bias_act` without the kernel)."""
    if bias is not None:
        x = x + tf.cast(bias, x.dtype)
    if activation == "lrelu":
        x = tf.nn.leaky_relu(x, alpha)
    elif activation != "linear":
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}.")
    if gain != 1.0:
        x = x * tf.cast(gain, x.dtype)
    return x


class _Equalized(keras.layers.Layer):
    def __init__(self, gain=1.0, lr_multiplier=1.0, use_bias=True, bias_init=0.0, activation="linear",
                 activation_gain=1.0, **kwargs):
        super().__init__(**kwargs)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}.")
        if lr_multiplier <= 0:
            raise ValueError(f"lr_multiplier must be positive, got {lr_multiplier}.")
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)
        self.use_bias = use_bias
        self.bias_init = float(bias_init)
        self.activation = activation
        self.activation_gain = float(activation_gain)

    def _make_weights(self, shape, bias_size):
        fan_in = math.prod(shape[:-1])
        self.runtime_scale = self.gain / math.sqrt(fan_in) * self.lr_multiplier
        self.kernel = self.add_weight(
            name="kernel", shape=shape, initializer=keras.initializers.RandomNormal(0.0, 1.0 / self.lr_multiplier)
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(bias_size,),
                initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier),
            )

    def scaled_kernel(self, dtype):
        return tf.cast(self.kernel, dtype) * tf.cast(self.runtime_scale, dtype)

    def _finish(self, x):
        bias = None if self.bias is None else self.bias * self.lr_multiplier
        return bias_act(x, bias, self.activation, gain=self.activation_gain)

    def get_config(self):
        return {
            **super().get_config(), "gain": self.gain, "lr_multiplier": self.lr_multiplier, "use_bias": self.use_bias,
            "bias_init": self.bias_init, "activation": self.activation, "activation_gain": self.activation_gain,
        }


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class EqualizedDense(_Equalized):
    """Fully connected layer with equalized learning rate; flattens inputs of rank > 2.

    Args:
        units: output size.
        gain: He gain (√2 before a leaky ReLU in PGGAN; 1 elsewhere).
        lr_multiplier: learning-rate multiplier (0.01 in the StyleGAN mapping network).
        use_bias, bias_init: bias and its initial value (StyleGAN2's style affine starts at 1).
        activation: 'linear' or 'lrelu' (slope 0.2); activation_gain multiplies the activation (StyleGAN2: √2).
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        fan_in = math.prod(input_shape[1:])
        self._make_weights((fan_in, self.units), self.units)

    def call(self, x):
        if x.shape.rank > 2:
            x = tf.reshape(x, [-1, math.prod(x.shape[1:])])
        return self._finish(tf.matmul(x, self.scaled_kernel(x.dtype)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class EqualizedConv2D(_Equalized):
    """2-D convolution ('same' padding, NHWC) with equalized learning rate and optional FIR up/downsampling.

    Args:
        filters, kernel_size: output channels and odd square kernel size.
        up: transposed convolution ×2 followed by the FIR filter (StyleGAN2 `upsample_conv_2d`).
        down: FIR filter followed by a stride-2 convolution (StyleGAN2 `conv_downsample_2d`).
        resample_taps: FIR taps for up/down ([1, 3, 3, 1]).
        gain, lr_multiplier, use_bias, bias_init, activation, activation_gain: as `EqualizedDense`.
    """

    def __init__(self, filters, kernel_size, up=False, down=False, resample_taps=(1, 3, 3, 1), **kwargs):
        super().__init__(**kwargs)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd integer, got {kernel_size}.")
        if up and down:
            raise ValueError("EqualizedConv2D: up and down cannot both be set.")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.up = bool(up)
        self.down = bool(down)
        self.resample_taps = [float(t) for t in resample_taps]

    def build(self, input_shape):
        k = self.kernel_size
        self._make_weights((k, k, int(input_shape[-1]), self.filters), self.filters)

    def call(self, x):
        w = self.scaled_kernel(x.dtype)
        if self.up:
            x = upsample_conv2d(x, w, self.resample_taps)
        elif self.down:
            x = conv_downsample2d(x, w, self.resample_taps)
        else:
            x = tf.nn.conv2d(x, w, strides=1, padding="SAME")
        return self._finish(x)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        f = 2 if self.up else (0.5 if self.down else 1)
        return (n, None if h is None else int(h * f), None if w is None else int(w * f), self.filters)

    def get_config(self):
        return {
            **super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size, "up": self.up,
            "down": self.down, "resample_taps": self.resample_taps,
        }


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class PixelNormalization(keras.layers.Layer):
    """x / sqrt(mean(x², axis) + ε): PGGAN's pixelwise feature normalization (axis = channels) and StyleGAN's
    latent normalization.

    Args:
        axis: the feature axis (-1).
        epsilon: 1e-8 as in the papers.
    """

    def __init__(self, axis=-1, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = float(epsilon)

    def call(self, x):
        # statistics in float32: ε = 1e-8 is 0 in float16, and rsqrt(0) of an all-zero vector would give NaN
        x32 = tf.cast(x, tf.float32)
        norm = tf.math.rsqrt(tf.reduce_mean(tf.square(x32), axis=self.axis, keepdims=True) + self.epsilon)
        return tf.cast(x32 * norm, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
