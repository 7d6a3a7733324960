"""Captioned digits: real text-to-image data built offline from what is measured on each bundled handwritten digit.

Every image is one of scikit-learn's handwritten digits (`bundled.load_digits`). `measure(images)` measures on the
pixels (ink = the image mapped to [0, 1]):

* `thickness`: stroke width in pixels at 32 × 32, the ink mass divided by the length of the stroke's skeleton
  (scikit-image's `skeletonize` of the ink > 0.5 mask);
* `slant`: the shear of the ink's second-order image moments, `-cov(x, y) / var(y)` (x to the right, y down), so a
  digit whose top leans right is positive;
* `size`: the area of the ink's bounding box as a fraction of the image (these digits fill their height, so it
  follows their width);
* `position`: the ink centroid's horizontal offset from the centre, as a fraction of the width.

Each property is binned into three levels by the training set's terciles (`bin_edges`: thin / medium / thick, left /
upright / right slant, small / medium / large, left / centred / right); thickness and size by the terciles of the
image's own digit (a 1 is narrower and its short stroke measures thicker than an 8's), so "a thick seven" means thick
for a seven. Each image gets `captions_per_image`
English sentences written from its digit and bins with varied templates and synonyms, deterministic by `seed`
("a thick, slanted seven", "a small upright 2 written with a thin stroke"). A caption mentions some properties and
not others; `mentions` records which, so the text encoder's training knows which images a caption describes, and
evaluation asks for a property and measures it on the samples.

>>> sorted(describe_prompt("a thick, slanted seven").items())
[('digit', 7), ('slant', 2), ('thickness', 2)]
"""

from __future__ import annotations

import functools
import re

import numpy as np

PROPERTIES = ("digit", "thickness", "slant", "size", "position")
#: names of each binned property's three levels.
LEVELS = {"thickness": ("thin", "medium", "thick"), "slant": ("left", "upright", "right"),
          "size": ("small", "medium", "large"), "position": ("left", "centre", "right")}
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

_THICK = {0: ("thin", "fine", "light", "skinny", "delicate"), 2: ("thick", "bold", "heavy", "fat", "chunky")}
_THICK_STROKE = {0: ("a thin stroke", "a fine line", "a light pen", "thin lines"),
                 2: ("a thick stroke", "a heavy pen", "a bold line", "thick lines")}
_SLANT = {0: ("back-slanted", "left-leaning", "leftward-tilted"), 1: ("upright", "straight", "vertical"),
          2: ("slanted", "right-leaning", "italic", "tilted")}
_SLANT_PHRASE = {0: ("leaning to the left", "tilted to the left"), 1: ("standing upright", "standing straight"),
                 2: ("leaning to the right", "tilted to the right")}
_SIZE = {0: ("small", "little", "short", "tiny"), 2: ("large", "big", "tall")}
_POSITION = {0: ("on the left", "left of centre", "towards the left"), 1: ("in the middle", "centred"),
             2: ("on the right", "right of centre", "towards the right")}


