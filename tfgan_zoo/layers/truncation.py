"""The truncation trick (Brock et al. 2019): latents from a normal truncated to [-threshold, threshold].

Sampling is by the inverse CDF (z = Φ⁻¹(U(Φ(-t), Φ(t)))), which is exactly the distribution of "resample every
value whose magnitude exceeds t" and is a fixed graph of stateless ops, so an exported signature gives the same
latents for a seed. A threshold ≤ 0 means no truncation (a plain standard normal).
"""

import math

import tensorflow as tf


def _phi(x):
    return 0.5 * (1.0 + tf.math.erf(x / math.sqrt(2.0)))


def truncated_normal_from_seed(seed, num, latent_dim, threshold):
    """`[num, latent_dim]` truncated-normal latents from an int seed (stateless, exportable).

    Args:
        seed: int scalar (tensor or Python int).
        threshold: float scalar; values are confined to [-threshold, threshold]; ≤ 0 → untruncated N(0, 1).
    """
    seed = tf.stack([tf.cast(seed, tf.int32), tf.constant(0, tf.int32)])
    shape = tf.stack([tf.cast(num, tf.int32), tf.constant(latent_dim, tf.int32)])
    t = tf.cast(threshold, tf.float32)
    safe_t = tf.maximum(t, 1e-3)
    lo, hi = _phi(-safe_t), _phi(safe_t)
    u = tf.random.stateless_uniform(shape, seed=seed)
    p = tf.clip_by_value(lo + u * (hi - lo), 1e-7, 1.0 - 1e-7)
    truncated = tf.clip_by_value(tf.math.ndtri(p), -safe_t, safe_t)
    return tf.where(t > 0.0, truncated, tf.random.stateless_normal(shape, seed=seed))


def truncated_normal(shape, threshold, seed=None):
    """Truncated-normal draws of any `shape` (for sampling at inference, not for training steps)."""
    if seed is None:
        seed = int(tf.random.uniform([], 0, 2**31 - 1, tf.int32))
    flat = truncated_normal_from_seed(seed, 1, int(tf.reduce_prod(shape)), threshold)
    return tf.reshape(flat, shape)
