"""Super-resolution data: real photographs that installed packages ship, MATLAB-compatible bicubic downscaling, and
the (low_res, high_res) pipelines of the `photos`, `hr_folder` and TFDS (`div2k`) sources.

The `photos` set (offline, no download): RGB photographs from scikit-image's `skimage.data` and scikit-learn's
`load_sample_images()`, split by image (never by crop) into

* training (`TRAIN_PHOTOS`): astronaut, rocket, immunohistochemistry, hubble_deep_field, stereo_motorcycle (left
  view), retina (skimage) and china (sklearn);
* held-out evaluation (`EVAL_PHOTOS`): coffee, chelsea (skimage) and flower (sklearn).

Training elements are random `image_size`² HR crops (uniform position, horizontal flip, transposition: SRGAN's
and ESRGAN's flips and 90° rotations) with the LR made by `imresize` (MATLAB's antialiased bicubic, what the SR
literature uses to build its LR test sets). Crops are drawn from the data seed (numpy for the bundled photos;
stateless random ops keyed on (seed, element index) for folders and TFDS), so a pipeline is reproducible.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

TRAIN_PHOTOS = ("astronaut", "rocket", "immunohistochemistry", "hubble_deep_field", "stereo_motorcycle", "retina",
                "china")
EVAL_PHOTOS = ("coffee", "chelsea", "flower")
#: crops per training photo in one pass over the set (`data.max_examples` sets the total instead).
CROPS_PER_PHOTO = 64


# ----------------------------------------------------------------------------------------------- MATLAB imresize
def _cubic(x):
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB's `cubic`)."""
    ax = np.abs(x)
    ax2, ax3 = ax**2, ax**3
    return ((1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1)
            + (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2)))


def imresize_matrix(in_length: int, scale: float, out_length: int | None = None) -> np.ndarray:
    """The `[out, in]` matrix of MATLAB's `imresize(..., scale, 'bicubic')` along one axis (antialiased when
    downscaling: the kernel is stretched by 1/scale; borders are mirrored as MATLAB's 'symmetric' padding)."""
    if out_length is None:
        out_length = int(math.ceil(in_length * scale))
    antialias = scale < 1
    kernel_width = 4.0 / scale if antialias else 4.0
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)  # output pixel centre in input coordinates (1-based)
    left = np.floor(u - kernel_width / 2.0)
    taps = int(math.ceil(kernel_width)) + 2
    indices = left[:, None] + np.arange(taps)[None, :]
    distance = u[:, None] - indices
    weights = scale * _cubic(scale * distance) if antialias else _cubic(distance)
    weights = weights / weights.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    columns = mirror[np.mod(indices.astype(np.int64) - 1, 2 * in_length)]
    matrix = np.zeros((out_length, in_length), np.float64)
    for row in range(out_length):
        np.add.at(matrix[row], columns[row], weights[row])
    return matrix


def imresize(images, scale: float) -> np.ndarray:
    """MATLAB-compatible bicubic resize of `[H, W, C]` or `[N, H, W, C]` float images by `scale` (e.g. 1/4)."""
    images = np.asarray(images, np.float64)
    squeeze = images.ndim == 3
    x = images[None] if squeeze else images
    if x.ndim != 4:
        raise ValueError(f"imresize takes [H, W, C] or [N, H, W, C] images, got shape {images.shape}.")
    rows = imresize_matrix(x.shape[1], scale)
    cols = imresize_matrix(x.shape[2], scale)
    out = np.einsum("ij,njkc,lk->nilc", rows, x, cols)
    return (out[0] if squeeze else out).astype(np.float32)