# ------------------------------------------------------------------------------------------------ measurements
def measure(images) -> dict:
    """Measures handwritten digits. `images`: `[N, H, W, C]` (or `[N, H, W]`) in [-1, 1], ink bright on dark.

    Returns:
        {"thickness", "slant", "size", "position", "ink"}: float arrays `[N]` (see the module docstring; `ink` is
        the ink mass as a fraction of the image area). An image with no ink gets thickness 0 and slant 0.
    """
    from skimage.morphology import skeletonize

    x = np.asarray(images, np.float32)
    if x.ndim == 4:
        x = x.mean(-1)
    if x.ndim != 3:
        raise ValueError(f"measure() takes images [N, H, W, C] or [N, H, W] in [-1, 1]; got shape {x.shape}.")
    ink = np.clip((x + 1.0) / 2.0, 0.0, 1.0)
    n, h, w = ink.shape
    scale = 32.0 / h
    mass = ink.sum((1, 2))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    total = np.maximum(mass, 1e-6)
    cx = (ink * xs).sum((1, 2)) / total
    cy = (ink * ys).sum((1, 2)) / total
    dx, dy = xs[None] - cx[:, None, None], ys[None] - cy[:, None, None]
    var_y = (ink * dy * dy).sum((1, 2)) / total
    cov = (ink * dx * dy).sum((1, 2)) / total
    slant = np.where(var_y > 1e-6, -cov / np.maximum(var_y, 1e-6), 0.0)
    thickness = np.zeros(n, np.float32)
    size = np.zeros(n, np.float32)
    for i in range(n):
        mask = ink[i] > 0.5
        if not mask.any():
            continue
        length = skeletonize(mask).sum()
        thickness[i] = mass[i] / max(length, 1) * scale
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        size[i] = (rows[-1] - rows[0] + 1) * (cols[-1] - cols[0] + 1) / (h * w)
    return {"thickness": thickness.astype(np.float32), "slant": slant.astype(np.float32), "size": size,
            "position": (cx / (w - 1) - 0.5).astype(np.float32), "ink": (mass / (h * w)).astype(np.float32)}


#: properties binned by the terciles of the image's own digit.
PER_DIGIT = ("thickness", "size")


@functools.lru_cache(maxsize=None)
def bin_edges() -> dict:
    """{property: edges}: the terciles of each measured property over the training digits at 32 × 32, `[10, 2]`
    (one pair per digit) for `PER_DIGIT` properties, `[2]` for the others."""
    from tfgan_zoo.data.bundled import load_digits

    images, digits = load_digits(32, 1, "train")
    values = measure(images)
    out = {}
    for k in LEVELS:
        if k in PER_DIGIT:
            out[k] = np.stack([np.quantile(values[k][digits == d], [1 / 3, 2 / 3]) for d in range(10)])
        else:
            out[k] = np.quantile(values[k], [1 / 3, 2 / 3])
    return out


def bins(measurements: dict, digits) -> dict:
    """{property: int level in {0, 1, 2} `[N]`} from `measure()`'s output and each image's digit, by the training
    terciles."""
    edges, digits = bin_edges(), np.asarray(digits, np.int64)
    out = {}
    for k in LEVELS:
        e = edges[k][digits] if k in PER_DIGIT else np.broadcast_to(edges[k], (len(digits), 2))
        out[k] = ((measurements[k] > e[:, 0]).astype(np.int32) + (measurements[k] > e[:, 1])).astype(np.int32)
    return out


# ------------------------------------------------------------------------------------------------ captions
def _digit(rng, d):
    return DIGIT_WORDS[d] if rng.random() < 0.5 else str(d)


def caption(rng, digit: int, levels: dict) -> tuple:
    """One sentence about a digit with `levels` ({property: level}); returns `(text, mentions)` where `mentions` is
    {property: value} of what the sentence states (the digit always)."""
    mentions = {"digit": int(digit)}
    said = {}
    for prop, chance in (("thickness", 0.75), ("slant", 0.6), ("size", 0.45), ("position", 0.3)):
        level = int(levels[prop])
        medium_word = prop in ("slant", "position")  # "upright" / "centred" are words; a medium thickness is not
        if (level != 1 or medium_word) and rng.random() < chance:
            said[prop] = level
            mentions[prop] = level
    d = _digit(rng, digit)
    pick = lambda options: options[rng.integers(len(options))]  # noqa: E731
    adjectives = []
    if "size" in said:
        adjectives.append(pick(_SIZE[said["size"]]))
    if "thickness" in said:
        adjectives.append(pick(_THICK[said["thickness"]]))
    if "slant" in said:
        adjectives.append(pick(_SLANT[said["slant"]]))
    template = int(rng.integers(4))
    tail = f" {pick(_POSITION[said['position']])}" if "position" in said else ""
    if template == 0 or not said:
        text = f"a {', '.join(adjectives) + ' ' if adjectives else ''}{d}{tail}"
    elif template == 1 and "thickness" in said:
        front = [a for a in adjectives if a not in _THICK[said["thickness"]]]
        text = f"a {' '.join(front) + ' ' if front else ''}{d} written with {pick(_THICK_STROKE[said['thickness']])}"
        text += tail
    elif template == 2 and "slant" in said:
        front = [a for a in adjectives if a not in _SLANT[said["slant"]]]
        text = f"the number {d}, {' and '.join(front) + ', ' if front else ''}{pick(_SLANT_PHRASE[said['slant']])}"
        text += tail
    else:
        text = f"a handwritten {d}" + (f" that is {' and '.join(adjectives)}" if adjectives else "") + tail
    return text.replace("  ", " ").strip(), mentions


