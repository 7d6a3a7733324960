"""Randomness that gives the same per-example draws on one device and under any number of replicas.

Each replica draws the tensor for the *global* batch from the same seed and keeps its own slice. Replica r holds
global examples [r·b, (r+1)·b) (how tf.distribute splits a global batch), so example i gets the same noise,
dropout mask or interpolation coefficient whether it is trained on one device or on N. This is what lets the
distributed contract test demand equal losses, and it costs only N× more random numbers.
"""

import keras
import tensorflow as tf


def replica_info():
    """(num_replicas_in_sync, replica_id) in the current context; (1, 0) with no strategy."""
    strategy = tf.distribute.get_strategy()
    n = strategy.num_replicas_in_sync
    ctx = tf.distribute.get_replica_context()
    rid = ctx.replica_id_in_sync_group if (ctx is not None and n > 1) else 0
    return n, rid


def _draw(kind, shape, seed, dtype, **kwargs):
    seed = tf.cast(seed, tf.int32)
    if kind == "normal":
        return tf.random.stateless_normal(shape, seed=seed, dtype=dtype)
    if kind == "uniform":
        return tf.random.stateless_uniform(
            shape, seed=seed, minval=kwargs.get("minval", 0.0), maxval=kwargs.get("maxval", 1.0), dtype=dtype
        )
    raise ValueError(f"Unknown distribution {kind!r}; expected 'normal' or 'uniform'.")


def consistent_random(kind, local_shape, seed_generator, dtype=tf.float32, **kwargs):
    """Draws `kind` ('normal' | 'uniform' with minval/maxval) of `local_shape`, consistent across replicas.

    Args:
        local_shape: `[local_batch, ...]`; entries may be tensors.
        seed_generator: a `keras.random.SeedGenerator`; its state advances once per call.
    """
    n, rid = replica_info()
    seed = seed_generator.next()
    if n == 1:
        return _draw(kind, local_shape, seed, dtype, **kwargs)
    b = local_shape[0]
    full = _draw(kind, [b * n] + list(local_shape[1:]), seed, dtype, **kwargs)
    return full[rid * b : (rid + 1) * b]


def sample_latents(local_batch, latent_dim, seed_generator, distribution="normal", dtype=tf.float32):
    """Latent vectors for a training step: N(0, I) or U(-1, 1)^d, consistent across replicas."""
    if distribution == "normal":
        return consistent_random("normal", [local_batch, latent_dim], seed_generator, dtype)
    if distribution == "uniform":
        return consistent_random("uniform", [local_batch, latent_dim], seed_generator, dtype, minval=-1.0, maxval=1.0)
    raise ValueError(f"Unknown latent distribution {distribution!r}; expected 'normal' or 'uniform'.")


def latents_from_seed(seed, num, latent_dim, distribution="normal"):
    """Deterministic latents from an integer seed with stateless RNG (the same op the `sample` signature uses)."""
    seed = tf.stack([tf.cast(seed, tf.int32), tf.constant(0, tf.int32)])
    shape = tf.stack([tf.cast(num, tf.int32), tf.constant(latent_dim, tf.int32)])
    if distribution == "normal":
        return tf.random.stateless_normal(shape, seed=seed)
    if distribution == "uniform":
        return tf.random.stateless_uniform(shape, seed=seed, minval=-1.0, maxval=1.0)
    raise ValueError(f"Unknown latent distribution {distribution!r}; expected 'normal' or 'uniform'.")


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ConsistentDropout(keras.layers.Layer):
    """Inverted dropout whose mask for a given example does not depend on the number of replicas.

    Behaves like `keras.layers.Dropout` on one device; under `tf.distribute` each example keeps the mask it would
    have had on one device (see module docstring).

    Args:
        rate: fraction of units to drop, in [0, 1).
        seed: optional int seed.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"ConsistentDropout rate must be in [0, 1), got {rate}.")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0.0:
            return inputs
        keep = consistent_random("uniform", tf.unstack(tf.shape(inputs)), self.seed_generator) >= self.rate
        return tf.where(keep, inputs / tf.cast(1.0 - self.rate, inputs.dtype), tf.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
