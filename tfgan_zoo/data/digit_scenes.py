"""Semantic label maps that ship offline: digit scenes, plus loaders for the official Cityscapes and ADE20K layouts.

**Digit scenes** (`load_digit_scenes`): square canvases composed of 1-4 real handwritten digits of scikit-learn's
`load_digits` (8×8 originals, bilinearly resized to a random side of 35-65 % of the canvas) at random positions; a
later digit is painted over an earlier one. Each scene has

* `labels` int32 `[S, S]`: the semantic map, 0 = background and `digit + 1` where that digit's ink (resized
  intensity in [0, 1]) exceeds `INK_THRESHOLD`: 11 classes (`NUM_CLASSES`);
* `instances` int32 `[S, S]`: 0 = background and `k` (1, 2, ...) on the ink of the k-th placed digit;
* `images` float32 `[S, S, C]` in [-1, 1]: grayscale (C = 1: black background, each digit's ink scaled by its own
  brightness in [0.6, 1]) or colourised (C = 3: a dark random background colour, each digit inked in its own random
  bright colour), so one label map has many valid images (what a style input of GauGAN / pix2pixHD selects).

Scenes are a pure function of `(image_size, channels, split, num_scenes, seed)`. Train and held-out scenes use
disjoint source digits: the stratified 75 / 25 split of the shipped digits classifier (`evaluation/digits.py`), so
the shipped scene segmenter (`evaluation/scene_segmenter.py`) is scored on digits it never saw.

**Folder layouts** (`cityscapes_dataset`, `ade20k_dataset`): Cityscapes `gtFine/<split>/<city>/*_gtFine_labelIds.png`
+ `*_gtFine_instanceIds.png` with `leftImg8bit/<split>/<city>/*_leftImg8bit.png` (35 label ids, as pix2pixHD and SPADE
use them); ADE20K (SceneParsing, `ADEChallengeData2016`) `images/<training|validation>/*.jpg` with
`annotations/<training|validation>/*.png` (0 = "other", 1-150 the classes; no instance maps). Label and instance
maps are resized with nearest neighbour, images bilinearly; elements are dicts `{labels, instances, images}`.
"""

from __future__ import annotations

import functools
import glob
import os

import numpy as np

#: background + the ten digits.
NUM_CLASSES = 11
#: a pixel belongs to a digit where its resized ink intensity (in [0, 1]) exceeds this.
INK_THRESHOLD = 0.35
#: scenes per split when `num_scenes` is not given.
DEFAULT_SCENES = {"train": 4000, "test": 500}
#: the digit side as a fraction of the canvas side.
DIGIT_SCALE = (0.35, 0.65)
MAX_DIGITS = 4
SEMANTIC_SOURCES = ("digit_scenes", "cityscapes", "ade20k")


def _source_digits(split):
    """The 8×8 digits (values in [0, 1]) and labels of a split of the shipped classifier's stratified split."""
    from tfgan_zoo.evaluation.digits import digits_images

    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all' for digit scenes, got {split!r}.")
    images, labels = digits_images(8, split)
    return (images[..., 0] + 1.0) / 2.0, labels


def _resize(digit, side):
    from skimage.transform import resize

    return np.clip(resize(digit, (side, side), order=1, mode="edge", anti_aliasing=False), 0.0, 1.0)


@functools.lru_cache(maxsize=8)
def _scenes(image_size, channels, split, num_scenes, seed, max_digits):
    digits, digit_labels = _source_digits(split)
    # one stream per split and seed; the split is mixed in so train and test scenes differ in layout too
    rng = np.random.default_rng([seed, {"train": 0, "test": 1, "all": 2}[split], image_size])
    s = image_size
    labels = np.zeros((num_scenes, s, s), np.int32)
    instances = np.zeros((num_scenes, s, s), np.int32)
    images = np.zeros((num_scenes, s, s, channels), np.float32)
    lo, hi = (max(4, int(round(f * s))) for f in DIGIT_SCALE)
    for n in range(num_scenes):
        if channels == 3:
            background = rng.uniform(0.0, 0.35, 3)
        else:
            background = np.zeros(1)
        canvas = np.broadcast_to(background, (s, s, channels)).copy()
        for k in range(int(rng.integers(1, max_digits + 1))):
            i = int(rng.integers(len(digits)))
            side = int(rng.integers(lo, hi + 1))
            y, x = (int(v) for v in rng.integers(0, s - side + 1, 2))
            ink = _resize(digits[i], side)
            colour = rng.uniform(0.55, 1.0, 3) if channels == 3 else np.full(1, rng.uniform(0.6, 1.0))
            mask = ink > INK_THRESHOLD
            region = canvas[y : y + side, x : x + side]
            # alpha-composite the ink over what is there (soft edges), labels where the ink is solid
            region[:] = region * (1.0 - ink[..., None]) + colour * ink[..., None]
            labels[n, y : y + side, x : x + side][mask] = digit_labels[i] + 1
            instances[n, y : y + side, x : x + side][mask] = k + 1
        images[n] = canvas
    return images * 2.0 - 1.0, labels, instances