def make_captions(digits, levels: dict, captions_per_image: int = 5, seed: int = 0):
    """`(captions [N][K] str, mentions [N][K] dict)` for digits with binned properties `levels` ({property: [N]}),
    deterministic by `seed` and the image index."""
    texts, mentions = [], []
    for i, d in enumerate(np.asarray(digits)):
        rng = np.random.default_rng([seed, i])
        pairs = [caption(rng, int(d), {k: v[i] for k, v in levels.items()}) for _ in range(captions_per_image)]
        texts.append([p[0] for p in pairs])
        mentions.append([p[1] for p in pairs])
    return texts, mentions


@functools.lru_cache(maxsize=8)
def _captioned(image_size, channels, split, captions_per_image, seed):
    from tfgan_zoo.data.bundled import load_digits

    images, digits = load_digits(image_size, channels, split)
    levels = bins(measure(images if image_size == 32 else load_digits(32, 1, split)[0]), digits)
    texts, mentions = make_captions(digits, levels, captions_per_image, seed)
    return images, digits, levels, texts, mentions


def load_digit_captions(image_size=32, channels=1, split="train", captions_per_image=5, seed=0):
    """The captioned digits: `(images [N, S, S, C] in [-1, 1], digits [N], levels {property: [N]}, captions [N][K],
    mentions [N][K])`. Properties are measured at 32 × 32 whatever `image_size` is."""
    if split not in ("train", "test", "all"):
        raise ValueError(f"Unknown split {split!r} for digit_captions; expected 'train', 'test' or 'all'.")
    return _captioned(int(image_size), int(channels), split, int(captions_per_image), int(seed))


def property_matrix(digits, levels) -> np.ndarray:
    """`[N, 5]` int: digit then the levels of thickness, slant, size, position."""
    return np.stack([np.asarray(digits)] + [np.asarray(levels[k]) for k in PROPERTIES[1:]], axis=1).astype(np.int32)


def mention_matrix(mentions) -> np.ndarray:
    """`[M, 5]` int from a flat list of mention dicts: the stated value of each property, -1 where unstated."""
    return np.asarray([[m.get(k, -1) for k in PROPERTIES] for m in mentions], np.int32)


def compatible(mentions, properties) -> np.ndarray:
    """`[M, N]` bool: caption m (a `mention_matrix` row) describes image n (a `property_matrix` row)."""
    m, p = np.asarray(mentions)[:, None, :], np.asarray(properties)[None, :, :]
    return ((m < 0) | (m == p)).all(-1)


# ------------------------------------------------------------------------------------------------ prompts
_WORDS = {**{w: ("digit", i) for i, w in enumerate(DIGIT_WORDS)}, **{str(i): ("digit", i) for i in range(10)}}
for _prop, _table in (("thickness", _THICK), ("slant", _SLANT), ("size", _SIZE)):
    for _level, _words in _table.items():
        for _w in _words:
            _WORDS.setdefault(_w, (_prop, _level))


