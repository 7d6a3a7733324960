"""Helpers shared by the metric functions: dtype conversion, chunked pairwise distances, image checks, resizing."""

from __future__ import annotations

import numpy as np

# Bytes of float64 scratch one chunk of a pairwise-distance computation may use.
_CHUNK_BYTES = 64 * 2**20


def as_float64_matrix(x, name: str) -> np.ndarray:
    """`x` as a float64 `[N, D]` array; a clear error for anything else."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [num_samples, num_features], got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or Inf values; check the feature network's input range.")
    return x


def row_chunks(num_rows: int, num_cols: int):
    """Yields `slice`s of rows so that a `[rows, num_cols]` float64 block stays under `_CHUNK_BYTES`."""
    step = max(1, _CHUNK_BYTES // max(1, 8 * num_cols))
    for start in range(0, num_rows, step):
        yield slice(start, min(num_rows, start + step))


def squared_distances(a: np.ndarray, b: np.ndarray, b_sq_norms: np.ndarray | None = None) -> np.ndarray:
    """`[len(a), len(b)]` squared Euclidean distances (float64, clipped at 0)."""
    a_sq = np.einsum("ij,ij->i", a, a)
    b_sq = np.einsum("ij,ij->i", b, b) if b_sq_norms is None else b_sq_norms
    d = a_sq[:, None] + b_sq[None, :] - 2.0 * (a @ b.T)
    np.maximum(d, 0.0, out=d)
    return d


def kth_neighbour_sq_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Squared distance from each row of `x` to its k-th nearest *other* row of `x`.

    The point itself is at distance 0 and is counted as the 0-th neighbour, as in Kynkäänniemi et al.'s and
    Naeem et al.'s reference procedures.
    """
    n = len(x)
    if n <= k:
        raise ValueError(f"Need more than k={k} samples to build a k-NN manifold, got {n}.")
    sq = np.einsum("ij,ij->i", x, x)
    radii = np.empty(n)
    for rows in row_chunks(n, n):
        d = squared_distances(x[rows], x, sq)
        radii[rows] = np.partition(d, k, axis=1)[:, k]
    return radii


def check_images(images, name: str = "images") -> np.ndarray:
    """Images as float32 `[N, H, W, C]` in [-1, 1].

    uint8 images are mapped from [0, 255]; float images must already lie in [-1, 1] (a 1e-3 overshoot, as a
    tanh in float16 can give, is clipped). Anything else is an error: metrics computed on a wrong range are
    silently wrong, so we refuse rather than guess.
    """
    arr = np.asarray(images)
    if arr.ndim == 3:
        raise ValueError(
            f"{name} must be [N, H, W, C]; got shape {arr.shape}. Add a channel axis (images[..., None]) for "
            "grayscale images."
        )
    if arr.ndim != 4:
        raise ValueError(f"{name} must be a 4-D array [N, H, W, C], got shape {arr.shape}.")
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 127.5 - 1.0
    arr = arr.astype(np.float32, copy=False)
    if arr.size:
        lo, hi = float(arr.min()), float(arr.max())
        if not np.isfinite(lo) or not np.isfinite(hi):
            raise ValueError(f"{name} contains NaN or Inf values.")
        if lo < -1.001 or hi > 1.001:
            raise ValueError(
                f"{name} must be float images in [-1, 1] (or uint8 in [0, 255]); got values in [{lo:.4g}, {hi:.4g}]. "
                "Rescale with images / 127.5 - 1 for [0, 255] data or images * 2 - 1 for [0, 1] data."
            )
        if lo < -1.0 or hi > 1.0:
            arr = np.clip(arr, -1.0, 1.0)
    return arr


def downsample_to(images, max_size):
    """Box-filter integer downsampling to at most `max_size` (the official code reduces to 256 for VGG)."""
    if max_size is None:
        return images
    factor = int(images.shape[1]) // int(max_size)
    if factor <= 1:
        return images
    import tensorflow as tf

    n, h, w, c = (tf.shape(images)[0], int(images.shape[1]), int(images.shape[2]), int(images.shape[3]))
    images = tf.reshape(images, [n, h // factor, factor, w // factor, factor, c])
    return tf.reduce_mean(images, axis=[2, 4])