def load_digit_scenes(image_size: int = 32, channels: int = 1, split: str = "train", num_scenes: int | None = None,
                      seed: int = 0, max_digits: int = MAX_DIGITS) -> dict:
    """Digit scenes as numpy: `{"images": [N, S, S, C] float32 in [-1, 1], "labels": [N, S, S] int32 in [0, 11),
    "instances": [N, S, S] int32}` (see the module docstring).

    Args:
        image_size: canvas side (>= 16).
        channels: 1 (grayscale) or 3 (colourised).
        split: 'train' or 'test' (disjoint source digits), or 'all'.
        num_scenes: scenes to compose (default 4,000 train / 500 test).
        seed: the layout stream; the same arguments always give the same scenes.
        max_digits: at most this many digits per scene (at least one).
    """
    if channels not in (1, 3):
        raise ValueError(f"digit scenes are grayscale (channels=1) or colourised (channels=3); got {channels}.")
    if image_size < 16:
        raise ValueError(f"digit scenes need image_size >= 16 so a digit stays legible, got {image_size}.")
    if max_digits < 1:
        raise ValueError(f"max_digits must be >= 1, got {max_digits}.")
    n = int(num_scenes or DEFAULT_SCENES.get(split, DEFAULT_SCENES["train"]))
    images, labels, instances = _scenes(int(image_size), int(channels), split, n, int(seed), int(max_digits))
    return {"images": images.copy(), "labels": labels.copy(), "instances": instances.copy()}


def colorize_labels(labels, num_classes: int = NUM_CLASSES):
    """A label map `[..., H, W]` as an RGB picture in [-1, 1] `[..., H, W, 3]` (background black, a fixed colour
    per class), for sample grids."""
    rng = np.random.default_rng(1234)
    palette = np.concatenate([np.zeros((1, 3)), rng.uniform(0.25, 1.0, (max(num_classes, 1) - 1, 3))])
    return (palette[np.clip(np.asarray(labels), 0, len(palette) - 1)] * 2.0 - 1.0).astype(np.float32)


# ------------------------------------------------------------------------------------------------ folder layouts
def _pairs(root, patterns, what, hint):
    found = []
    for pattern, derive in patterns:
        for path in sorted(glob.glob(os.path.join(root, pattern), recursive=True)):
            found.append((path, *derive(path)))
    if not found:
        raise FileNotFoundError(f"No {what} under {root!r}. {hint}")
    missing = [p for row in found for p in row[1:] if p and not os.path.exists(p)]
    if missing:
        raise FileNotFoundError(f"{what}: {len(missing)} file(s) named by the layout do not exist, e.g. "
                                f"{missing[0]!r}. {hint}")
    return found


CITYSCAPES_HINT = ("Cityscapes is read from the official layout: ROOT/gtFine/<split>/<city>/*_gtFine_labelIds.png "
                   "and *_gtFine_instanceIds.png with ROOT/leftImg8bit/<split>/<city>/*_leftImg8bit.png "
                   "(gtFine_trainvaltest.zip and leftImg8bit_trainvaltest.zip from cityscapes-dataset.com).")
ADE20K_HINT = ("ADE20K is read from the SceneParsing layout: ROOT/images/<training|validation>/*.jpg with "
               "ROOT/annotations/<training|validation>/*.png (ADEChallengeData2016.zip).")


def cityscapes_files(root, split="train"):
    """[(image, labelIds, instanceIds)] of a Cityscapes split."""
    def derive(label_path):
        stem = label_path[: -len("_gtFine_labelIds.png")]
        image = stem.replace(os.sep + "gtFine" + os.sep, os.sep + "leftImg8bit" + os.sep) + "_leftImg8bit.png"
        return stem + "_gtFine_instanceIds.png", image

    rows = _pairs(root, [(os.path.join("gtFine", split, "*", "*_gtFine_labelIds.png"), derive)],
                  f"Cityscapes {split!r} label maps", CITYSCAPES_HINT)
    return [(image, label, inst) for label, inst, image in rows]


def ade20k_files(root, split="training"):
    """[(image, annotation)] of an ADE20K split ('training' or 'validation'; 'train'/'val'/'test' map to them)."""
    split = {"train": "training", "val": "validation", "test": "validation"}.get(split, split)

    def derive(annotation):
        name = os.path.splitext(os.path.basename(annotation))[0] + ".jpg"
        return (os.path.join(root, "images", split, name),)

    rows = _pairs(root, [(os.path.join("annotations", split, "*.png"), derive)], f"ADE20K {split!r} annotations",
                  ADE20K_HINT)
    return [(image, annotation) for annotation, image in rows]


