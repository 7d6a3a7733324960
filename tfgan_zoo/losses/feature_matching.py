"""Feature matching (Salimans et al. 2016, §3.1): G matches the expected discriminator features of real data,
    ‖E_{x~data} f(x) − E_{z~p(z)} f(G(z))‖²₂,
with f an intermediate layer of D. The expectations are batch means, so this is a batch statistic, not a sum of
per-example terms: `global_batch_mean` takes them over the *global* batch under `tf.distribute` (an all-reduce with
gradients), and the returned loss is already divided by the number of replicas, so that the optimizer's sum of
replica gradients is the gradient of the global-batch loss — the same contract as `reduce_global_batch`.
"""

import tensorflow as tf

from tfgan_zoo.layers.random import replica_info

DISTANCES = ("sum_squares", "mean_squares", "mean_abs")


def global_batch_mean(features):
    """Mean over the global batch of `[B, ...]` features (flattened to `[F]`); differentiable across replicas."""
    x = tf.cast(features, tf.float32)
    x = tf.reshape(x, [tf.shape(x)[0], -1])
    n, _ = replica_info()
    total = tf.reduce_sum(x, axis=0)
    count = tf.cast(tf.shape(x)[0], tf.float32)
    if n > 1:
        ctx = tf.distribute.get_replica_context()
        total = ctx.all_reduce(tf.distribute.ReduceOp.SUM, total)
        count = ctx.all_reduce(tf.distribute.ReduceOp.SUM, count)
    return total / count


def feature_matching_loss(real_features, fake_features, distance="sum_squares"):
    """The generator's feature-matching loss, reduced over the global batch (see module docstring).

    Args:
        real_features, fake_features: D's intermediate features `[B, ...]` on real and generated batches (the
            real ones are treated as constants).
        distance: 'sum_squares' — the paper's ‖·‖²₂; 'mean_squares' — its mean over features (the official
            CIFAR-10 code); 'mean_abs' — mean |·| (the official MNIST code).
    """
    if distance not in DISTANCES:
        raise ValueError(f"Unknown feature-matching distance {distance!r}; expected one of {DISTANCES}.")
    diff = tf.stop_gradient(global_batch_mean(real_features)) - global_batch_mean(fake_features)
    if distance == "sum_squares":
        loss = tf.reduce_sum(tf.square(diff))
    elif distance == "mean_squares":
        loss = tf.reduce_mean(tf.square(diff))
    else:
        loss = tf.reduce_mean(tf.abs(diff))
    n, _ = replica_info()
    return loss / n
