"""Real images that ship inside installed packages, so a machine with no network trains on real data.

* `digits`: scikit-learn's 1,797 handwritten digits (8×8, 10 classes), resized to `image_size`.
* `digits_edges`: a paired task derived from them for image-to-image models: source = the digit's edge map
  (Sobel magnitude, as in edges→photo), target = the digit.
* `skimage_faces`: scikit-image's `lfw_subset` (200 images, 25×25; the first 100 are faces).
* `skimage_images`: random crops of scikit-image's sample photographs (astronaut, coffee, chelsea, ...).
"""

from __future__ import annotations

import numpy as np


def _to_signed(x):
    return (x * 2.0 - 1.0).astype(np.float32)


def _resize(images, image_size):
    import tensorflow as tf

    return tf.image.resize(images, (image_size, image_size), method="bilinear", antialias=True).numpy()


def load_digits(image_size=32, channels=1, split="train", holdout=0.1, seed=0):
    """Digits as float32 images in [-1, 1] `[N, S, S, C]` and int32 labels.

    Args:
        split: 'train' (90%), 'test' (10%, fixed seeded split) or 'all'.
    """
    from sklearn.datasets import load_digits as sk_load_digits

    d = sk_load_digits()
    images = (d.images / 16.0).astype(np.float32)[..., None]
    labels = d.target.astype(np.int32)
    order = np.random.default_rng(seed).permutation(len(images))
    n_test = int(round(len(images) * holdout))
    if split == "train":
        idx = order[n_test:]
    elif split == "test":
        idx = order[:n_test]
    elif split == "all":
        idx = order
    else:
        raise ValueError(f"Unknown split {split!r} for digits; expected 'train', 'test' or 'all'.")
    images = np.clip(_resize(images[idx], image_size), 0.0, 1.0)
    if channels == 3:
        images = np.repeat(images, 3, axis=-1)
    elif channels != 1:
        raise ValueError(f"digits are grayscale: channels must be 1 or 3, got {channels}.")
    return _to_signed(images), labels[idx]


def edge_map(images01):
    """Sobel edge magnitude of images in [0, 1], normalised per image to [0, 1]."""
    import tensorflow as tf

    sob = tf.image.sobel_edges(tf.convert_to_tensor(images01, tf.float32))
    mag = tf.sqrt(tf.reduce_sum(tf.square(sob), axis=-1) + 1e-12).numpy()
    peak = mag.reshape(len(mag), -1).max(axis=1).reshape(-1, 1, 1, 1)
    return mag / np.maximum(peak, 1e-6)


def load_digits_edges(image_size=32, channels=1, split="train"):
    """(source edges, target digit) pairs in [-1, 1], both `[N, S, S, C]`."""
    target, _ = load_digits(image_size, channels, split)
    source = _to_signed(edge_map((target + 1.0) / 2.0))
    return source, target


def load_skimage_faces(image_size=32, channels=1, faces_only=True):
    from skimage.data import lfw_subset

    images = lfw_subset().astype(np.float32)
    if faces_only:
        images = images[:100]
    images = np.clip(_resize(images[..., None], image_size), 0.0, 1.0)
    if channels == 3:
        images = np.repeat(images, 3, axis=-1)
    return _to_signed(images), np.zeros(len(images), np.int32)


SKIMAGE_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "colorwheel")


def load_skimage_images(image_size=64, channels=3, crops_per_image=64, seed=0):
    """Random square crops (1/4 of the shorter side, resized) of scikit-image's colour sample photographs."""
    import skimage.data

    rng = np.random.default_rng(seed)
    out = []
    for name in SKIMAGE_PHOTOS:
        img = getattr(skimage.data, name)().astype(np.float32) / 255.0
        if img.ndim == 2:
            img = np.stack([img] * 3, -1)
        img = img[..., :3]
        h, w = img.shape[:2]
        size = min(h, w) // 4
        for _ in range(crops_per_image):
            y, x = rng.integers(0, h - size), rng.integers(0, w - size)
            out.append(_resize(img[None, y : y + size, x : x + size], image_size)[0])
    images = np.clip(np.stack(out), 0.0, 1.0)
    if channels == 1:
        images = images.mean(-1, keepdims=True)
    return _to_signed(images), np.zeros(len(images), np.int32)
