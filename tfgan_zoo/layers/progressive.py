"""Progressive growing in a fixed full-resolution graph (PGGAN's "linear" structure).

One non-trainable `lod` (level of detail) variable per network: lod = 0 is the full resolution, lod = k means the
output (or input) is at resolution / 2^k, and fractional values fade between neighbouring levels. The networks
always contain every resolution, so checkpoints, configs, export and TFLite see one model.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.layers.resample import average_downsample2d, nearest_upsample2d


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class LevelOfDetail(keras.layers.Layer):
    """Holds the `lod` variable and outputs it as a `[B, 1]` tensor (B from its input) for `LodLerp` layers.

    Args:
        initial_lod: starting level of detail.
    """

    def __init__(self, initial_lod=0.0, **kwargs):
        super().__init__(**kwargs)
        self.initial_lod = float(initial_lod)

    def build(self, input_shape):
        self.lod = self.add_weight(name="lod", shape=(), initializer=keras.initializers.Constant(self.initial_lod),
                                   trainable=False, aggregation="only_first_replica")

    def call(self, like):
        return tf.fill([tf.shape(like)[0], 1], tf.cast(self.lod, self.compute_dtype))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self):
        return {**super().get_config(), "initial_lod": self.initial_lod}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class LodLerp(keras.layers.Layer):
    """`a + (b − a)·clip(lod − offset, 0, 1)`: PGGAN's `lerp_clip` fade. Inputs `[a, b, lod]` (lod `[B, 1]`).

    Args:
        offset: the level of detail at which `a` is fully used.
    """

    def __init__(self, offset, **kwargs):
        super().__init__(**kwargs)
        self.offset = float(offset)

    def call(self, inputs):
        a, b, lod = inputs
        t = tf.clip_by_value(lod[:, 0] - self.offset, 0.0, 1.0)
        t = tf.reshape(tf.cast(t, a.dtype), [-1] + [1] * (a.shape.rank - 1))
        return a + (b - a) * t

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}


def images_at_lod(images, lod, max_lod):
    """Real images as the networks see them at level of detail `lod` (PGGAN's `process_reals`): box-downsampled
    by 2^floor(lod), blended with the next coarser level by the fractional part, and nearest-upsampled back to the
    full size. `max_lod` = log2(resolution) − 2. Written with static ops for every level (graph/XLA friendly)."""
    lod = tf.cast(lod, images.dtype)
    out = tf.zeros_like(images)
    level = images
    for k in range(max_lod + 1):
        if k > 0:
            level = average_downsample2d(level)
        full = nearest_upsample2d(level, 2**k)
        weight = tf.maximum(1.0 - tf.abs(lod - k), 0.0)  # tensor first: 0.0 takes its dtype (float16 too)
        out += weight * full
    return out


def lod_schedule(images_seen, max_lod, training_kimg, transition_kimg):
    """PGGAN's `TrainingSchedule` lod after `images_seen` real images (works on numbers and tensors):
    stabilize `training_kimg` at a level, then fade `transition_kimg` into the next, starting at `max_lod`."""
    if isinstance(images_seen, (int, float, np.integer, np.floating)):
        floor, maximum = math.floor, max
    else:
        images_seen = tf.cast(images_seen, tf.float64)
        floor, maximum = tf.floor, tf.maximum
    kimg = images_seen / 1000.0
    phase = training_kimg + transition_kimg
    phase_idx = floor(kimg / phase)
    phase_kimg = kimg - phase_idx * phase
    lod = max_lod - phase_idx - maximum(phase_kimg - training_kimg, 0.0) / transition_kimg
    return maximum(lod, 0.0)
