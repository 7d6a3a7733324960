"""DualGAN's networks, after the official TensorFlow code (duxingren14/DualGAN, `model.py` `fcn` and
`discriminator`, with `ops.py`'s layers).

U-Net generator: n = log2(image_size) strided 5×5 convolutions (padding 'same', biases everywhere) with
b, 2b, 4b, 8b, 8b, ... filters; LeakyReLU 0.2 before every convolution but the first; instance normalization with a
learned scale and shift (the official `batch_norm` of `ops.py` takes moments over H and W only, i.e. instance norm:
`InstanceNormalization` below) after every encoder convolution but the first, *including the innermost* (on a 1×1
map it leaves only its shift, as in the official code). The decoder mirrors it with ReLU, 5×5 transposed
convolutions, instance norm, dropout 0.5 on the three layers nearest the bottleneck, and skip concatenations; the last
layer has no norm and a tanh.

Critic (a PatchGAN without sigmoid): C(b, s2) - C(2b, s2) - C(4b, s2) - C(8b, s1) - C(1, s1), 5×5, padding 'same',
LeakyReLU 0.2, instance norm with scale and shift on all but the first: a map of unbounded scores (32×32 for 256²
images).
"""

import math

import keras
import tensorflow as tf

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.random import ConsistentDropout

INIT = PerCall(keras.initializers.TruncatedNormal(0.0, 0.02))  # ops.conv2d: truncated N(0, 0.02)
DECONV_INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))  # ops.deconv2d: N(0, 0.02)


@keras.saving.register_keras_serializable(package="tfgan_zoo.dualgan")
class InstanceNormalization(keras.layers.Layer):
    """The official `ops.batch_norm`: `(x − mean) · rsqrt(var + ε) · scale + center` with moments over H and W of
    each image and channel, scale ~ N(1, 0.02), center 0, computed in float32. ε = 1e-5 (the official 1e-6 scales
    rounding noise on the small 2×2 maps by up to 1000: a 2-replica run's updates then drift 2e-3 relative from the
    1-device ones after three steps, against < 1e-3 at 1e-5).

    Written as `x − mean` first (not Keras GroupNormalization's `x · inv + (center − mean · inv)`): on the U-Net's
    innermost 1×1 map x − mean is exactly 0 and the output exactly `center`, as in the official code, where the
    folded form leaves rounding noise scaled by 1/√ε that differs between eager and graph execution.
    """

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = input_shape[-1]
        self.scale = self.add_weight(name="scale", shape=(channels,),
                                     initializer=keras.initializers.RandomNormal(1.0, 0.02))
        self.center = self.add_weight(name="center", shape=(channels,), initializer="zeros")

    def call(self, x):
        x32 = tf.cast(x, tf.float32)
        mean, variance = tf.nn.moments(x32, axes=[1, 2], keepdims=True)
        y = (x32 - mean) * tf.math.rsqrt(variance + self.epsilon) * tf.cast(self.scale, tf.float32)
        return tf.cast(y + tf.cast(self.center, tf.float32), x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


def _norm(name):
    return InstanceNormalization(name=name)


def build_generator(image_size, in_channels, out_channels, base_filters=64, kernel_size=5, dropout=0.5,
                    num_dropout=3, name="generator"):
    """The official `fcn` U-Net (8 levels at 256²), for any power-of-two `image_size` >= 8."""
    n = math.log2(image_size) if image_size > 0 else 0
    if n != int(n) or n < 3:
        raise ValueError(f"The DualGAN U-Net needs a power-of-two image_size >= 8 (256 in the paper), got "
                         f"{image_size}.")
    n = int(n)
    x_in = keras.Input((image_size, image_size, in_channels), name="images")
    x = x_in
    skips = []
    for i in range(n):
        if i > 0:
            x = keras.layers.LeakyReLU(0.2, name=f"e{i + 1}_lrelu")(x)
        x = keras.layers.Conv2D(base_filters * min(2**i, 8), kernel_size, strides=2, padding="same",
                                kernel_initializer=INIT, name=f"e{i + 1}_conv")(x)
        if i > 0:
            x = _norm(f"e{i + 1}_norm")(x)
        skips.append(x)
    for j in range(1, n + 1):  # d1 (next to the bottleneck) ... dn (the output)
        x = keras.layers.ReLU(name=f"d{j}_relu")(x)
        if j == n:
            x = keras.layers.Conv2DTranspose(out_channels, kernel_size, strides=2, padding="same",
                                             kernel_initializer=DECONV_INIT, name=f"d{j}_deconv")(x)
            break
        level = n - 1 - j  # the encoder level this output is concatenated with
        x = keras.layers.Conv2DTranspose(base_filters * min(2**level, 8), kernel_size, strides=2, padding="same",
                                         kernel_initializer=DECONV_INIT, name=f"d{j}_deconv")(x)
        x = _norm(f"d{j}_norm")(x)
        if dropout and j <= num_dropout:
            x = ConsistentDropout(dropout, name=f"d{j}_dropout")(x)
        x = keras.layers.Concatenate(name=f"d{j}_skip")([x, skips[level]])
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(x_in, x, name=name)


def build_critic(image_size, channels, base_filters=64, kernel_size=5, name="discriminator"):
    """The official `discriminator`: a map of unbounded critic scores (no sigmoid), one per patch."""
    if image_size < 8 or image_size % 8:
        raise ValueError(f"The DualGAN critic needs an image_size divisible by 8, got {image_size}.")
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = x_in
    for i, (mult, stride) in enumerate(((1, 2), (2, 2), (4, 2), (8, 1))):
        x = keras.layers.Conv2D(base_filters * mult, kernel_size, strides=stride, padding="same",
                                kernel_initializer=INIT, name=f"h{i}_conv")(x)
        if i > 0:
            x = _norm(f"h{i}_norm")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"h{i}_lrelu")(x)
    x = keras.layers.Conv2D(1, kernel_size, padding="same", kernel_initializer=INIT, name="h4_conv")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="scores")(x)
    return keras.Model(x_in, x, name=name)
