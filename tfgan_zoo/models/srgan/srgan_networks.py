"""SRGAN's networks (Ledig et al. 2017, Fig. 4): the SRResNet generator and the VGG-style discriminator.

G: 9×9 conv (64) + PReLU → 16 residual blocks [3×3 conv, BN, PReLU, 3×3 conv, BN, + input] → 3×3 conv, BN, + the
first block's input (long skip) → log2(scale) × [3×3 conv (256), sub-pixel shuffle ×2, PReLU] → 9×9 conv (C).
Fully convolutional: any input height and width. PReLU has one slope per channel (the paper does not say; per
channel is Keras' and He et al.'s default). Batch norm is synchronized across replicas.

`build_msrresnet_generator` is BasicSR's MSRResNet (the "modified SRResNet" of the ESRGAN authors, whose weights
BasicSR publishes): no batch norm, 3×3 conv_first, residual blocks [conv, ReLU, conv, + input], sub-pixel ×2 steps
with LeakyReLU 0.1, conv_hr + LeakyReLU 0.1, conv_last, plus the bilinear upsampling of the input.

D: 3×3 convs 64, 64/2, 128, 128/2, 256, 256/2, 512, 512/2 (BN after all but the first), LeakyReLU 0.2 → dense 1024,
LeakyReLU 0.2 → dense 1 (a logit; the sigmoid is in the loss).
"""

from __future__ import annotations

import math

import keras
from keras import layers

from tfgan_zoo.layers.initializers import PerCall

#: PyTorch's default Conv2d / Linear initialisation (kaiming_uniform with a = sqrt(5)): U(±1/sqrt(fan_in)).
TORCH_DEFAULT = PerCall(keras.initializers.VarianceScaling(1.0 / 3.0, "fan_in", "uniform"))


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class PixelShuffle(layers.Layer):
    """Sub-pixel convolution's shuffle (Shi et al. 2016): `[B, H, W, C·r²]` → `[B, H·r, W·r, C]` (TF's
    depth_to_space channel order, a TFLite builtin)."""

    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, x):
        import tensorflow as tf

        return tf.nn.depth_to_space(x, self.factor)

    def compute_output_shape(self, shape):
        r = self.factor
        return (shape[0], None if shape[1] is None else shape[1] * r, None if shape[2] is None else shape[2] * r,
                shape[3] // (r * r))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _conv(filters, kernel, name, strides=1, use_bias=True):
    return layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=use_bias,
                         kernel_initializer=TORCH_DEFAULT, bias_initializer="zeros", name=name)


def _bn(name):
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=True, name=name)


def _prelu(name):
    return layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2], name=name)


def upsampling_steps(scale: int) -> int:
    steps = int(round(math.log2(scale)))
    if scale < 2 or 2**steps != scale:
        raise ValueError(f"scale must be a power of two >= 2 (x2 sub-pixel steps), got {scale}.")
    return steps


def build_generator(scale=4, channels=3, filters=64, num_blocks=16, name="generator"):
    """The SRResNet generator (`[B, h, w, C]` → `[B, h·scale, w·scale, C]`, unbounded output)."""
    steps = upsampling_steps(scale)
    inputs = keras.Input((None, None, channels), name="low_res")
    x = _conv(filters, 9, "conv_first")(inputs)
    x = skip = _prelu("prelu_first")(x)
    for i in range(num_blocks):
        y = _conv(filters, 3, f"block{i}_conv1")(x)
        y = _bn(f"block{i}_bn1")(y)
        y = _prelu(f"block{i}_prelu")(y)
        y = _conv(filters, 3, f"block{i}_conv2")(y)
        y = _bn(f"block{i}_bn2")(y)
        x = layers.Add(name=f"block{i}_add")([x, y])
    x = _conv(filters, 3, "conv_body")(x)
    x = _bn("bn_body")(x)
    x = layers.Add(name="add_body")([skip, x])
    for j in range(steps):
        x = _conv(filters * 4, 3, f"up{j}_conv")(x)
        x = PixelShuffle(2, name=f"up{j}_shuffle")(x)
        x = _prelu(f"up{j}_prelu")(x)
    outputs = _conv(channels, 9, "conv_last")(x)
    return keras.Model(inputs, outputs, name=name)


#: kaiming_normal ×0.1 (BasicSR's default_init_weights(scale=0.1) for MSRResNet).
SMALL_INIT = PerCall(keras.initializers.VarianceScaling(2.0 * 0.1**2, "fan_in", "untruncated_normal"))


def build_msrresnet_generator(scale=4, channels=3, filters=64, num_blocks=16, name="generator"):
    """BasicSR's MSRResNet (`[B, h, w, C]` → `[B, h·scale, w·scale, C]`): the output adds the bilinear upsampling
    of the input (half-pixel centres, as PyTorch's `align_corners=False`)."""
    steps = upsampling_steps(scale)

    def conv(f, name_):
        return layers.Conv2D(f, 3, padding="same", kernel_initializer=SMALL_INIT, bias_initializer="zeros",
                             name=name_)

    inputs = keras.Input((None, None, channels), name="low_res")
    x = layers.LeakyReLU(0.1, name="lrelu_first")(conv(filters, "conv_first")(inputs))
    for i in range(num_blocks):
        y = layers.ReLU(name=f"body_{i}_relu")(conv(filters, f"body_{i}_conv1")(x))
        x = layers.Add(name=f"body_{i}_add")([x, conv(filters, f"body_{i}_conv2")(y)])
    for j in range(1, steps + 1):
        x = PixelShuffle(2, name=f"up{j}_shuffle")(conv(filters * 4, f"conv_up{j}")(x))
        x = layers.LeakyReLU(0.1, name=f"lrelu_up{j}")(x)
    x = layers.LeakyReLU(0.1, name="lrelu_hr")(conv(filters, "conv_hr")(x))
    x = conv(channels, "conv_last")(x)
    base = layers.UpSampling2D(scale, interpolation="bilinear", name="upsample_input")(inputs)
    outputs = layers.Add(name="add_upsampled")([x, base])
    return keras.Model(inputs, outputs, name=name)


def build_discriminator(image_size=96, channels=3, base_filters=64, dense_units=1024, name="discriminator"):
    """The VGG-style discriminator for `image_size`² HR images → one logit per image."""
    if image_size % 16:
        raise ValueError(f"The SRGAN discriminator halves the size 4 times; image_size must be a multiple of 16, "
                         f"got {image_size}.")
    inputs = keras.Input((image_size, image_size, channels), name="images")
    x = inputs
    widths = [base_filters, base_filters, 2 * base_filters, 2 * base_filters, 4 * base_filters, 4 * base_filters,
              8 * base_filters, 8 * base_filters]
    for k, f in enumerate(widths):
        x = _conv(f, 3, f"conv{k}", strides=1 + k % 2, use_bias=k == 0)(x)
        if k:
            x = _bn(f"bn{k}")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{k}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, kernel_initializer=TORCH_DEFAULT, name="dense1")(x)
    x = layers.LeakyReLU(0.2, name="lrelu_dense")(x)
    outputs = layers.Dense(1, kernel_initializer=TORCH_DEFAULT, name="logits")(x)
    return keras.Model(inputs, outputs, name=name)
