"""Image grids and PNG files."""

from __future__ import annotations

import math
import os

import numpy as np


def to_uint8(images):
    """[-1, 1] floats → uint8 [0, 255]."""
    images = np.asarray(images, np.float32)
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def make_grid(images, ncols=None, padding=2, pad_value=255):
    """Tiles `[N, H, W, C]` images in [-1, 1] into one uint8 `[rows·(H+p)+p, cols·(W+p)+p, C]` grid."""
    images = to_uint8(images)
    if images.ndim != 4:
        raise ValueError(f"make_grid expects [N, H, W, C] images, got shape {images.shape}.")
    n, h, w, c = images.shape
    ncols = ncols or int(math.ceil(math.sqrt(n)))
    nrows = int(math.ceil(n / ncols))
    grid = np.full((nrows * (h + padding) + padding, ncols * (w + padding) + padding, c), pad_value, np.uint8)
    for i in range(n):
        r, col = divmod(i, ncols)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y : y + h, x : x + w] = images[i]
    return grid


def save_png(path, image_uint8):
    """Writes an `[H, W, C]` uint8 array (C = 1 or 3) as PNG, creating folders."""
    import tensorflow as tf

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(tf.convert_to_tensor(image_uint8)))
    return path


def save_grid(path, images, ncols=None):
    return save_png(path, make_grid(images, ncols))
