"""Initializers that can live at module level and still give every layer its own, reproducible draw."""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class PerCall(keras.initializers.Initializer):
    """Wraps a Keras random initializer so that each call draws a fresh seed from Keras' global random state.

    A Keras random initializer built without a seed picks one when it is *constructed* and reuses it on every call:
    one instance shared by a network's layers (a module-level `INIT = RandomNormal(0, 0.02)`) gives every
    same-shaped kernel the same values, and a seed picked at import time ignores `keras.utils.set_random_seed`.
    `PerCall(RandomNormal(0, 0.02))` builds a new instance with a new seed at each call, after the seed is set, so
    two runs with one seed build the same weights and no two layers share theirs.

    Args:
        initializer: a Keras initializer instance or its serialized form; its own seed is ignored.

    Example:
        >>> import keras, numpy as np
        >>> init = PerCall(keras.initializers.RandomNormal(0.0, 0.02))
        >>> keras.utils.set_random_seed(0)
        >>> a, b = np.asarray(init((3, 3))), np.asarray(init((3, 3)))
        >>> keras.utils.set_random_seed(0)
        >>> bool((a != b).any()), bool((np.asarray(init((3, 3))) == a).all())
        (True, True)
    """

    def __init__(self, initializer):
        self.initializer = keras.initializers.get(initializer)
        if not callable(self.initializer):
            raise TypeError(f"PerCall wraps a Keras initializer, got {initializer!r}.")

    def __call__(self, shape, dtype=None):
        config = self.initializer.get_config()
        if "seed" in config:
            config["seed"] = None  # drawn now, from the state keras.utils.set_random_seed set
        return type(self.initializer).from_config(config)(shape, dtype=dtype)

    def get_config(self):
        return {"initializer": keras.initializers.serialize(self.initializer)}