def describe_prompt(text: str) -> dict:
    """What a prompt asks for: {property: value} for the digit and the thickness / slant / size words it uses
    (single-word synonyms of the captions' vocabulary)."""
    out = {}
    for word in re.findall(r"[a-z0-9]+(?:-[a-z]+)?", text.lower()):
        if word in _WORDS:
            prop, value = _WORDS[word]
            out.setdefault(prop, value)
    return out


# ------------------------------------------------------------------------------------------------ datasets
def caption_embeddings(captions, encoder=None, batch_size=256) -> np.ndarray:
    """`[N, K, D]` float32 embeddings of `captions` `[N][K]` by `encoder` (default: the shipped digit-caption text
    encoder, `tfgan_zoo.layers.text_encoder.load_digit_text_encoder`)."""
    from tfgan_zoo.layers import text_encoder as te

    encoder = encoder or te.load_digit_text_encoder()
    flat = [t for row in captions for t in row]
    out = te.encode(encoder, flat, batch_size=batch_size)
    return out.reshape(len(captions), -1, out.shape[-1])


@functools.lru_cache(maxsize=8)
def _embedded(image_size, channels, split, max_examples):
    images, _, _, texts, _ = load_digit_captions(image_size, channels, split)
    if max_examples:
        images, texts = images[:max_examples], texts[:max_examples]
    return images, caption_embeddings(texts)


def text_to_image_dataset(c, task, seed=0, repeat=True):
    """Unbatched `(images, embeddings [K, D])` elements for a text-to-image model from a `DataConfig`:
    `digit_captions` (the bundled digits, each with K captions embedded by the shipped text encoder) or
    `text_embeddings` (`data.path`: a folder holding `images.npy` `[N, H, W, C]` in [-1, 1] or uint8 and
    `embeddings.npy` / the official `char-CNN-RNN-embeddings.pickle` `[N, K, D]`). Returns `(dataset, n)`."""
    import os

    import tensorflow as tf

    if not getattr(task, "text", False):
        raise ValueError(f"data.source {c.source!r} gives (images, caption embeddings); a {task.name} model needs "
                         f"another source. {task.data_hint}")
    if c.source == "digit_captions":
        images, embeddings = _embedded(c.image_size, c.channels, c.split, c.max_examples)
    elif c.source == "text_embeddings":
        from tfgan_zoo.data.text_embeddings import load_embeddings

        folder = c.path
        image_file = os.path.join(folder, "images.npy")
        if not folder or not os.path.exists(image_file):
            raise FileNotFoundError(f"data.source 'text_embeddings' reads data.path/images.npy and the embeddings "
                                    f"(embeddings.npy or char-CNN-RNN-embeddings.pickle); {image_file!r} does not "
                                    "exist.")
        images = np.load(image_file, allow_pickle=False)
        if images.dtype == np.uint8:
            images = images.astype(np.float32) / 127.5 - 1.0
        names = [n for n in ("embeddings.npy", "char-CNN-RNN-embeddings.pickle")
                 if os.path.exists(os.path.join(folder, n))]
        if not names:
            raise FileNotFoundError(f"{folder!r} holds no embeddings.npy or char-CNN-RNN-embeddings.pickle.")
        embeddings = load_embeddings(os.path.join(folder, names[0]))
        if len(embeddings) != len(images):
            raise ValueError(f"{folder!r}: {len(images)} images but {len(embeddings)} embedding rows.")
        images = tf.image.resize(images, (c.image_size, c.image_size)).numpy()
        if c.max_examples:
            images, embeddings = images[: c.max_examples], embeddings[: c.max_examples]
    else:
        raise ValueError(f"data.source {c.source!r} has no text-to-image form; use digit_captions or "
                         "text_embeddings (data.path at images.npy + embeddings).")
    ds = tf.data.Dataset.from_tensor_slices((images.astype(np.float32), embeddings.astype(np.float32)))
    if c.cache:
        ds = ds.cache()
    if c.shuffle_buffer:
        ds = ds.shuffle(c.shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    return ds, len(images)
