"""Virtual batch normalization (Salimans et al. 2016, §3.4) and the reference-batch plumbing it needs.

Each example is normalized with statistics of a *reference batch* fixed at the start of training plus the example
itself, so an example's output does not depend on the other examples of its minibatch. In a functional network the
reference batch travels with the data: `ReferenceBatch` prepends a fixed, non-trainable batch of `reference_size`
network inputs (saved with the weights), every `VirtualBatchNormalization` treats the first `reference_size`
rows as the reference, and `DropReference` removes them at the end. The reference rows are normalized with the
reference statistics alone; every other row x with
    μ = (x̄ + R·μ_ref)/(R + 1),  E[x²] = (x̄² + R·E_ref[x²])/(R + 1),  σ² = E[x²] − μ²,
where x̄ and x̄² average x and x² over the non-channel axes of that one example (the spatial positions for convs).
Since nothing depends on the rest of the batch, it behaves the same on one device and under any strategy.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ReferenceBatch(keras.layers.Layer):
    """Prepends a fixed reference batch `[reference_size, *input_shape]` to its input.

    Args:
        reference_size: number of reference rows R.
        distribution: how the reference inputs are drawn once: 'normal' or 'uniform' (U(-1, 1)) — use the
            distribution of the network's inputs (e.g. the latent prior).
        seed: int seed of that draw.
    """

    def __init__(self, reference_size, distribution="normal", seed=0, **kwargs):
        super().__init__(**kwargs)
        if reference_size < 1:
            raise ValueError(f"reference_size must be >= 1, got {reference_size}.")
        if distribution not in ("normal", "uniform"):
            raise ValueError(f"distribution must be 'normal' or 'uniform', got {distribution!r}.")
        self.reference_size = int(reference_size)
        self.distribution = distribution
        self.seed = int(seed)

    def build(self, input_shape):
        init = (keras.initializers.RandomNormal(0.0, 1.0, seed=self.seed) if self.distribution == "normal"
                else keras.initializers.RandomUniform(-1.0, 1.0, seed=self.seed))
        self.reference = self.add_weight(
            name="reference", shape=(self.reference_size,) + tuple(input_shape[1:]), initializer=init,
            trainable=False,
        )

    def call(self, inputs):
        return tf.concat([tf.cast(self.reference, inputs.dtype), inputs], axis=0)

    def compute_output_shape(self, input_shape):
        return (None,) + tuple(input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size, "distribution": self.distribution,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class DropReference(keras.layers.Layer):
    """Removes the first `reference_size` rows (the reference batch) from its input."""

    def __init__(self, reference_size, **kwargs):
        super().__init__(**kwargs)
        self.reference_size = int(reference_size)

    def call(self, inputs):
        return inputs[self.reference_size :]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class VirtualBatchNormalization(keras.layers.Layer):
    """Virtual batch normalization over the last (channel) axis; rows `[:reference_size]` are the reference batch.

    Args:
        reference_size: R, the number of leading reference rows (the `ReferenceBatch` size).
        epsilon: added to the variance.
        center, scale: learn β and γ.
    """

    def __init__(self, reference_size, epsilon=1e-5, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        if reference_size < 1:
            raise ValueError(f"reference_size must be >= 1, got {reference_size}.")
        self.reference_size = int(reference_size)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)

    def build(self, input_shape):
        c = input_shape[-1]
        self.gamma = self.add_weight(name="gamma", shape=(c,), initializer="ones", trainable=self.scale)
        self.beta = self.add_weight(name="beta", shape=(c,), initializer="zeros", trainable=self.center)

    def call(self, inputs):
        x = tf.cast(inputs, tf.float32)
        r = self.reference_size
        ref, rest = x[:r], x[r:]
        axes = list(range(x.shape.rank - 1))
        ref_mean = tf.reduce_mean(ref, axis=axes)
        ref_sq = tf.reduce_mean(tf.square(ref), axis=axes)
        ex_axes = axes[1:]
        ex_mean = tf.reduce_mean(rest, axis=ex_axes, keepdims=True) if ex_axes else rest
        ex_sq = tf.reduce_mean(tf.square(rest), axis=ex_axes, keepdims=True) if ex_axes else tf.square(rest)
        new = 1.0 / (r + 1.0)
        mean = new * ex_mean + (1.0 - new) * ref_mean
        var = tf.maximum(new * ex_sq + (1.0 - new) * ref_sq - tf.square(mean), 0.0)
        ref_var = tf.maximum(ref_sq - tf.square(ref_mean), 0.0)
        out = tf.concat(
            [(ref - ref_mean) * tf.math.rsqrt(ref_var + self.epsilon),
             (rest - mean) * tf.math.rsqrt(var + self.epsilon)],
            axis=0,
        )
        out = out * tf.cast(self.gamma, tf.float32) + tf.cast(self.beta, tf.float32)
        return tf.cast(out, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "reference_size": self.reference_size, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}
