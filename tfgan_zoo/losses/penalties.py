"""Regularisers on the discriminator's input gradient, per example."""

import tensorflow as tf

EPSILON = 1e-12


def _gradient_norms(critic_fn, inputs):
    inputs = tf.convert_to_tensor(inputs)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = tf.cast(critic_fn(inputs), tf.float32)
        total = tf.reduce_sum(outputs)
    grads = tf.cast(tape.gradient(total, inputs), tf.float32)
    sq = tf.reduce_sum(tf.reshape(tf.square(grads), [tf.shape(grads)[0], -1]), axis=1)
    return sq


def interpolate(real, fake, alpha):
    """x̂ = α·x + (1-α)·x̃ with one α per example (shape `[B]`)."""
    real = tf.convert_to_tensor(real)
    alpha = tf.reshape(tf.cast(alpha, real.dtype), [-1] + [1] * (real.shape.rank - 1))
    return alpha * real + (1.0 - alpha) * tf.cast(fake, real.dtype)


def gradient_penalty(critic_fn, real, fake, alpha):
    """(‖∇D(x̂)‖₂ - 1)² per example on random interpolates (Gulrajani et al. 2017).

    Args:
        critic_fn: callable images -> critic outputs (`[B]` or `[B, ...]`; outputs are summed per example).
        real, fake: image batches of equal shape.
        alpha: `[B]` uniform samples in [0, 1], one per example, drawn by the caller so that it can be made
            consistent across replicas.
    Returns:
        `[B]` penalties. The norm is epsilon-safe (finite gradient at zero).
    """
    x_hat = interpolate(real, fake, alpha)
    norms = tf.sqrt(_gradient_norms(critic_fn, x_hat) + EPSILON)
    return tf.square(norms - 1.0)


def r1_penalty(critic_fn, real):
    """‖∇D(x)‖² per example on real data (Mescheder et al. 2018); multiply by γ/2 in the caller."""
    return _gradient_norms(critic_fn, real)
