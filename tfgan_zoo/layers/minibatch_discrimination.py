"""Minibatch discrimination (Salimans et al. 2016, §3.2): lets D look at a whole minibatch to spot mode collapse.

For features f(x_i) ∈ R^A, a learned tensor T ∈ R^{A×B×C} gives M_i = f(x_i)·T ∈ R^{B×C};
c_b(x_i, x_j) = exp(−‖M_{i,b} − M_{j,b}‖_L1) and o(x_i)_b = Σ_{j≠i} c_b(x_i, x_j). The layer outputs
[f(x_i), o(x_i)] ∈ R^{A+B}. Under a `tf.distribute` strategy the sum runs over the *global* batch (the rows of M
are all-gathered, with gradients), so N replicas compute exactly what one device computes on the whole batch.
Real and generated batches should go through D separately, as in the paper's code.
"""

import keras
import tensorflow as tf

from tfgan_zoo.layers.random import replica_info


def gather_global_batch(x):
    """`x` of the whole global batch, in global order (identity on one replica); differentiable."""
    n, _ = replica_info()
    if n == 1:
        return x
    return tf.distribute.get_replica_context().all_gather(x, axis=0)


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class MinibatchDiscrimination(keras.layers.Layer):
    """Appends minibatch features o(x) to flat features `[B, A]` → `[B, A + num_kernels]`.

    Args:
        num_kernels: B, the number of minibatch kernels (100 in the paper's CIFAR-10 model).
        kernel_dim: C, the dimension of each kernel's rows (5 in the paper's code).
        exclude_self: leave out j = i from the sum (the paper's code does, by adding 1e6 to the self-distance).
        stddev: initial stddev of T (0.05 in the paper's code).
    """

    def __init__(self, num_kernels=100, kernel_dim=5, exclude_self=True, stddev=0.05, **kwargs):
        super().__init__(**kwargs)
        if num_kernels < 1 or kernel_dim < 1:
            raise ValueError(f"num_kernels and kernel_dim must be >= 1, got {num_kernels}, {kernel_dim}.")
        self.num_kernels = int(num_kernels)
        self.kernel_dim = int(kernel_dim)
        self.exclude_self = bool(exclude_self)
        self.stddev = float(stddev)

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"MinibatchDiscrimination takes flat features [B, A], got shape {input_shape}; flatten "
                             "first.")
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.num_kernels * self.kernel_dim),
            initializer=keras.initializers.RandomNormal(0.0, self.stddev),
        )

    def call(self, inputs):
        m = tf.reshape(tf.matmul(inputs, tf.cast(self.kernel, inputs.dtype)), [-1, self.num_kernels, self.kernel_dim])
        m_all = gather_global_batch(m)
        l1 = tf.reduce_sum(tf.abs(m[:, None] - m_all[None]), axis=-1)  # [B, B_global, kernels]
        o = tf.reduce_sum(tf.exp(-l1), axis=1)
        if self.exclude_self:
            o = o - 1.0  # c_b(x_i, x_i) = exp(0)
        return tf.concat([inputs, o], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1] + self.num_kernels)

    def get_config(self):
        return {**super().get_config(), "num_kernels": self.num_kernels, "kernel_dim": self.kernel_dim,
                "exclude_self": self.exclude_self, "stddev": self.stddev}
