"""Fréchet Inception Distance: the pure function on features and a streaming `keras.metrics.Metric`.

FID (Heusel et al. 2017) fits a Gaussian to the feature-network embeddings of real and of generated images and
reports the Fréchet (2-Wasserstein) distance between the two Gaussians:

    d² = ||μ_r − μ_g||² + Tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^{1/2})

All statistics are computed in float64. The matrix square root is `scipy.linalg.sqrtm`, as in the reference
implementation (TTUR) that published FIDs come from; when the product is singular (fewer samples than
feature dimensions) a small multiple of the identity is added to both covariances, and a square root whose
diagonal has a non-negligible imaginary part is an error rather than a silently wrong number.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import scipy.linalg
import tensorflow as tf

from tfgan_zoo.evaluation._utils import as_float64_matrix


def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased (n − 1) covariance of `features` `[N, D]`, in float64."""
    x = as_float64_matrix(features, "features")
    if len(x) < 2:
        raise ValueError(f"FID needs at least 2 feature vectors per set, got {len(x)}.")
    return x.mean(axis=0), np.cov(x, rowvar=False).reshape(x.shape[1], x.shape[1])


def _sqrtm(a: np.ndarray) -> tuple[np.ndarray, bool]:
    """`scipy.linalg.sqrtm(a)` and whether it is trustworthy (finite, no singularity warning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        root = scipy.linalg.sqrtm(a)
    ok = np.all(np.isfinite(root)) and not any("singular" in str(w.message).lower() for w in caught)
    return np.asarray(root), bool(ok)


def _trace_sqrt_eigh(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr((Σ1 Σ2)^{1/2}) = Tr((Σ1^{1/2} Σ2 Σ1^{1/2})^{1/2}): two symmetric eigendecompositions, real by
    construction (negative eigenvalues from round-off are clipped)."""
    w, v = np.linalg.eigh(sigma1)
    root1 = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    m = root1 @ sigma2 @ root1
    return float(np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2.0), 0.0, None)).sum())


def frechet_distance(
    mu1, sigma1, mu2, sigma2, eps: float = 1e-6, imag_tolerance: float = 1e-3, method: str = "sqrtm"
) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    Args:
        mu1, mu2: mean vectors `[D]`.
        sigma1, sigma2: covariance matrices `[D, D]`.
        eps: the offset added to both diagonals when `sigma1 @ sigma2` is singular (the TTUR convention).
        imag_tolerance: largest |imaginary part| allowed on the diagonal of the square root before the result
            is declared unreliable (numerical noise makes a tiny imaginary part normal).
        method: 'sqrtm' (`scipy.linalg.sqrtm` of the product, as the reference implementation) or 'eigh'
            (the same trace from symmetric eigendecompositions: faster, never complex, no offset needed).

    Returns:
        The squared Fréchet distance as a Python float (what papers call "FID").
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (mu1.size, mu1.size):
        raise ValueError(
            f"Mismatched statistics: mu {mu1.shape} vs {mu2.shape}, sigma {sigma1.shape} vs {sigma2.shape}; both "
            "sets must come from the same feature network."
        )
    diff = mu1 - mu2
    if method == "eigh":
        return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * _trace_sqrt_eigh(sigma1, sigma2))
    if method != "sqrtm":
        raise ValueError(f"Unknown method {method!r}; expected 'sqrtm' or 'eigh'.")
    covmean, ok = _sqrtm(sigma1 @ sigma2)
    if not ok:
        offset = np.eye(sigma1.shape[0]) * eps
        covmean, ok = _sqrtm((sigma1 + offset) @ (sigma2 + offset))
        if not ok:
            raise FloatingPointError(
                "The covariance product has no usable square root even with an eps offset; the features are "
                "degenerate (constant images? far fewer samples than feature dimensions?)."
            )
    if np.iscomplexobj(covmean):
        max_imag = float(np.max(np.abs(np.diagonal(covmean).imag)))
        if max_imag > imag_tolerance:
            raise FloatingPointError(
                f"sqrtm(sigma1 @ sigma2) has an imaginary diagonal component of {max_imag:.3g} "
                f"(> {imag_tolerance}); the FID would be unreliable. Use more samples."
            )
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def _fid_sample_space(x1: np.ndarray, x2: np.ndarray) -> float:
    """Exact FID when a set has no more samples than dimensions, computed in sample space.

    With centred data A1 `[n1, D]`, A2 `[n2, D]`, the non-zero eigenvalues of Σ1Σ2 are the squared singular values
    of C = A1 A2ᵀ / √((n1−1)(n2−1)), so Tr((Σ1Σ2)^{1/2}) is C's nuclear norm: an `[n1, n2]` SVD instead of a
    `[D, D]` square root of a singular matrix.
    """
    a1, a2 = x1 - x1.mean(axis=0), x2 - x2.mean(axis=0)
    n1, n2 = len(x1), len(x2)
    diff = x1.mean(axis=0) - x2.mean(axis=0)
    c = (a1 @ a2.T) / np.sqrt((n1 - 1.0) * (n2 - 1.0))
    trace_sqrt = np.linalg.svd(c, compute_uv=False).sum()
    return float(diff @ diff + (a1 * a1).sum() / (n1 - 1.0) + (a2 * a2).sum() / (n2 - 1.0) - 2.0 * trace_sqrt)


