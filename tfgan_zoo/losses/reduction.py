"""The one place where per-example losses become a scalar."""

import tensorflow as tf


def reduce_global_batch(per_example_loss, global_batch_size=None):
    """Sums per-example losses and divides by the *global* batch size.

    Under a `tf.distribute` strategy each replica sees 1/N of the batch and the optimizer sums gradients across
    replicas, so dividing the local sum by the global batch size gives exactly the gradient of the global-batch
    mean. With no strategy this is the plain mean. Built on `tf.nn.compute_average_loss`.

    Args:
        per_example_loss: tensor of shape `[local_batch]` (or scalar-per-example of any rank 1).
        global_batch_size: override; by default `local_batch * num_replicas_in_sync`.
    """
    per_example_loss = tf.cast(per_example_loss, tf.float32)
    if per_example_loss.shape.rank != 1:
        raise ValueError(
            f"reduce_global_batch expects per-example losses of rank 1, got shape {per_example_loss.shape}; "
            "reduce the non-batch axes first (see tfgan_zoo.losses.per_example_mean)."
        )
    return tf.nn.compute_average_loss(per_example_loss, global_batch_size=global_batch_size)


def per_example_mean(x):
    """Mean over every axis but the first: `[B, ...] -> [B]` (e.g. PatchGAN logits to one value per image)."""
    x = tf.cast(x, tf.float32)
    if x.shape.rank is not None and x.shape.rank <= 1:
        return tf.reshape(x, [-1])
    return tf.reduce_mean(tf.reshape(x, [tf.shape(x)[0], -1]), axis=1)
