"""Learning-rate schedules of the papers that the Keras built-ins do not express."""

from __future__ import annotations

import keras
import numpy as np
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


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ExponentialDecayToFloor(keras.optimizers.schedules.LearningRateSchedule):
    """pylearn2's `ExponentialDecay` extension as Mirza & Osindero (and Goodfellow et al.) used it: the learning rate is
    divided by `decay_factor` after every update and never goes below `min_learning_rate`.

    Example:
        >>> s = ExponentialDecayToFloor(0.1, decay_factor=1.00004, min_learning_rate=1e-6)
        >>> [float(f"{float(s(step)):.4g}") for step in (0, 1, 100000, 300000)]
        [0.1, 0.1, 0.001832, 1e-06]
    """

    def __init__(self, initial_learning_rate, decay_factor, min_learning_rate=0.0):
        if decay_factor < 1.0 or min_learning_rate < 0:
            raise ValueError(f"decay_factor must be >= 1 (the rate is divided by it each step) and min_learning_rate "
                             f">= 0, got {decay_factor} and {min_learning_rate}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_factor = float(decay_factor)
        self.min_learning_rate = float(min_learning_rate)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        # computed in log space: 1.00004 ** t loses the factor's digits in float32
        rate = self.initial_learning_rate * tf.exp(-step * float(np.log(self.decay_factor)))
        return tf.maximum(rate, self.min_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_factor": self.decay_factor,
                "min_learning_rate": self.min_learning_rate}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class RampedMomentumSGD(keras.optimizers.SGD):
    """SGD whose momentum rises linearly from `momentum` to `final_momentum` between optimizer steps `ramp_start` and
    `ramp_end` (pylearn2's `MomentumAdjustor`, which the GAN and conditional-GAN papers used: 0.5 → 0.7). The update
    is pylearn2's and Keras' `m ← μ_t m − lr_t g; w ← w + m`, with μ_t read at the step being applied.

    Example:
        >>> opt = RampedMomentumSGD(0.1, momentum=0.5, final_momentum=0.7, ramp_start=10, ramp_end=20)
        >>> [round(opt.momentum_at(step), 3) for step in (0, 10, 15, 20, 40)]
        [0.5, 0.5, 0.6, 0.7, 0.7]
    """

    def __init__(self, learning_rate=0.01, momentum=0.5, final_momentum=0.7, ramp_start=0, ramp_end=1, **kwargs):
        if momentum <= 0 or final_momentum < 0 or ramp_end <= ramp_start:
            raise ValueError(f"momentum must be > 0, final_momentum >= 0 and ramp_end > ramp_start; got {momentum}, "
                             f"{final_momentum}, {ramp_start}, {ramp_end}.")
        kwargs.pop("nesterov", None)
        super().__init__(learning_rate, momentum=momentum, **kwargs)
        self.final_momentum = float(final_momentum)
        self.ramp_start = int(ramp_start)
        self.ramp_end = int(ramp_end)

    def momentum_at(self, step):
        """μ at optimizer step `step` (a Python number or a tensor)."""
        alpha = (tf.cast(step, tf.float32) - self.ramp_start) / float(self.ramp_end - self.ramp_start)
        alpha = tf.clip_by_value(alpha, 0.0, 1.0)
        value = self.momentum * (1.0 - alpha) + self.final_momentum * alpha
        return float(value) if not isinstance(step, tf.Tensor) and not hasattr(step, "value") else value

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = tf.cast(learning_rate, variable.dtype)
        gradient = tf.cast(gradient, variable.dtype)
        m = self.momentums[self._get_variable_index(variable)]
        momentum = tf.cast(self.momentum_at(tf.convert_to_tensor(self.iterations)), variable.dtype)
        self.assign(m, m * momentum - gradient * learning_rate)
        self.assign_add(variable, m)

    def get_config(self):
        config = super().get_config()
        config.pop("nesterov", None)
        config.update(final_momentum=self.final_momentum, ramp_start=self.ramp_start, ramp_end=self.ramp_end)
        return config
