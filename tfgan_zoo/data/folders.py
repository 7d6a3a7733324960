"""Image folders: flat, class subfolders, paired A|B side by side, or paired A/ and B/ folders."""

from __future__ import annotations

import os

import tensorflow as tf

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


class ImageFolderError(ValueError):
    """A data folder that cannot give training data: no images, or an unpaired paired layout."""


def _unreadable(path) -> str | None:
    """Why `path` is not an image TensorFlow can decode (empty, not an image, corrupt structure), or None.
    Pillow reads the header and checks the structure (PNG chunk CRCs) without decoding the pixels."""
    from PIL import Image, UnidentifiedImageError

    if os.path.getsize(path) == 0:
        return "empty file"
    try:
        with Image.open(path) as img:
            if img.format not in ("PNG", "JPEG", "BMP", "GIF", "MPO"):
                return f"{img.format} data under an image extension"
            img.verify()
    except UnidentifiedImageError:
        return "not an image"
    except Exception as e:  # noqa: BLE001 - Pillow reports corruption with many exception types
        return f"corrupt ({type(e).__name__}: {e})"
    return None


def _list_images(folder, skip_bad_files=False):
    """The image files of `folder`, sorted. A file that cannot be decoded stops here with its name (or, with
    `skip_bad_files`, is left out with a warning that counts and names them) instead of failing training later."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Image folder {folder!r} does not exist.")
    files = sorted(
        os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTENSIONS)
    )
    bad = [(f, why) for f in files if (why := _unreadable(f))]
    if bad and not skip_bad_files:
        listed = "; ".join(f"{f}: {why}" for f, why in bad[:10]) + (f"; … {len(bad) - 10} more" if len(bad) > 10
                                                                     else "")
        raise ImageFolderError(f"{len(bad)} of {len(files)} files in {folder!r} are not readable images: {listed}. "
                               "Remove or replace them, or set data.skip_bad_files=true to train without them.")
    if bad:
        from absl import logging

        logging.warning("Skipping %d unreadable image file(s) of %d in %s: %s", len(bad), len(files), folder,
                        ", ".join(os.path.basename(f) for f, _ in bad[:10]) + (" …" if len(bad) > 10 else ""))
        dropped = {f for f, _ in bad}
        files = [f for f in files if f not in dropped]
    return files


def _decode(path, channels):
    img = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
    return tf.cast(img, tf.float32) / 127.5 - 1.0


def _resize(img, image_size):
    return tf.image.resize(img, (image_size, image_size), antialias=True)


def folder_dataset(path, image_size, channels, skip_bad_files=False):
    """Flat folder → images; folder of class subfolders → (images, labels) with classes sorted by name.

    Args:
        skip_bad_files: leave out files that are not readable images (counted and named in a warning) instead of
            stopping with their names.

    Returns:
        (dataset, num_examples, class_names or None).
    """
    files = _list_images(path, skip_bad_files)
    subdirs = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
    if files:
        ds = tf.data.Dataset.from_tensor_slices(files).map(
            lambda p: _resize(_decode(p, channels), image_size), num_parallel_calls=tf.data.AUTOTUNE
        )
        return ds, len(files), None
    if subdirs:
        paths, labels = [], []
        for i, d in enumerate(subdirs):
            f = _list_images(os.path.join(path, d), skip_bad_files)
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


def paired_dataset(path, image_size, channels, layout, skip_bad_files=False):
    """Paired images for image-to-image models.

    Args:
        layout: 'side_by_side' (each file is A|B, A on the left: the pix2pix datasets' format) or 'folders'
            (`path/A/x.png` pairs with `path/B/x.png`, matched by file name).
    """
    if layout == "side_by_side":
        files = _list_images(path, skip_bad_files)
        if not files:
            raise ImageFolderError(f"No images in {path!r} for paired side-by-side data.")

        def split(p):
            img = _decode(p, channels)
            w = tf.shape(img)[1] // 2
            return _resize(img[:, :w], image_size), _resize(img[:, w : 2 * w], image_size)

        return tf.data.Dataset.from_tensor_slices(files).map(split, num_parallel_calls=tf.data.AUTOTUNE), len(files)
    if layout == "folders":
        a_dir, b_dir = os.path.join(path, "A"), os.path.join(path, "B")
        a = {os.path.basename(f): f for f in _list_images(a_dir, skip_bad_files)}
        b = {os.path.basename(f): f for f in _list_images(b_dir, skip_bad_files)}
        names = sorted(set(a) & set(b))
        missing = sorted(set(a) ^ set(b))
        if skip_bad_files:  # a pair with one unreadable side goes as a whole, not as an unpaired file
            in_both = set(os.listdir(a_dir)) & set(os.listdir(b_dir))
            missing = [m for m in missing if m not in in_both]
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
