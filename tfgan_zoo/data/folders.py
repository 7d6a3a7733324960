"""Image folders: flat, class subfolders, paired A|B side by side, or paired A/ and B/ folders."""

from __future__ import annotations

import os

import tensorflow as tf

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


class ImageFolderError(ValueError):
    """A data folder that cannot give training data: no images, or an unpaired paired layout."""


def _list_images(folder):
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Image folder {folder!r} does not exist.")
    files = sorted(
        os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTENSIONS)
    )
    return files


def _decode(path, channels):
    img = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
    return tf.cast(img, tf.float32) / 127.5 - 1.0


def _resize(img, image_size):
    return tf.image.resize(img, (image_size, image_size), antialias=True)


def folder_dataset(path, image_size, channels):
    """Flat folder → images; folder of class subfolders → (images, labels) with classes sorted by name.

    Returns:
        (dataset, num_examples, class_names or None).
    """
    files = _list_images(path)
    subdirs = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
    if files:
        ds = tf.data.Dataset.from_tensor_slices(files).map(
            lambda p: _resize(_decode(p, channels), image_size), num_parallel_calls=tf.data.AUTOTUNE
        )
        return ds, len(files), None
    if subdirs:
        paths, labels = [], []
        for i, d in enumerate(subdirs):
            f = _list_images(os.path.join(path, d))
            paths += f
            labels += [i] * len(f)
        if not paths:
            raise ImageFolderError(f"No images ({', '.join(IMAGE_EXTENSIONS)}) in the class subfolders of {path!r}.")
        ds = tf.data.Dataset.from_tensor_slices((paths, labels)).map(
            lambda p, y: (_resize(_decode(p, channels), image_size), tf.cast(y, tf.int32)),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        return ds, len(paths), subdirs
    raise ImageFolderError(f"No images ({', '.join(IMAGE_EXTENSIONS)}) and no class subfolders in {path!r}.")


def paired_dataset(path, image_size, channels, layout):
    """Paired images for image-to-image models.

    Args:
        layout: 'side_by_side' (each file is A|B, A on the left: the pix2pix datasets' format) or 'folders'
            (`path/A/x.png` pairs with `path/B/x.png`, matched by file name).
    """
    if layout == "side_by_side":
        files = _list_images(path)
        if not files:
            raise ImageFolderError(f"No images in {path!r} for paired side-by-side data.")

        def split(p):
            img = _decode(p, channels)
            w = tf.shape(img)[1] // 2
            return _resize(img[:, :w], image_size), _resize(img[:, w : 2 * w], image_size)

        return tf.data.Dataset.from_tensor_slices(files).map(split, num_parallel_calls=tf.data.AUTOTUNE), len(files)
    if layout == "folders":
        a_dir, b_dir = os.path.join(path, "A"), os.path.join(path, "B")
        a = {os.path.basename(f): f for f in _list_images(a_dir)}
        b = {os.path.basename(f): f for f in _list_images(b_dir)}
        names = sorted(set(a) & set(b))
        missing = sorted(set(a) ^ set(b))
        if missing:
            raise ImageFolderError(f"Unpaired files in {a_dir} / {b_dir} (present in only one): {missing[:5]}...")
        if not names:
            raise ImageFolderError(f"No paired images in {a_dir} and {b_dir}.")
        ds = tf.data.Dataset.from_tensor_slices(([a[n] for n in names], [b[n] for n in names])).map(
            lambda pa, pb: (_resize(_decode(pa, channels), image_size), _resize(_decode(pb, channels), image_size)),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        return ds, len(names)
    raise ValueError(f"Unknown paired layout {layout!r}; expected 'side_by_side' or 'folders'.")
