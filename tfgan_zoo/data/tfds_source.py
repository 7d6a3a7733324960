"""TFDS datasets by name (needs network the first time; tests use tfds.testing.mock_data)."""

from __future__ import annotations

import tensorflow as tf


def tfds_dataset(name, split, image_size, channels, with_labels, attributes=()):
    """Images in [-1, 1] (and, `with_labels`, int class labels, or with `attributes` a float {0, 1} vector of those
    boolean features of the example's `attributes` dict, in the order given)."""
    import tensorflow_datasets as tfds

    ds = tfds.load(name, split=split, shuffle_files=False)
    attributes = list(attributes)
    if attributes:
        spec = ds.element_spec.get("attributes") if isinstance(ds.element_spec, dict) else None
        if not isinstance(spec, dict):
            raise ValueError(
                f"TFDS dataset {name!r} has no 'attributes' feature; data.attributes needs one (e.g. celeb_a)."
            )
        unknown = [a for a in attributes if a not in spec]
        if unknown:
            raise ValueError(
                f"Unknown attribute(s) {unknown} for TFDS dataset {name!r}; it has: {', '.join(sorted(spec))}."
            )

    def convert(example):
        img = tf.cast(example["image"], tf.float32)
        if img.shape[-1] != channels:
            img = tf.image.grayscale_to_rgb(img) if channels == 3 else tf.image.rgb_to_grayscale(img)
        img = tf.image.resize(img, (image_size, image_size), antialias=True) / 127.5 - 1.0
        img = tf.clip_by_value(img, -1.0, 1.0)
        if with_labels and attributes:
            return img, tf.stack([tf.cast(example["attributes"][a], tf.float32) for a in attributes])
        if with_labels:
            if "label" not in example:
                raise ValueError(f"TFDS dataset {name!r} has no 'label' feature; a conditional model needs one.")
            return img, tf.cast(example["label"], tf.int32)
        return img

    return ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE)
