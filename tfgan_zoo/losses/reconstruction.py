"""Reconstruction losses, per example."""

import tensorflow as tf

from tfgan_zoo.losses.reduction import per_example_mean


def l1_loss(predictions, targets):
    """Mean absolute error per example."""
    return per_example_mean(tf.abs(tf.cast(predictions, tf.float32) - tf.cast(targets, tf.float32)))


def l2_loss(predictions, targets):
    """Mean squared error per example."""
    return per_example_mean(tf.square(tf.cast(predictions, tf.float32) - tf.cast(targets, tf.float32)))
