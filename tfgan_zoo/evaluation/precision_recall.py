"""k-NN manifold metrics: improved precision/recall (Kynkäänniemi et al. 2019) and density/coverage
(Naeem et al. 2020), plus per-class coverage.

A set's manifold is the union of balls around its points, each with radius the distance to that point's k-th
nearest neighbour in the set. Precision is the fraction of generated samples inside the real manifold, recall
the fraction of real samples inside the generated manifold. Density counts how many real balls contain each
generated sample (divided by k, so ≈ 1 when the distributions match); coverage is the fraction of real balls that
contain at least one generated sample. Distances are float64 and computed in chunks, so 50k × 50k sets fit in
memory.
"""

from __future__ import annotations

import numpy as np

from tfgan_zoo.evaluation._utils import as_float64_matrix, kth_neighbour_sq_radii, row_chunks, squared_distances


def _check_pair(real, fake):
    real = as_float64_matrix(real, "real_features")
    fake = as_float64_matrix(fake, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"Feature dimensions differ: {real.shape[1]} vs {fake.shape[1]}.")
    return real, fake


def _ball_counts(points, centres, sq_radii) -> np.ndarray:
    """For each of `points`, how many balls (centres, radii) contain it (distance ≤ radius)."""
    counts = np.zeros(len(points), np.int64)
    c_sq = np.einsum("ij,ij->i", centres, centres)
    for rows in row_chunks(len(points), len(centres)):
        counts[rows] = (squared_distances(points[rows], centres, c_sq) <= sq_radii[None, :]).sum(axis=1)
    return counts


def _covered(centres, sq_radii, points) -> np.ndarray:
    """For each ball (centre, radius), whether at least one of `points` lies in it."""
    covered = np.zeros(len(centres), bool)
    p_sq = np.einsum("ij,ij->i", points, points)
    for rows in row_chunks(len(centres), len(points)):
        nearest = squared_distances(centres[rows], points, p_sq).min(axis=1)
        covered[rows] = nearest <= sq_radii[rows]
    return covered


def precision_recall(real_features, fake_features, k: int = 3) -> dict:
    """Improved precision and recall with k-NN manifolds (k = 3 in the paper and in pr50k3).

    Returns:
        `{"precision": float, "recall": float}`.
    """
    real, fake = _check_pair(real_features, fake_features)
    real_radii = kth_neighbour_sq_radii(real, k)
    fake_radii = kth_neighbour_sq_radii(fake, k)
    precision = float(np.mean(_ball_counts(fake, real, real_radii) > 0))
    recall = float(np.mean(_ball_counts(real, fake, fake_radii) > 0))
    return {"precision": precision, "recall": recall}


def density_coverage(real_features, fake_features, k: int = 5) -> dict:
    """Density and coverage (k = 5 in the paper). Returns `{"density": float, "coverage": float}`."""
    real, fake = _check_pair(real_features, fake_features)
    real_radii = kth_neighbour_sq_radii(real, k)
    density = float(_ball_counts(fake, real, real_radii).sum() / (k * len(fake)))
    coverage = float(np.mean(_covered(real, real_radii, fake)))
    return {"density": density, "coverage": coverage}


def per_class_coverage(real_features, real_labels, fake_features, k: int = 5) -> dict:
    """Coverage of each real class: the fraction of that class's real k-NN balls holding a generated sample.

    The balls are built within each class (the k nearest neighbours among real samples of that class), so a
    class the generator never produces gets coverage ≈ 0 even if other classes sit nearby.

    Returns:
        `{class_id: coverage}` for every class present in `real_labels`.
    """
    real, fake = _check_pair(real_features, fake_features)
    labels = np.asarray(real_labels).reshape(-1)
    if len(labels) != len(real):
        raise ValueError(f"Got {len(labels)} labels for {len(real)} real feature vectors.")
    out = {}
    for c in np.unique(labels):
        members = real[labels == c]
        radii = kth_neighbour_sq_radii(members, min(k, len(members) - 1))
        out[int(c)] = float(np.mean(_covered(members, radii, fake)))
    return out
