"""The Parzen-window log-likelihood estimate of Goodfellow et al. 2014 (after Breuleux et al. 2011).

A Gaussian kernel density with an isotropic bandwidth σ is fitted to generated samples μ_1..μ_N and the mean
log-likelihood of held-out data is reported:

    log p̂(x) = logsumexp_i(−‖x − μ_i‖² / 2σ²) − log N − (D/2) log(2πσ²)

σ is chosen by maximising the mean log-likelihood of a validation set over a grid, and the test log-likelihood
is reported with its standard error. The GAN paper applies it to pixels in [0, 1] (MNIST: 225 ± 2 nats).
Theis et al. (2016) showed the estimate can rank models wrongly (k-means beats the true distribution); it is
here to reproduce the historical tables, not to rank models.
"""

from __future__ import annotations

import numpy as np
import scipy.special

from tfgan_zoo.evaluation._utils import as_float64_matrix, row_chunks, squared_distances

#: The bandwidth grid of the GAN paper's code for data in [0, 1]: 10 values from 0.1 to 1, log-spaced.
DEFAULT_SIGMAS = tuple(np.logspace(-1.0, 0.0, 10))


def _log_likelihoods(samples, data, sigmas) -> np.ndarray:
    """`[len(sigmas), M]` log p̂(x) for every σ, computing the distances once."""
    mu = as_float64_matrix(samples, "samples")
    x = as_float64_matrix(data, "data")
    if mu.shape[1] != x.shape[1]:
        raise ValueError(f"samples and data have different dimensions: {mu.shape[1]} vs {x.shape[1]}.")
    sigmas = np.asarray(sigmas, np.float64).reshape(-1)
    if np.any(sigmas <= 0):
        raise ValueError(f"sigmas must be positive, got {sigmas}.")
    n, d = mu.shape
    mu_sq = np.einsum("ij,ij->i", mu, mu)
    out = np.empty((len(sigmas), len(x)))
    for rows in row_chunks(len(x), n):
        sq = squared_distances(x[rows], mu, mu_sq)
        for i, s in enumerate(sigmas):
            out[i, rows] = scipy.special.logsumexp(-sq / (2.0 * s**2), axis=1)
    return out - np.log(n) - 0.5 * d * np.log(2.0 * np.pi * sigmas[:, None] ** 2)


def parzen_log_likelihood(samples, data, sigma: float) -> np.ndarray:
    """Per-example log p̂(x) of `data` `[M, D]` under a Gaussian Parzen window on `samples` `[N, D]`."""
    return _log_likelihoods(samples, data, [sigma])[0]


def select_parzen_sigma(samples, validation, sigmas=DEFAULT_SIGMAS) -> tuple[float, dict]:
    """The σ of `sigmas` with the highest mean validation log-likelihood; also returns `{σ: mean LL}`."""
    means = _log_likelihoods(samples, validation, sigmas).mean(axis=1)
    scores = {float(s): float(v) for s, v in zip(sigmas, means)}
    best = max(scores, key=scores.get)
    return best, scores


def parzen_estimate(samples, validation, test, sigmas=DEFAULT_SIGMAS) -> dict:
    """The full protocol: choose σ on `validation`, report test mean log-likelihood ± standard error.

    Returns:
        `{"log_likelihood": mean, "std_error": std/√M, "sigma": σ, "validation_scores": {σ: mean LL}}`.
    """
    sigma, scores = select_parzen_sigma(samples, validation, sigmas)
    ll = parzen_log_likelihood(samples, test, sigma)
    return {
        "log_likelihood": float(ll.mean()),
        "std_error": float(ll.std(ddof=1) / np.sqrt(len(ll))) if len(ll) > 1 else 0.0,
        "sigma": sigma,
        "validation_scores": scores,
    }
