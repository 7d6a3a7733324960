"""`tf.data` pipelines for every task, from TFDS, image folders and bundled real data."""

from __future__ import annotations

import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.data import bundled
from tfgan_zoo.data.folders import folder_dataset, paired_dataset
from tfgan_zoo.data.tfds_source import tfds_dataset

SOURCES = ("digits", "digits_edges", "skimage_faces", "skimage_images", "tfds", "folder", "paired_folder")


def load_arrays(source, image_size, channels, split="train"):
    """Bundled sources as numpy arrays: (images, labels) or, for paired sources, (source, target)."""
    if source == "digits":
        return bundled.load_digits(image_size, channels, split)
    if source == "digits_edges":
        return bundled.load_digits_edges(image_size, channels, split)
    if source == "skimage_faces":
        return bundled.load_skimage_faces(image_size, channels)
    if source == "skimage_images":
        return bundled.load_skimage_images(image_size, channels)
    raise ValueError(
        f"{source!r} is not a bundled source; bundled: digits, digits_edges, skimage_faces, skimage_images."
    )


def build_dataset(data_config, task, batch_size, seed=0, repeat=True):
    """Builds the training `tf.data.Dataset` for a task from a `DataConfig`.

    Args:
        task: a `tfgan_zoo.tasks.Task` (usually `model.task`) or its name. Elements hold the task's `batch_keys`:
            images; (images, labels); (source, target).

    Batches are of exactly `batch_size` (remainder dropped), shuffled, repeated and prefetched.
    Batches are of exactly `batch_size` (remainder dropped), shuffled, repeated and prefetched.

    Returns:
        (dataset, num_examples)
    """
    c = data_config
    task = tasks.get_task(task)
    if not task.batch_keys:
        raise ValueError(f"{task!r} depends on the model instance; pass `model.task`.")
    if c.source not in SOURCES:
        raise ValueError(f"Unknown data.source {c.source!r}; expected one of {SOURCES}.")
    paired_task = task.paired
    if c.source in ("digits", "skimage_faces", "skimage_images", "digits_edges"):
        if paired_task != (c.source == "digits_edges"):
            raise ValueError(
                f"data.source {c.source!r} does not fit a {task.name} model: image-to-image models need a paired "
                "source "
                "(digits_edges, paired_folder); the others need an unpaired one."
            )
        a, b = load_arrays(c.source, c.image_size, c.channels, c.split)
        if c.max_examples:
            a, b = a[: c.max_examples], b[: c.max_examples]
        ds = tf.data.Dataset.from_tensor_slices((a, b))
        n = len(a)
        has_labels = c.source == "digits"
        if task.labels and not has_labels:
            raise ValueError(f"data.source {c.source!r} has no class labels; a conditional model needs them.")
        if not paired_task and not task.labels:
            ds = ds.map(lambda x, y: x)
    elif c.source == "tfds":
        if not c.name:
            raise ValueError("data.source 'tfds' needs data.name (e.g. mnist, cifar10, celeb_a).")
        if paired_task:
            raise ValueError("TFDS paired datasets are not wired yet; use data.source 'paired_folder'.")
        ds = tfds_dataset(c.name, c.split, c.image_size, c.channels, with_labels=task.labels,
                          attributes=c.attributes)
        n = None
        if c.max_examples:
            ds = ds.take(c.max_examples)
    elif c.source == "folder":
        if paired_task:
            raise ValueError("An image-to-image model needs data.source 'paired_folder'.")
        ds, n, classes = folder_dataset(c.path, c.image_size, c.channels)
        if task.labels and classes is None:
            raise ValueError(f"A conditional model needs class subfolders in {c.path!r}.")
        if not task.labels and classes is not None:
            ds = ds.map(lambda x, y: x)
    else:  # paired_folder
        if not paired_task:
            raise ValueError("data.source 'paired_folder' is for image-to-image models.")
        ds, n = paired_dataset(c.path, c.image_size, c.channels, c.paired or "side_by_side")
    if c.cache:
        ds = ds.cache()
    if c.shuffle_buffer:
        ds = ds.shuffle(c.shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    return ds, n
