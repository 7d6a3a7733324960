"""Historical averaging (Salimans et al. 2016, §3.3): each player adds ‖θ − (1/t) Σ_{i=1}^t θ[i]‖² to its cost.

`HistoricalAverage` keeps the running average of a list of variables (as non-trainable variables, so it is saved
and restored with the model); `historical_averaging_penalty` is the penalty itself. The penalty is a function of
the parameters only, so, like a global-batch-reduced loss, it is divided by the number of replicas.
"""

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.layers.random import replica_info


def historical_averaging_penalty(variables, averages):
    """Σ_v ‖v − v̄‖² over matching lists of variables and their historical averages (a scalar)."""
    variables, averages = list(variables), list(averages)
    if len(variables) != len(averages):
        raise ValueError(f"Got {len(variables)} variables but {len(averages)} averages.")
    total = tf.constant(0.0)
    for v, a in zip(variables, averages):
        total += tf.reduce_sum(tf.square(tf.cast(v, tf.float32) - tf.stop_gradient(tf.cast(a, tf.float32))))
    n, _ = replica_info()
    return total / n


class HistoricalAverage:
    """Running mean (1/t) Σ θ[i] of `variables`, updated by `update()` after each optimizer step.

    Args:
        variables: the player's trainable variables.
        name: prefix of the average variables' names.
    """

    def __init__(self, variables, name="historical_average"):
        self.variables = list(variables)
        self.averages = [
            keras.Variable(np.array(keras.ops.convert_to_numpy(v)), trainable=False, aggregation="mean",
                           name=f"{name}_{i}")
            for i, v in enumerate(self.variables)
        ]
        self.count = keras.Variable(1.0, trainable=False, aggregation="mean", name=f"{name}_count")

    def update(self):
        t = self.count + 1.0
        for v, a in zip(self.variables, self.averages):
            a.assign(a + (tf.cast(v, a.dtype) - a) / t)
        self.count.assign(t)

    def penalty(self):
        return historical_averaging_penalty(self.variables, self.averages)
