"""`tf.data` pipelines for every task, from TFDS, image folders and bundled real data."""

from __future__ import annotations

import os

import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.data import bundled
from tfgan_zoo.data.folders import folder_dataset, paired_dataset
from tfgan_zoo.data.tfds_source import tfds_dataset

SOURCES = ("digits", "digits_edges", "skimage_faces", "skimage_images", "tfds", "folder", "paired_folder",
           "digits_printed", "unpaired_folder", "typeface_digits",
           "digits_attributes", "photos", "hr_folder", "digit_scenes", "cityscapes", "ade20k",
           "digit_captions", "text_embeddings")
#: sources of unpaired two-domain data (a, b); `tfds` with a two-domain name (`cycle_gan/horse2zebra`) also is one.
TWO_DOMAIN_SOURCES = ("digits_printed", "unpaired_folder", "tfds")


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
    if getattr(task, "few_shot", False) or c.source == "typeface_digits":
        if not getattr(task, "few_shot", False) or c.source != "typeface_digits":
            raise ValueError(f"data.source {c.source!r} does not fit a {task.name} model: few-shot translators train "
                             "on data.source 'typeface_digits' (classes are typefaces), and that source is only for "
                             "them.")
        from tfgan_zoo.data.few_shot import few_shot_dataset

        ds, n = few_shot_dataset(c, seed, repeat)
        return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE), n
    if getattr(task, "super_resolution", False) or c.source in ("photos", "hr_folder"):  # data/photos.py
        if not getattr(task, "super_resolution", False):
            raise ValueError(f"data.source {c.source!r} gives (low_res, high_res) pairs for super-resolution models; "
                             f"a {task.name} model needs another source. {task.data_hint}")
        from tfgan_zoo.data.photos import super_resolution_dataset

        ds, n = super_resolution_dataset(c, seed, repeat)
        return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE), n
    if getattr(task, "semantic", False) or c.source in ("digit_scenes", "cityscapes", "ade20k"):  # digit_scenes.py
        from tfgan_zoo.data.digit_scenes import semantic_dataset

        ds, n = semantic_dataset(c, task, seed, repeat)
        return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE), n
    if getattr(task, "text", False) or c.source in ("digit_captions", "text_embeddings"):  # data/digit_captions.py
        from tfgan_zoo.data.digit_captions import text_to_image_dataset

        ds, n = text_to_image_dataset(c, task, seed, repeat)
        return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE), n
    if task.multi_domain or c.source == "digits_attributes":  # (images, domain labels): data/digit_attributes.py
        from tfgan_zoo.data.digit_attributes import multi_domain_dataset

        ds, n = multi_domain_dataset(c, task, seed, repeat)
        return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE), n
    if task.two_domain or c.source in ("digits_printed", "unpaired_folder") or c.domains:
        ds, n = _two_domain_dataset(c, task, seed, repeat)
        return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE), n
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
        ds, n, classes = folder_dataset(c.path, c.image_size, c.channels, c.skip_bad_files)
        if task.labels and classes is None:
            raise ValueError(f"A conditional model needs class subfolders in {c.path!r}.")
        if not task.labels and classes is not None:
            ds = ds.map(lambda x, y: x)
    else:  # paired_folder
        if not paired_task:
            raise ValueError("data.source 'paired_folder' is for image-to-image models.")
        ds, n = paired_dataset(c.path, c.image_size, c.channels, c.paired or "side_by_side", c.skip_bad_files)
    if c.cache:
        ds = ds.cache()
    if c.shuffle_buffer:
        ds = ds.shuffle(c.shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    return ds, n


def two_domain_arrays(source, image_size, channels, split="train"):
    """Bundled two-domain data as numpy: `(a_images, a_labels, b_images, b_labels)`; the labels (digits) are for
    evaluation only, models never see them."""
    if source != "digits_printed":
        raise ValueError(f"{source!r} is not a bundled two-domain source; bundled: digits_printed.")
    from tfgan_zoo.data.printed_digits import load_handwritten_printed

    return load_handwritten_printed(image_size, channels, split)


def _two_domain_dataset(c, task, seed, repeat):
    """Unpaired (a, b) elements: each domain shuffled on its own (different seeds, so no pairs form) and zipped."""
    if not task.two_domain:
        raise ValueError(
            f"data.source {c.source!r} gives unpaired two-domain data (a, b); a {task.name} model needs "
            f"another source. {task.data_hint}"
        )
    if c.domains:
        domains, n = _derived_domains(c)
    elif c.source == "digits_printed":
        a, _, b, _ = two_domain_arrays(c.source, c.image_size, c.channels, c.split)
        if c.max_examples:
            a, b = a[: c.max_examples], b[: c.max_examples]
        domains, n = [tf.data.Dataset.from_tensor_slices(a), tf.data.Dataset.from_tensor_slices(b)], max(len(a), len(b))
    elif c.source == "unpaired_folder":
        domains, counts = [], []
        for side in ("A", "B"):
            folder = os.path.join(c.path, f"{c.split}{side}")
            if not os.path.isdir(folder):
                raise FileNotFoundError(
                    f"data.source 'unpaired_folder' reads {c.path!r}/{c.split}A and {c.split}B (the official CycleGAN "
                    f"layout: trainA/, trainB/, testA/, testB/); {folder!r} does not exist."
                )
            ds, count, classes = folder_dataset(folder, c.image_size, c.channels, c.skip_bad_files)
            if classes is not None:
                raise ValueError(f"{folder!r} holds subfolders; an unpaired domain folder holds the images directly.")
            domains.append(ds.take(c.max_examples) if c.max_examples else ds)
            counts.append(min(count, c.max_examples) if c.max_examples else count)
        n = max(counts)
    elif c.source == "tfds":
        if not c.name:
            raise ValueError("data.source 'tfds' needs data.name (e.g. cycle_gan/horse2zebra).")
        split = c.split[:-1] if c.split.endswith(("A", "B")) else c.split
        domains = [tfds_dataset(c.name, f"{split}{side}", c.image_size, c.channels, with_labels=False)
                   for side in ("A", "B")]
        if c.max_examples:
            domains = [d.take(c.max_examples) for d in domains]
        n = None
    else:
        raise ValueError(
            f"data.source {c.source!r} has no two-domain form; use digits_printed, unpaired_folder or tfds "
            "(cycle_gan/NAME), or derive domain B with data.domains: edges | negative | attribute."
        )
    out = []
    for i, ds in enumerate(domains):
        if c.cache:
            ds = ds.cache()
        if c.shuffle_buffer:
            ds = ds.shuffle(c.shuffle_buffer, seed=seed + 1000 * (i + 1), reshuffle_each_iteration=True)
        if repeat:
            ds = ds.repeat()
        out.append(ds)
    return tf.data.Dataset.zip((out[0], out[1])), n


def morphological_gradient(images):
    """Edge maps of images in [-1, 1]: 3×3 dilation minus 3×3 erosion of the [0, 1] intensities, back in [-1, 1]."""
    x = (images + 1.0) / 2.0
    squeeze = images.shape.rank == 3
    if squeeze:
        x = x[None]
    dilation = tf.nn.max_pool2d(x, 3, 1, "SAME")
    erosion = -tf.nn.max_pool2d(-x, 3, 1, "SAME")
    edges = (dilation - erosion) * 2.0 - 1.0
    return edges[0] if squeeze else edges


def _every_other(ds, parity):
    """Elements `parity`, `parity + 2`, ... of `ds`."""

    def keep(index, element):
        return tf.equal(index % 2, parity)

    def drop_index(index, element):
        return element

    return ds.enumerate().filter(keep).map(drop_index)


def _derived_domains(c):
    """Two domains from a one-domain set (`data.domains`): disjoint halves with B transformed, or an attribute split."""
    if c.domains in ("edges", "negative"):
        if c.source in ("digits", "skimage_faces", "skimage_images"):
            images, _ = load_arrays(c.source, c.image_size, c.channels, c.split)
            base, n = tf.data.Dataset.from_tensor_slices(images), (len(images) + 1) // 2
        elif c.source == "tfds":
            base = tfds_dataset(c.name, c.split, c.image_size, c.channels, with_labels=False)
            n = None
        elif c.source == "folder":
            base, count, _ = folder_dataset(c.path, c.image_size, c.channels, c.skip_bad_files)
            n = (count + 1) // 2
        else:
            raise ValueError(f"data.domains {c.domains!r} derives domain B from a one-domain source (digits, tfds, "
                             f"folder, ...); got data.source {c.source!r}.")
        if c.max_examples:
            base = base.take(2 * c.max_examples)
        transform = morphological_gradient if c.domains == "edges" else tf.negative
        return [_every_other(base, 0), _every_other(base, 1).map(transform)], n
    # 'attribute': the config check guarantees tfds and one attribute
    labelled = tfds_dataset(c.name, c.split, c.image_size, c.channels, with_labels=True, attributes=c.attributes)
    a = labelled.filter(lambda x, y: y[0] > 0.5).map(lambda x, y: x)
    b = labelled.filter(lambda x, y: y[0] <= 0.5).map(lambda x, y: x)
    if c.max_examples:
        a, b = a.take(c.max_examples), b.take(c.max_examples)
    return [a, b], None
