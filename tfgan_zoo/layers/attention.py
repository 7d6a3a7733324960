"""Self-attention block of SAGAN (Zhang et al. 2019), as in its official code and in BigGAN.

y = x + γ·o, o = W_o(softmax(θ(x)·φ(x)ᵀ)·g(x)), with 1×1 convolutions θ, φ to C/8 channels and g to C/2 channels;
φ and g are 2×2 max-pooled (4× fewer keys), γ is a learned scalar initialised to 0 so the block starts as the
identity. The paper's text variant (h at C/8, no pooling) is `value_ratio=8, pool=False`.
"""

import keras
from keras import ops

from tfgan_zoo.layers.spectral import sn_conv


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class SelfAttention(keras.layers.Layer):
    """Non-local self-attention over the spatial positions of a `[B, H, W, C]` feature map.

    Args:
        key_ratio: θ and φ have C / key_ratio channels (8).
        value_ratio: g has C / value_ratio channels (2 in the official SAGAN/BigGAN code).
        pool: 2×2 max-pool φ and g (official code); needs even H and W.
        use_sn: spectral normalization on the four 1×1 convolutions.
        kernel_initializer: initializer name of the convolutions ('orthogonal' in BigGAN).
    """

    def __init__(self, key_ratio=8, value_ratio=2, pool=True, use_sn=True, kernel_initializer="glorot_uniform",
                 **kwargs):
        super().__init__(**kwargs)
        self.key_ratio = int(key_ratio)
        self.value_ratio = int(value_ratio)
        self.pool = bool(pool)
        self.use_sn = bool(use_sn)
        self.kernel_initializer = kernel_initializer

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"{self.name} expects [B, H, W, C] feature maps, got shape {input_shape}.")
        c = input_shape[-1]
        if c % self.key_ratio or c % self.value_ratio:
            raise ValueError(
                f"{self.name}: channels ({c}) must be divisible by key_ratio ({self.key_ratio}) and value_ratio "
                f"({self.value_ratio})."
            )
        if self.pool and (input_shape[1] % 2 or input_shape[2] % 2):
            raise ValueError(f"{self.name}: pool=True needs even H and W, got {input_shape[1:3]}.")
        init = self.kernel_initializer
        self.theta = sn_conv(c // self.key_ratio, 1, "theta", self.use_sn, False, init)
        self.phi = sn_conv(c // self.key_ratio, 1, "phi", self.use_sn, False, init)
        self.g = sn_conv(c // self.value_ratio, 1, "g", self.use_sn, False, init)
        self.o = sn_conv(c, 1, "o", self.use_sn, False, init)
        for layer in (self.theta, self.phi, self.g):
            layer.build(input_shape)
        self.o.build(tuple(input_shape[:3]) + (c // self.value_ratio,))
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")

    def _conv(self, layer, x, training):
        if isinstance(layer, keras.layers.SpectralNormalization):
            return layer(x, training=training)
        return layer(x)

    def call(self, x, training=False):
        shape = ops.shape(x)
        h, w = shape[1], shape[2]
        c = x.shape[-1]
        theta = ops.reshape(self._conv(self.theta, x, training), (-1, h * w, c // self.key_ratio))
        phi = self._conv(self.phi, x, training)
        g = self._conv(self.g, x, training)
        if self.pool:
            phi = ops.max_pool(phi, 2, 2)
            g = ops.max_pool(g, 2, 2)
        phi = ops.reshape(phi, (-1, ops.shape(phi)[1] * ops.shape(phi)[2], c // self.key_ratio))
        g = ops.reshape(g, (-1, ops.shape(g)[1] * ops.shape(g)[2], c // self.value_ratio))
        attention = ops.softmax(ops.matmul(theta, ops.transpose(phi, (0, 2, 1))), axis=-1)  # [B, HW, HW']
        o = ops.reshape(ops.matmul(attention, g), (-1, h, w, c // self.value_ratio))
        o = self._conv(self.o, o, training)
        return x + ops.cast(self.gamma, x.dtype) * o

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "key_ratio": self.key_ratio,
            "value_ratio": self.value_ratio,
            "pool": self.pool,
            "use_sn": self.use_sn,
            "kernel_initializer": self.kernel_initializer,
        }