def fid_from_features(real_features, fake_features, eps: float = 1e-6, method: str = "auto") -> float:
    """FID between two sets of feature vectors `[N, D]` and `[M, D]` (float64 statistics).

    Args:
        method: 'sqrtm' or 'eigh' (see `frechet_distance`), 'sample' (exact sample-space form, for small sets),
            or 'auto': 'sqrtm' when both sets have more samples than dimensions (every published protocol),
            'sample' otherwise (a tiny set in 2048 dimensions: exact and fast instead of an offset sqrtm).
    """
    real = as_float64_matrix(real_features, "real_features")
    fake = as_float64_matrix(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"Feature dimensions differ: {real.shape[1]} vs {fake.shape[1]}.")
    if len(real) < 2 or len(fake) < 2:
        raise ValueError(f"FID needs at least 2 feature vectors per set, got {len(real)} and {len(fake)}.")
    if method == "auto":
        method = "sqrtm" if min(len(real), len(fake)) > real.shape[1] else "sample"
    if method == "sample":
        return _fid_sample_space(real, fake)
    mu_r, sigma_r = feature_statistics(real)
    mu_f, sigma_f = feature_statistics(fake)
    return frechet_distance(mu_r, sigma_r, mu_f, sigma_f, eps=eps, method=method)


def statistics_from_sums(total, outer, count) -> tuple[np.ndarray, np.ndarray]:
    """(mean, unbiased covariance) from Σx, Σxxᵀ and N, as the streaming metric accumulates them."""
    total, outer, count = np.asarray(total, np.float64), np.asarray(outer, np.float64), float(count)
    if count < 2:
        raise ValueError(f"FID needs at least 2 feature vectors per set, got {count:g}.")
    mu = total / count
    sigma = (outer - count * np.outer(mu, mu)) / (count - 1.0)
    return mu, (sigma + sigma.T) / 2.0


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class FrechetInceptionDistance(keras.metrics.Metric):
    """Streaming FID: accumulates Σx, Σxxᵀ and N of real and generated features (float64).

    The accumulators are sums, so under a `tf.distribute` strategy each replica adds its own batch and reading
    the result sums over replicas: the value equals `fid_from_features` on all features seen. The result calls
    `frechet_distance` (SciPy) through `tf.numpy_function`, so it is computed on the host, outside XLA.

    Args:
        num_features: feature dimension D (2048 for Inception pool_3, 64 for the digits classifier).
        feature_network: optional callable mapping an image batch to `[B, D]` features inside the graph (e.g.
            `FeatureNetwork.features_tf`); without it `update_state` takes features.
        eps, method: see `frechet_distance`.

    Example:
        >>> m = FrechetInceptionDistance(num_features=4)
        >>> m.update_state(real=np.random.randn(64, 4), fake=np.random.randn(64, 4))
        >>> float(m.result()) >= 0.0
        True
    """

    def __init__(self, num_features, feature_network=None, eps=1e-6, method="sqrtm", name="fid", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_features = int(num_features)
        self.feature_network = feature_network
        self.eps = eps
        self.method = method
        d = self.num_features
        self.real_sum = self.add_variable((d,), "zeros", dtype="float64", name="real_sum")
        self.real_outer = self.add_variable((d, d), "zeros", dtype="float64", name="real_outer")
        self.real_count = self.add_variable((), "zeros", dtype="float64", name="real_count")
        self.fake_sum = self.add_variable((d,), "zeros", dtype="float64", name="fake_sum")
        self.fake_outer = self.add_variable((d, d), "zeros", dtype="float64", name="fake_outer")
        self.fake_count = self.add_variable((), "zeros", dtype="float64", name="fake_count")

    def _features(self, x):
        if self.feature_network is not None:
            x = self.feature_network(x)
        x = tf.cast(tf.convert_to_tensor(x), tf.float64)
        x = tf.reshape(x, [-1, self.num_features])
        return x

    def _accumulate(self, x, total, outer, count):
        x = self._features(x)
        total.assign_add(tf.reduce_sum(x, axis=0))
        outer.assign_add(tf.matmul(x, x, transpose_a=True))
        count.assign_add(tf.cast(tf.shape(x)[0], tf.float64))

    def update_state(self, real=None, fake=None, sample_weight=None):
        """Adds a batch of real and/or generated features (or images, with a `feature_network`)."""
        if sample_weight is not None:
            raise ValueError("FrechetInceptionDistance does not support sample_weight.")
        if real is not None:
            self._accumulate(real, self.real_sum, self.real_outer, self.real_count)
        if fake is not None:
            self._accumulate(fake, self.fake_sum, self.fake_outer, self.fake_count)

    def set_reference_statistics(self, mu, sigma, count):
        """Replaces the real-side accumulators by precomputed reference statistics (mean, covariance, N).

        `reset_state()` clears them again.
        """
        mu = np.asarray(mu, np.float64)
        sigma = np.asarray(sigma, np.float64)
        count = float(count)
        self.real_sum.assign(mu * count)
        self.real_outer.assign(sigma * (count - 1.0) + count * np.outer(mu, mu))
        self.real_count.assign(count)

    def real_statistics(self):
        return statistics_from_sums(self.real_sum.numpy(), self.real_outer.numpy(), self.real_count.numpy())

    def fake_statistics(self):
        return statistics_from_sums(self.fake_sum.numpy(), self.fake_outer.numpy(), self.fake_count.numpy())

    def result(self):
        eps, method = self.eps, self.method

        def compute(rs, ro, rn, fs, fo, fn):
            return np.float64(
                frechet_distance(
                    *statistics_from_sums(rs, ro, rn), *statistics_from_sums(fs, fo, fn), eps=eps, method=method
                )
            )

        values = [self.real_sum, self.real_outer, self.real_count, self.fake_sum, self.fake_outer, self.fake_count]
        out = tf.numpy_function(compute, [tf.convert_to_tensor(v) for v in values], tf.float64, stateful=False)
        return tf.reshape(out, [])

    def get_config(self):
        return {"name": self.name, "num_features": self.num_features, "eps": self.eps, "method": self.method}
