"""Minibatch standard deviation (Karras et al. 2018, §3)."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class MinibatchStdDev(keras.layers.Layer):
    """Appends `num_new_features` maps holding the average standard deviation of features over a group of examples.

    For each group of `group_size` examples: std of every feature at every location over the group, averaged over
    the locations and the channels of each of `num_new_features` channel groups, replicated over the group and the
    locations, and concatenated as new channels.

    Groups are contiguous runs of examples (example i is in group i // G). The official code groups strided
    examples (i mod M); contiguous groups make the statistic the same whether a global batch is processed on one
    device or split across replicas (each replica's batch must be a multiple of G), which is what lets
    distributed training match single-device training. Over shuffled data the two are equivalent.

    Args:
        group_size: G (4 in PGGAN/StyleGAN/StyleGAN2); clipped to the batch size. The batch must be divisible by
            min(G, batch).
        num_new_features: number of appended maps (1 in the papers).
    """

    def __init__(self, group_size=4, num_new_features=1, **kwargs):
        super().__init__(**kwargs)
        if group_size < 1 or num_new_features < 1:
            raise ValueError(f"group_size and num_new_features must be >= 1, got {group_size}, {num_new_features}.")
        self.group_size = int(group_size)
        self.num_new_features = int(num_new_features)

    def build(self, input_shape):
        if input_shape[-1] % self.num_new_features:
            raise ValueError(
                f"MinibatchStdDev: channels ({input_shape[-1]}) must be divisible by num_new_features "
                f"({self.num_new_features})."
            )

    def call(self, x):
        shape = tf.shape(x)
        # Static spatial sizes where known: the replication below then has constant multiples, which XLA needs
        # when this layer is differentiated twice inside a `tf.cond` (StyleGAN2's lazy R1 under jit_compile).
        n, c = shape[0], x.shape[-1]
        h = x.shape[1] if x.shape[1] is not None else shape[1]
        w = x.shape[2] if x.shape[2] is not None else shape[2]
        if x.shape[0] is not None and x.shape[0] % min(self.group_size, x.shape[0]):
            raise ValueError(
                f"MinibatchStdDev: batch size {x.shape[0]} is not divisible by group_size {self.group_size}; use a "
                f"batch (per replica) that is a multiple of {self.group_size}."
            )
        g = tf.minimum(self.group_size, n)
        f = self.num_new_features
        y = tf.reshape(x, [-1, g, h, w, f, c // f])  # [M, G, H, W, F, c]
        y = tf.cast(y, tf.float32)
        y = y - tf.reduce_mean(y, axis=1, keepdims=True)
        y = tf.sqrt(tf.reduce_mean(tf.square(y), axis=1) + 1e-8)  # [M, H, W, F, c]
        y = tf.reduce_mean(y, axis=[1, 2, 4])  # [M, F]
        y = tf.cast(y, x.dtype)
        # Replicate over the group and the locations by broadcasting against x's own layout (no tile/repeat, whose
        # gradients XLA cannot shape when differentiated twice inside a cond).
        groups = tf.reshape(x, [-1, g, h, w, f, c // f])[..., :1]  # [M, G, H, W, F, 1]
        y = tf.zeros_like(groups) + y[:, None, None, None, :, None]
        y = tf.reshape(y, [-1, h, w, f])  # [N, H, W, F]
        return tf.concat([x, y], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_new_features)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size, "num_new_features": self.num_new_features}
