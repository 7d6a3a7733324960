"""TFDS datasets by name (needs network the first time; tests use tfds.testing.mock_data)."""

from __future__ import annotations

import tensorflow as tf


def tfds_dataset(name, split, image_size, channels, with_labels):
    import tensorflow_datasets as tfds

    ds = tfds.load(name, split=split, shuffle_files=False)

    def convert(example):
        img = tf.cast(example["image"], tf.float32)
        if img.shape[-1] != channels:
            img = tf.image.grayscale_to_rgb(img) if channels == 3 else tf.image.rgb_to_grayscale(img)
        img = tf.image.resize(img, (image_size, image_size), antialias=True) / 127.5 - 1.0
        img = tf.clip_by_value(img, -1.0, 1.0)
        if with_labels:
            if "label" not in example:
                raise ValueError(f"TFDS dataset {name!r} has no 'label' feature; a conditional model needs one.")
            return img, tf.cast(example["label"], tf.int32)
        return img

    return ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE)
