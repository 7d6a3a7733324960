"""Kernel Inception Distance (Bińkowski et al. 2018): the unbiased MMD² with a cubic polynomial kernel.

    k(x, y) = (xᵀy / D + 1)³
    MMD²_u = Σ_{i≠j} k(x_i, x_j) / (m(m−1)) + Σ_{i≠j} k(y_i, y_j) / (n(n−1)) − 2 Σ_{i,j} k(x_i, y_j) / (mn)

The estimator is unbiased, so on two samples of one distribution it averages to 0 and can be negative. The
published protocol averages it over random subsets (100 subsets of 1000) and reports mean and std.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.evaluation._utils import as_float64_matrix


def polynomial_kernel(x, y, degree: int = 3, gamma: float | None = None, coef0: float = 1.0) -> np.ndarray:
    """`(gamma · x yᵀ + coef0) ** degree` with gamma = 1 / D by default (float64)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    base = x @ y.T
    base *= gamma
    base += coef0
    if float(degree).is_integer() and degree >= 1:  # repeated products: much faster than a float pow
        out = base.copy()
        for _ in range(int(degree) - 1):
            out *= base
        return out
    return base**degree


def mmd2_unbiased(x, y, degree: int = 3, gamma: float | None = None, coef0: float = 1.0) -> float:
    """Unbiased MMD² between samples `x` `[m, D]` and `y` `[n, D]` (m, n ≥ 2) with the polynomial kernel."""
    x, y = as_float64_matrix(x, "x"), as_float64_matrix(y, "y")
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError(f"The unbiased MMD² needs at least 2 samples per set, got {m} and {n}.")
    k_xx = polynomial_kernel(x, x, degree, gamma, coef0)
    k_yy = polynomial_kernel(y, y, degree, gamma, coef0)
    k_xy = polynomial_kernel(x, y, degree, gamma, coef0)
    sum_xx = k_xx.sum() - np.trace(k_xx)
    sum_yy = k_yy.sum() - np.trace(k_yy)
    return float(sum_xx / (m * (m - 1)) + sum_yy / (n * (n - 1)) - 2.0 * k_xy.mean())


def kid_from_features(
    real_features, fake_features, num_subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """KID: mean and std of the unbiased MMD² over `num_subsets` random subsets.

    Each subset draws `min(subset_size, len(set))` real and as many fake features without replacement (the
    reference procedure). Returns `(mean, std)`.
    """
    real = as_float64_matrix(real_features, "real_features")
    fake = as_float64_matrix(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"Feature dimensions differ: {real.shape[1]} vs {fake.shape[1]}.")
    size = min(subset_size, len(real), len(fake))
    rng = np.random.default_rng(seed)
    values = np.array(
        [
            mmd2_unbiased(real[rng.choice(len(real), size, replace=False)],
                          fake[rng.choice(len(fake), size, replace=False)])
            for _ in range(num_subsets)
        ]
    )
    return float(values.mean()), float(values.std())


def _mmd2_unbiased_tf(x, y):
    """The same estimator as `mmd2_unbiased` in TF ops (float64), for the streaming metric."""
    d = tf.cast(tf.shape(x)[1], tf.float64)
    m = tf.cast(tf.shape(x)[0], tf.float64)
    n = tf.cast(tf.shape(y)[0], tf.float64)

    def k(a, b):
        return (tf.matmul(a, b, transpose_b=True) / d + 1.0) ** 3

    k_xx, k_yy, k_xy = k(x, x), k(y, y), k(x, y)
    sum_xx = tf.reduce_sum(k_xx) - tf.linalg.trace(k_xx)
    sum_yy = tf.reduce_sum(k_yy) - tf.linalg.trace(k_yy)
    return sum_xx / (m * (m - 1.0)) + sum_yy / (n * (n - 1.0)) - 2.0 * tf.reduce_mean(k_xy)


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class KernelInceptionDistance(keras.metrics.Metric):
    """Streaming KID: each `update_state(real, fake)` call is one subset.

    It computes the unbiased MMD² between that call's real and fake features and accumulates the sum, the sum of
    squares and the number of subsets; `result()` is their mean (each term is unbiased, so the mean is too) and
    `std()` their spread. Under a `tf.distribute` strategy every replica's local batch is one subset (so feed
    global batches of `replicas × subset_size`); the sums aggregate across replicas.

    Args:
        num_features: feature dimension D.
        feature_network: optional in-graph callable images → `[B, D]` features.
    """

    def __init__(self, num_features, feature_network=None, name="kid", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_features = int(num_features)
        self.feature_network = feature_network
        self.mmd_sum = self.add_variable((), "zeros", dtype="float64", name="mmd_sum")
        self.mmd_sq_sum = self.add_variable((), "zeros", dtype="float64", name="mmd_sq_sum")
        self.num_subsets = self.add_variable((), "zeros", dtype="float64", name="num_subsets")

    def _features(self, x):
        if self.feature_network is not None:
            x = self.feature_network(x)
        return tf.reshape(tf.cast(tf.convert_to_tensor(x), tf.float64), [-1, self.num_features])

    def update_state(self, real, fake, sample_weight=None):
        if sample_weight is not None:
            raise ValueError("KernelInceptionDistance does not support sample_weight.")
        mmd = _mmd2_unbiased_tf(self._features(real), self._features(fake))
        self.mmd_sum.assign_add(mmd)
        self.mmd_sq_sum.assign_add(mmd * mmd)
        self.num_subsets.assign_add(tf.constant(1.0, tf.float64))

    def result(self):
        return tf.math.divide_no_nan(tf.convert_to_tensor(self.mmd_sum), tf.convert_to_tensor(self.num_subsets))

    def std(self):
        """Standard deviation of the per-subset estimates (population std, as `kid_from_features`)."""
        n = tf.convert_to_tensor(self.num_subsets)
        mean = self.result()
        var = tf.math.divide_no_nan(tf.convert_to_tensor(self.mmd_sq_sum), n) - mean * mean
        return tf.sqrt(tf.maximum(var, 0.0))

    def get_config(self):
        return {"name": self.name, "num_features": self.num_features}