def _decode_map(path, dtype):
    """A label map (8-bit PNG: `dtype` uint8) or an instance map (Cityscapes' 16-bit ids reach 33,000: uint16; an
    8-bit PNG read as uint16 is scaled by 257, which keeps every id distinct, so its boundaries are the same)."""
    import tensorflow as tf

    return tf.cast(tf.io.decode_png(tf.io.read_file(path), channels=1, dtype=dtype)[..., 0], tf.int32)


def _folder_dataset(rows, image_size, channels, aspect_ratio=1.0):
    import tensorflow as tf

    height = int(image_size)
    width = int(round(image_size * aspect_ratio))
    images = [r[0] for r in rows]
    labels = [r[1] for r in rows]
    instances = [r[2] if len(r) > 2 else "" for r in rows]

    def load(image_path, label_path, instance_path):
        image = tf.image.decode_image(tf.io.read_file(image_path), channels=channels, expand_animations=False)
        image = tf.image.resize(tf.cast(image, tf.float32) / 127.5 - 1.0, (height, width), antialias=True)
        label = _decode_map(label_path, tf.uint8)
        size = (height, width)
        nearest = lambda m: tf.image.resize(m[..., None], size, method="nearest")[..., 0]  # noqa: E731
        label = nearest(label)
        instance = tf.cond(tf.strings.length(instance_path) > 0,
                           lambda: nearest(_decode_map(instance_path, tf.uint16)), lambda: tf.zeros(size, tf.int32))
        return {"labels": tf.cast(label, tf.int32), "instances": tf.cast(instance, tf.int32),
                "images": tf.clip_by_value(image, -1.0, 1.0)}

    ds = tf.data.Dataset.from_tensor_slices((images, labels, instances))
    return ds.map(load, num_parallel_calls=tf.data.AUTOTUNE), len(rows)


def cityscapes_dataset(root, split="train", image_size=256, channels=3, aspect_ratio=2.0):
    """Cityscapes `{labels, instances, images}` elements at `image_size` × `image_size·aspect_ratio`."""
    return _folder_dataset(cityscapes_files(root, split), image_size, channels, aspect_ratio)


def ade20k_dataset(root, split="training", image_size=256, channels=3, aspect_ratio=1.0):
    """ADE20K `{labels, instances (zeros), images}` elements."""
    return _folder_dataset(ade20k_files(root, split), image_size, channels, aspect_ratio)


def semantic_dataset(c, task, seed=0, repeat=True, aspect_ratio=None):
    """The unbatched training dataset of a semantic-synthesis model from a `DataConfig`: `(dataset, n)`. Folder
    images are `data.image_size` high and `aspect_ratio` × as wide (default: Cityscapes 2, ADE20K 1). An
    unconditional model on `digit_scenes` gets the scene images alone."""
    import tensorflow as tf

    # an unconditional GAN learns the scene images alone (GAN Dissection's scene generators: the maps judge it)
    images_only = (c.source == "digit_scenes" and not getattr(task, "semantic", False)
                   and tuple(task.batch_keys) == ("images",))
    if not getattr(task, "semantic", False) and not images_only:
        raise ValueError(f"data.source {c.source!r} gives (label map, instance map, image) triples (images alone "
                         f"for an unconditional model from digit_scenes); a {task.name} model needs another source. "
                         f"{task.data_hint}")
    if c.source == "digit_scenes":
        split = c.split if c.split in ("train", "test", "all") else "train"
        scenes = load_digit_scenes(c.image_size, c.channels, split, num_scenes=c.max_examples or None, seed=0)
        ds = tf.data.Dataset.from_tensor_slices(scenes["images"] if images_only else scenes)
        n = len(scenes["images"])
    elif c.source in ("cityscapes", "ade20k"):
        if not c.path:
            raise ValueError(f"data.source {c.source!r} reads the official folder layout at data.path. "
                             + (CITYSCAPES_HINT if c.source == "cityscapes" else ADE20K_HINT))
        loader = cityscapes_dataset if c.source == "cityscapes" else ade20k_dataset
        if aspect_ratio is None:
            aspect_ratio = 2.0 if c.source == "cityscapes" else 1.0
        ds, n = loader(c.path, c.split, c.image_size, c.channels, aspect_ratio)
        if c.max_examples:
            ds, n = ds.take(c.max_examples), min(n, c.max_examples)
    else:
        raise ValueError(f"A {task.name} model trains on data.source one of {SEMANTIC_SOURCES}; got {c.source!r}.")
    if c.cache:
        ds = ds.cache()
    if c.shuffle_buffer:
        ds = ds.shuffle(c.shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    return ds, n
