"""Learning-rate schedules of the papers that the Keras built-ins do not express."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """`initial_learning_rate` for `constant_steps` optimizer steps, then linearly to 0 over `decay_steps` (CycleGAN's
    'linear' policy: 100 epochs constant, 100 epochs to zero, here in steps), and 0 after.

    Example:
        >>> s = ConstantThenLinearDecay(2e-4, constant_steps=10, decay_steps=10)
        >>> [round(float(s(step)), 6) for step in (0, 10, 15, 20, 30)]
        [0.0002, 0.0002, 0.0001, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, constant_steps, decay_steps):
        if constant_steps < 0 or decay_steps <= 0:
            raise ValueError(
                f"constant_steps must be >= 0 and decay_steps > 0, got {constant_steps} and {decay_steps}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        fraction = tf.clip_by_value((step - self.constant_steps) / self.decay_steps, 0.0, 1.0)
        return self.initial_learning_rate * (1.0 - fraction)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "constant_steps": self.constant_steps,
                "decay_steps": self.decay_steps}
