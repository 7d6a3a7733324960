"""Maxout units (Goodfellow et al. 2013), used by the discriminators of the original GAN and cGAN papers."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class Maxout(keras.layers.Layer):
    """A dense layer of `units` maxout units, each the max over `pieces` linear pieces.

    Args:
        units: number of output units.
        pieces: linear pieces per unit.
        kernel_initializer: initializer of the underlying dense kernel.
    """

    def __init__(self, units, pieces, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.pieces = int(pieces)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.dense = keras.layers.Dense(self.units * self.pieces, kernel_initializer=self.kernel_initializer)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        x = self.dense(inputs)
        x = tf.reshape(x, tf.concat([tf.shape(x)[:-1], [self.units, self.pieces]], axis=0))
        return tf.reduce_max(x, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "pieces": self.pieces,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
