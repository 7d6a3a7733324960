"""Few-shot classes from real offline data: digits whose class is their typeface (`typeface_digits`).

Classes are the typefaces matplotlib ships (`printed_digits.TYPEFACES`) plus handwriting (scikit-learn's digits) as
one more class. `UNSEEN_TYPEFACES` are held out of training: a few-shot translator (FUNIT) never sees them and is
judged on translating held-out digits into them from K examples.

Training classes (`SEEN_CLASSES`, ids 0 .. 16): 0 = handwritten, then the 16 seen typefaces in `TYPEFACES` order.
A training element is FUNIT's: a content image and its class, and `shots` images of a class drawn uniformly
(then an image of it uniformly), with that class:

    (content [S, S, C], content_label int32, class_images [shots, S, S, C], class_label int32)

>>> len(SEEN_CLASSES), len(UNSEEN_TYPEFACES)
(17, 5)
"""

from __future__ import annotations

import functools

import numpy as np

from tfgan_zoo.data.printed_digits import TYPEFACES

#: typefaces held out of training (FUNIT's unseen classes): one of each style family, so each has seen relatives.
UNSEEN_TYPEFACES = ("DejaVuSans-BoldOblique", "DejaVuSansMono", "DejaVuSerif-Italic", "STIXGeneralBol", "cmtt10")
SEEN_TYPEFACES = tuple(t for t in TYPEFACES if t not in UNSEEN_TYPEFACES)
#: the training classes, by id: handwriting, then the seen typefaces.
SEEN_CLASSES = ("handwritten",) + SEEN_TYPEFACES
#: training elements per epoch of the source, as a multiple of its training images.
ELEMENTS_PER_IMAGE = 4


@functools.lru_cache(maxsize=8)
def _printed(image_size, split):
    from tfgan_zoo.data.printed_digits import load_printed_digits

    return load_printed_digits(image_size, split)


def typeface_digits(image_size=32, channels=1, split="train", unseen=False):
    """Images of the few-shot source: `(images [N, S, S, channels] in [-1, 1], class ids [N], digits [N])`.

    Args:
        split: 'train', 'test' or 'all' (the printed digits' fixed split and the handwritten digits' 90/10 one).
        unseen: False: the training classes (ids index `SEEN_CLASSES`: 0 = handwritten). True: only the held-out
            typefaces, with ids indexing `UNSEEN_TYPEFACES`.
    """
    from tfgan_zoo.data import bundled

    if channels not in (1, 3):
        raise ValueError(f"typeface digits are grayscale: channels must be 1 or 3, got {channels}.")
    images, digits, faces = _printed(int(image_size), split)
    names = np.asarray(TYPEFACES)[faces]
    if unseen:
        keep = np.isin(names, UNSEEN_TYPEFACES)
        ids = np.asarray([UNSEEN_TYPEFACES.index(n) for n in names[keep]], np.int32)
        out, out_digits = images[keep], digits[keep]
    else:
        keep = np.isin(names, SEEN_TYPEFACES)
        hand, hand_digits = bundled.load_digits(image_size, 1, split)
        ids = np.concatenate([np.zeros(len(hand), np.int32),
                              np.asarray([SEEN_CLASSES.index(n) for n in names[keep]], np.int32)])
        out = np.concatenate([hand, images[keep]]).astype(np.float32)
        out_digits = np.concatenate([np.asarray(hand_digits, np.int32), digits[keep]])
    if channels == 3:
        out = np.repeat(out, 3, axis=-1)
    return out.astype(np.float32), ids, out_digits.astype(np.int32)


def few_shot_indices(class_ids, n, shots=1, seed=0):
    """`n` FUNIT training draws over images with `class_ids`: (content index [n], class image indices [n, shots],
    class label [n]). Content and class are each a class drawn uniformly, then an image of it (so handwriting, one
    class of many images, is not over-represented)."""
    rng = np.random.default_rng(seed)
    classes = np.unique(class_ids)
    members = [np.flatnonzero(class_ids == c) for c in classes]

    def draw(which):
        return np.asarray([members[w][rng.integers(len(members[w]))] for w in which], np.int64)

    content = draw(rng.integers(len(classes), size=n))
    target = rng.integers(len(classes), size=n)
    class_images = np.stack([draw(target) for _ in range(shots)], axis=1) if shots > 1 else draw(target)[:, None]
    return content, class_images, classes[target].astype(np.int32)


def few_shot_dataset(c, seed=0, repeat=True, shots=1):
    """The unbatched `tf.data` training elements of `typeface_digits` for a `DataConfig` `c`: `(dataset, n)`."""
    import tensorflow as tf

    images, ids, _ = typeface_digits(c.image_size, c.channels, c.split)
    n = ELEMENTS_PER_IMAGE * len(images)
    if c.max_examples:
        n = min(n, int(c.max_examples))
    content, class_images, class_labels = few_shot_indices(ids, n, shots, seed)
    pool = tf.constant(images)
    labels = tf.constant(ids)
    ds = tf.data.Dataset.from_tensor_slices((content, class_images, class_labels))
    if c.shuffle_buffer:
        ds = ds.shuffle(c.shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()

    def gather(i, j, label):
        return tf.gather(pool, i), tf.gather(labels, i), tf.gather(pool, j), label

    return ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True), n
