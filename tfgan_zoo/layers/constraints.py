"""Weight constraints the papers apply after every update."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ClipConstraint(keras.constraints.Constraint):
    """Clips a weight to [-c, c]; applied by the optimizer after every update (WGAN's critic).

    Example:
        >>> import numpy as np
        >>> ClipConstraint(0.01)(np.array([-1.0, 0.005, 2.0], "float32")).numpy().tolist()
        [-0.009999999776482582, 0.004999999888241291, 0.009999999776482582]
    """

    def __init__(self, clip_value):
        self.clip_value = float(clip_value)

    def __call__(self, w):
        return tf.clip_by_value(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}


def clip_weights(models, clip_value):
    """Puts every trainable weight of `models` under `ClipConstraint(clip_value)` and clips it now, so the weights
    start inside the constraint set and the optimizer keeps them there."""
    if clip_value <= 0:
        raise ValueError(f"clip_value must be positive, got {clip_value}.")
    clip = ClipConstraint(clip_value)
    for model in models:
        for v in model.trainable_variables:
            v.constraint = clip
            v.assign(clip(v))