def bicubic_downscale(images, scale: int):
    """`[N, H, W, C]` tensor → `[N, H/scale, W/scale, C]` by MATLAB's antialiased bicubic (a graph op: two matrix
    products with the `imresize_matrix` weights; H and W must be static multiples of `scale`)."""
    h, w = int(images.shape[-3]), int(images.shape[-2])
    if h % scale or w % scale:
        raise ValueError(f"bicubic_downscale needs sizes divisible by the scale {scale}; got {h}x{w}.")
    rows = tf.constant(imresize_matrix(h, 1.0 / scale, h // scale), tf.float32)
    cols = tf.constant(imresize_matrix(w, 1.0 / scale, w // scale), tf.float32)
    x = tf.cast(images, tf.float32)
    return tf.einsum("ij,...jkc,lk->...ilc", rows, x, cols)


def bicubic_upscale(images, scale: int) -> np.ndarray:
    """The bicubic baseline of the SR tables: MATLAB `imresize(lr, scale, 'bicubic')`, clipped to [-1, 1]."""
    return np.clip(imresize(images, float(scale)), -1.0, 1.0)


# ----------------------------------------------------------------------------------------------- the photos
def load_photo(name: str) -> np.ndarray:
    """One photograph as float32 `[H, W, 3]` in [-1, 1]."""
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        image = load_sample_image(f"{name}.jpg")
    else:
        import skimage.data

        if not hasattr(skimage.data, name):
            raise ValueError(f"Unknown photo {name!r}; the set is {TRAIN_PHOTOS + EVAL_PHOTOS}.")
        image = getattr(skimage.data, name)()
        if isinstance(image, tuple):  # stereo pairs: the left view
            image = image[0]
    return (np.asarray(image, np.float32) / 127.5 - 1.0)[..., :3]


def load_photos(split: str = "train") -> list:
    """The training (`split='train'`) or held-out (`'test'`/`'eval'`) photographs: a list of `[H, W, 3]` arrays."""
    if split == "train":
        names = TRAIN_PHOTOS
    elif split in ("test", "eval", "validation"):
        names = EVAL_PHOTOS
    else:
        raise ValueError(f"The photos source has splits 'train' and 'test'; got {split!r}.")
    return [load_photo(n) for n in names]


def eval_pairs(scale: int = 4, max_size: int | None = 192) -> list:
    """Held-out `(name, lr, hr)` triples: each EVAL photo's centre crop (at most `max_size`², sides a multiple of
    `scale`; None: the whole image cropped to a multiple) and its MATLAB-bicubic LR, float32 in [-1, 1]."""
    out = []
    for name in EVAL_PHOTOS:
        hr = load_photo(name)
        h, w = hr.shape[:2]
        th, tw = (min(h, max_size), min(w, max_size)) if max_size else (h, w)
        th, tw = th - th % scale, tw - tw % scale
        top, left = (h - th) // 2, (w - tw) // 2
        hr = hr[top : top + th, left : left + tw]
        out.append((name, np.clip(imresize(hr, 1.0 / scale), -1.0, 1.0), hr))
    return out


# ----------------------------------------------------------------------------------------------- pipelines
def photo_crops(photos, size, count, seed=0) -> np.ndarray:
    """`count` random `size`² crops (crop i from photo i mod len), each flipped / transposed at random: `[count,
    size, size, C]` float32, the same for one seed."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, size, size, photos[0].shape[-1]), np.float32)
    for i in range(count):
        photo = photos[i % len(photos)]
        top = rng.integers(0, photo.shape[0] - size + 1)
        left = rng.integers(0, photo.shape[1] - size + 1)
        crop = photo[top : top + size, left : left + size]
        flip, transpose = rng.random(2) < 0.5
        crop = crop[:, ::-1] if flip else crop
        out[i] = np.transpose(crop, (1, 0, 2)) if transpose else crop
    return out


def _random_crops(images_ds, image_size, seed, count):
    """(index, image) → `count` stateless random crops with flips/rotations per image."""

    def crops(index, image):
        def one(k):
            key = tf.stack([tf.cast(seed, tf.int64), tf.cast(index, tf.int64) * 100003 + tf.cast(k, tf.int64)])
            shape = tf.shape(image)
            values = tf.random.stateless_uniform([4], key, 0.0, 1.0)
            top = tf.cast(values[0] * tf.cast(shape[0] - image_size + 1, tf.float32), tf.int32)
            left = tf.cast(values[1] * tf.cast(shape[1] - image_size + 1, tf.float32), tf.int32)
            crop = image[top : top + image_size, left : left + image_size, :]
            crop = tf.cond(values[2] < 0.5, lambda: crop[:, ::-1, :], lambda: crop)
            crop = tf.cond(values[3] < 0.5, lambda: tf.transpose(crop, [1, 0, 2]), lambda: crop)
            return tf.ensure_shape(crop, [image_size, image_size, None])

        return tf.data.Dataset.range(count).map(one)

    return images_ds.enumerate().flat_map(crops)


def _with_low_res(ds, scale, channels):
    def pair(hr):
        hr = tf.ensure_shape(hr, [None, None, channels])
        lr = tf.clip_by_value(bicubic_downscale(hr, scale), -1.0, 1.0)
        return lr, hr

    return ds.map(pair, num_parallel_calls=tf.data.AUTOTUNE)


def _channels(image, channels):
    if channels == 3:
        return image if image.shape[-1] == 3 else np.repeat(image[..., :1], 3, axis=-1)
    if channels == 1:
        return (image[..., :3] * np.array([0.299, 0.587, 0.114], np.float32)).sum(-1, keepdims=True)
    raise ValueError(f"Super-resolution data has 1 or 3 channels; got data.channels = {channels}.")


def super_resolution_dataset(c, seed=0, repeat=True):
    """(low_res, high_res) elements for data config `c` (`image_size` = the HR crop, `scale`, `channels`):
    source `photos` (bundled), `hr_folder` (`c.path`: a folder of HR images of any size) or `tfds` (e.g. `div2k`,
    its `hr` feature). Returns `(dataset, num_examples per pass)`."""
    size, scale = int(c.image_size), int(c.scale)
    if scale < 1 or size % scale:
        raise ValueError(f"data.image_size ({size}) must be a multiple of data.scale ({scale}).")
    if c.source == "photos":
        photos = [_channels(p, c.channels) for p in load_photos(c.split)]
        too_small = [p.shape for p in photos if min(p.shape[:2]) < size]
        if too_small:
            raise ValueError(f"data.image_size {size} is larger than photos of shape {too_small}.")
        count = c.max_examples or CROPS_PER_PHOTO * len(photos)
        ds = tf.data.Dataset.from_tensor_slices(photo_crops(photos, size, count, seed))
        n = count
    elif c.source == "hr_folder":
        ds, n = _folder_images(c.path, c.channels)
        ds = _random_crops(ds, size, seed, CROPS_PER_PHOTO)
        n = n * CROPS_PER_PHOTO
        if c.max_examples:
            ds, n = ds.take(c.max_examples), min(n, c.max_examples)
    elif c.source == "tfds":
        import tensorflow_datasets as tfds

        if not c.name:
            raise ValueError("data.source 'tfds' for super-resolution needs data.name (e.g. div2k/bicubic_x4).")
        raw = tfds.load(c.name, split=c.split)

        def hr(example):
            image = example["hr"] if isinstance(example, dict) and "hr" in example else example["image"]
            x = tf.cast(image, tf.float32) / 127.5 - 1.0
            return x if c.channels == 3 else tf.image.rgb_to_grayscale(x)

        ds = _random_crops(raw.map(hr), size, seed, 1)
        n = None
        if c.max_examples:
            ds = ds.take(c.max_examples)
    else:
        raise ValueError(
            f"data.source {c.source!r} has no super-resolution form; use photos (bundled), hr_folder (data.path) "
            "or tfds (data.name: div2k/...)."
        )
    ds = _with_low_res(ds, scale, c.channels)
    if c.cache and c.source == "photos":
        ds = ds.cache()
    if c.shuffle_buffer:
        ds = ds.shuffle(c.shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    return ds, n


def _folder_images(path, channels):
    import os

    from PIL import Image

    if not path or not os.path.isdir(path):
        raise FileNotFoundError(f"data.source 'hr_folder' reads HR images from data.path; {path!r} is not a folder.")
    files = sorted(os.path.join(path, f) for f in os.listdir(path)
                   if f.lower().endswith((".png", ".jpg", ".jpeg", ".bmp", ".webp")))
    if not files:
        raise FileNotFoundError(f"data.path {path!r} holds no .png/.jpg/.jpeg/.bmp/.webp images.")

    def load():
        for f in files:
            with Image.open(f) as im:
                x = np.asarray(im.convert("RGB"), np.float32) / 127.5 - 1.0
            yield _channels(x, channels)

    ds = tf.data.Dataset.from_generator(load, output_signature=tf.TensorSpec([None, None, channels], tf.float32))
    return ds, len(files)
