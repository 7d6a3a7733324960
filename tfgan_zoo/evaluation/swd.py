"""Sliced Wasserstein distance between Laplacian-pyramid patch distributions (Karras et al. 2018, PGGAN).

Procedure (PGGAN §5 and appendix):
  1. build a Laplacian pyramid of every image, from its full resolution down to a 16×16 low-pass level
     (kernel [1, 4, 6, 4, 1]/16 per axis, ×2 down/up-sampling);
  2. at each level take 128 random 7×7 neighbourhoods per image as descriptors (7·7·C values);
  3. normalise each set's descriptors per colour channel to zero mean and unit std;
  4. per level, the sliced Wasserstein distance: project both descriptor sets on random unit directions
     (4 repeats × 128 = 512 directions), sort the projections and average |difference|.
PGGAN reports 16,384 images per set and prints the distances ×10³; these functions return them unscaled.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.evaluation._utils import check_images

_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _blur(images: tf.Tensor, gain: float = 1.0) -> tf.Tensor:
    """Separable 5×5 binomial filter with reflect padding, applied per channel."""
    c = images.shape[-1]
    k = tf.constant(_BINOMIAL * np.sqrt(gain), tf.float32)
    kx = tf.tile(tf.reshape(k, [1, 5, 1, 1]), [1, 1, c, 1])
    ky = tf.tile(tf.reshape(k, [5, 1, 1, 1]), [1, 1, c, 1])
    x = tf.pad(images, [[0, 0], [2, 2], [2, 2], [0, 0]], mode="REFLECT")
    x = tf.nn.depthwise_conv2d(x, kx, [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(x, ky, [1, 1, 1, 1], "VALID")


def pyramid_down(images: tf.Tensor) -> tf.Tensor:
    """Blur, then keep every second pixel: `[N, H, W, C]` → `[N, H/2, W/2, C]`."""
    return _blur(images)[:, ::2, ::2, :]


def pyramid_up(images: tf.Tensor) -> tf.Tensor:
    """Zero-insertion ×2 upsampling followed by the blur with gain 4 (keeps the mean)."""
    n, h, w, c = tf.unstack(tf.shape(images))
    x = tf.stack([images, tf.zeros_like(images)], axis=3)  # [N, H, W, 2, C]
    x = tf.reshape(x, [n, h, 2 * w, c])
    x = tf.stack([x, tf.zeros_like(x)], axis=2)  # [N, H, 2, 2W, C]
    x = tf.reshape(x, [n, 2 * h, 2 * w, c])
    return _blur(x, gain=4.0)


def laplacian_pyramid(images, min_resolution: int = 16) -> list[np.ndarray]:
    """Band-pass levels from full resolution down to `min_resolution`, then the low-pass residual.

    Returns a list of float32 arrays, finest first; an image already at `min_resolution` or below yields one
    level (itself). Height and width must be equal powers-of-two multiples of the coarsest level.
    """
    x = tf.convert_to_tensor(np.asarray(images, np.float32))
    levels = []
    while x.shape[1] > min_resolution:
        if x.shape[1] % 2 or x.shape[2] % 2:
            raise ValueError(f"Pyramid levels need even sizes; got {x.shape[1]}×{x.shape[2]}.")
        down = pyramid_down(x)
        levels.append((x - pyramid_up(down)).numpy())
        x = down
    levels.append(x.numpy())
    return levels


def patch_descriptors(level: np.ndarray, patches_per_image: int = 128, patch_size: int = 7, seed: int = 0):
    """`patches_per_image` random `patch_size²·C` neighbourhoods per image: `[N·patches, p, p, C]` float32."""
    n, h, w, c = level.shape
    if h < patch_size or w < patch_size:
        raise ValueError(f"A {h}×{w} level is smaller than the {patch_size}×{patch_size} patch.")
    rng = np.random.default_rng(seed)
    img = np.repeat(np.arange(n), patches_per_image)
    ys = rng.integers(0, h - patch_size + 1, size=img.size)
    xs = rng.integers(0, w - patch_size + 1, size=img.size)
    offs = np.arange(patch_size)
    rows = (ys[:, None] + offs[None, :])[:, :, None]
    cols = (xs[:, None] + offs[None, :])[:, None, :]
    return level[img[:, None, None], rows, cols]


def normalize_descriptors(desc: np.ndarray) -> np.ndarray:
    """Per-channel zero mean / unit std over a whole descriptor set, then flattened to `[M, p·p·C]`."""
    desc = desc.astype(np.float64)
    mean = desc.mean(axis=(0, 1, 2), keepdims=True)
    std = desc.std(axis=(0, 1, 2), keepdims=True)
    desc = (desc - mean) / np.maximum(std, 1e-8)
    return desc.reshape(len(desc), -1)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, repeats: int = 4, directions: int = 128, seed: int = 0) -> float:
    """Sliced Wasserstein-1 distance between two equal-size point sets `[M, D]` with random unit directions."""
    if a.shape != b.shape:
        raise ValueError(f"The two descriptor sets must have the same shape, got {a.shape} and {b.shape}.")
    rng = np.random.default_rng(seed)
    # float32 projections as in PGGAN's code; laid out [directions, points] so each sort runs on contiguous rows.
    a_t, b_t = np.ascontiguousarray(a.T, np.float32), np.ascontiguousarray(b.T, np.float32)
    results = []
    for _ in range(repeats):
        dirs = rng.standard_normal((directions, a.shape[1]))
        dirs = (dirs / np.linalg.norm(dirs, axis=1, keepdims=True)).astype(np.float32)
        proj_a = np.sort(dirs @ a_t, axis=1)
        proj_b = np.sort(dirs @ b_t, axis=1)
        proj_a -= proj_b
        results.append(np.abs(proj_a).mean(dtype=np.float64))
    return float(np.mean(results))


def sliced_wasserstein_distance(
    real_images,
    fake_images,
    min_resolution: int = 16,
    patches_per_image: int = 128,
    patch_size: int = 7,
    repeats: int = 4,
    directions: int = 128,
    seed: int = 0,
) -> dict:
    """PGGAN's multi-scale SWD between two image sets in [-1, 1] `[N, H, W, C]` of the same size.

    Patch positions are drawn from `seed` for each set (so identical sets give exactly 0) and projection
    directions from `seed + 1`. If the sets differ in size the larger is subsampled to the smaller.

    Returns:
        `{"levels": {resolution: distance}, "mean": mean over levels}` (multiply by 1e3 for PGGAN's tables).
    """
    real = check_images(real_images, "real_images")
    fake = check_images(fake_images, "fake_images")
    if real.shape[1:] != fake.shape[1:]:
        raise ValueError(f"Real and generated images differ in shape: {real.shape[1:]} vs {fake.shape[1:]}.")
    n = min(len(real), len(fake))
    rng = np.random.default_rng(seed)
    if len(real) > n:
        real = real[np.sort(rng.choice(len(real), n, replace=False))]
    if len(fake) > n:
        fake = fake[np.sort(rng.choice(len(fake), n, replace=False))]
    levels = {}
    for i, (lr, lf) in enumerate(zip(laplacian_pyramid(real, min_resolution), laplacian_pyramid(fake, min_resolution))):
        da = normalize_descriptors(patch_descriptors(lr, patches_per_image, patch_size, seed + 10 * i))
        db = normalize_descriptors(patch_descriptors(lf, patches_per_image, patch_size, seed + 10 * i))
        levels[int(lr.shape[1])] = sliced_wasserstein(da, db, repeats, directions, seed + 1)
    return {"levels": levels, "mean": float(np.mean(list(levels.values())))}
