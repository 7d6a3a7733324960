"""Printed digits: the second real domain for unpaired image translation (handwritten ↔ printed).

Domain A is scikit-learn's handwritten digits (`bundled.load_digits`); domain B is the digits 0–9 printed in the
real typefaces matplotlib ships (`matplotlib/mpl-data/fonts/ttf/`). Each glyph is rasterised by FreeType
(`matplotlib.ft2font.FT2Font`, antialiased, no hinting) at a high resolution, framed like the handwritten digits
after their resize (centred, ~30/32 of the height, width capped near the handwritten box), given small seeded
variations (scale ±10 %, shift ±1.5 px, rotation ±5°), then area-downsampled and softened slightly so strokes are
smooth rather than aliased. Values are float32 in [-1, 1] with background -1 like the handwritten digits.

Typefaces are classes too (`typeface ids`): a few-shot model can hold some out as unseen classes.

>>> images, digits, faces = render_printed_digits(image_size=16, per_typeface_and_digit=1, typefaces=TYPEFACES[:2])
>>> images.shape, images.dtype.name, digits.tolist()[:4], sorted(set(faces.tolist()))
((20, 16, 16, 1), 'float32', [0, 1, 2, 3], [0, 1])
>>> bool(images.min() == -1.0) and bool(images.max() > 0.9)
True
"""

from __future__ import annotations

import functools
import os

import numpy as np

#: Typefaces shipped in matplotlib's `mpl-data/fonts/ttf/` whose digits render as ordinary digits, in a stable order
#: (the index is the typeface id). Dropped: DejaVu*Display and STIXNonUni*/STIXSiz* (no digit glyphs), cmex10 / cmsy10
#: (symbol fonts: their digit code points hold other glyphs), cmmi10 (old-style digits with descenders) and
#: LastResortHE (a placeholder box for every character).
TYPEFACES = (
    "DejaVuSans",
    "DejaVuSans-Bold",
    "DejaVuSans-Oblique",
    "DejaVuSans-BoldOblique",
    "DejaVuSansMono",
    "DejaVuSansMono-Bold",
    "DejaVuSansMono-Oblique",
    "DejaVuSansMono-BoldOblique",
    "DejaVuSerif",
    "DejaVuSerif-Bold",
    "DejaVuSerif-Italic",
    "DejaVuSerif-BoldItalic",
    "STIXGeneral",
    "STIXGeneralBol",
    "STIXGeneralItalic",
    "STIXGeneralBolIta",
    "cmr10",
    "cmb10",
    "cmss10",
    "cmti10",
    "cmtt10",
)

#: Framing measured on `bundled.load_digits(32)` (ink = value > 0): the box is 32.0 ± 0.3 px high and 18.9 ± 2.5 px
#: wide, centred. A printed glyph is scaled to `BOX_HEIGHT` px (of 32) so that the +10 % scale jitter stays inside
#: the image, and narrowed if wider than `BOX_MAX_WIDTH` (bold faces).
BOX_HEIGHT = 29.0
BOX_MAX_WIDTH = 24.0
#: Jitter: relative scale, shift in pixels (of 32) and rotation in degrees, each uniform in ±value.
SCALE_JITTER = 0.10
SHIFT_JITTER = 1.5
ROTATION_JITTER = 5.0
#: The rendering canvas is the output supersampled by an integer factor, at least `MIN_CANVAS` px wide (×4 at 32 px,
#: ×2 at 64 px: the cost stays about the same at every size); then area-downsampled and softened by a Gaussian of
#: `SOFTEN_SIGMA` pixels (of a 32-px image).
MIN_CANVAS = 128
SOFTEN_SIGMA = 0.6
#: The fixed seeds of the rendering and of the printed train/test split (a stable held-out set for the judges).
RENDER_SEED = 0
SPLIT_SEED = 0
#: Images per (typeface, digit) in `load_handwritten_printed`: 21 × 10 × 9 = 1,890 (1,680 train, 210 test).
PER_TYPEFACE_AND_DIGIT = 9
TEST_PER_GROUP = 1


def _mpl_fonts_dir() -> str:
    try:
        import matplotlib
    except ImportError as e:  # pragma: no cover - matplotlib is an install requirement
        raise ImportError(
            "Printed digits are rendered from the typefaces matplotlib ships; install it with `pip install matplotlib`."
        ) from e
    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


def typeface_paths(typefaces=None) -> list[str]:
    """Font file paths of `typefaces` (names from `TYPEFACES`; default all), checked to exist."""
    names = TYPEFACES if typefaces is None else tuple(typefaces)
    folder = _mpl_fonts_dir()
    paths = []
    for name in names:
        if name not in TYPEFACES:
            raise ValueError(f"Unknown typeface {name!r}; expected one of {TYPEFACES}.")
        path = os.path.join(folder, f"{name}.ttf")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Typeface file '{path}' is missing from this matplotlib installation.")
        paths.append(path)
    return paths


@functools.lru_cache(maxsize=None)
def _glyph(path: str, digit: int, size: int = 128) -> np.ndarray:
    """The antialiased glyph of `digit` in [0, 1], cropped to its ink, rendered by FreeType at `size` px/em."""
    from matplotlib.ft2font import FT2Font, LoadFlags

    font = FT2Font(path)
    font.set_size(size, 72)
    font.set_text(str(digit), 0.0, flags=LoadFlags.NO_HINTING)
    font.draw_glyphs_to_bitmap(antialiased=True)
    image = np.asarray(font.get_image(), dtype=np.float32) / 255.0
    rows, cols = np.nonzero(image > 0)
    if len(rows) == 0:
        raise ValueError(f"Typeface '{path}' has no glyph for digit {digit}.")
    glyph = image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    glyph.setflags(write=False)
    return glyph


def _place(glyph, canvas, box_height, box_max_width, scale, shift, angle):
    """Affine-maps `glyph` onto a `canvas`×`canvas` image: centred, scaled to the box, jittered."""
    from scipy import ndimage

    h, w = glyph.shape
    zoom = min(box_height / h, box_max_width / w) * scale
    rad = np.deg2rad(angle)
    rot = np.array([[np.cos(rad), -np.sin(rad)], [np.sin(rad), np.cos(rad)]])
    forward = rot * zoom  # glyph (row, col) offsets from its centre → canvas offsets
    inverse = np.linalg.inv(forward)
    centre_out = np.array([(canvas - 1) / 2.0 + shift[0], (canvas - 1) / 2.0 + shift[1]])
    centre_in = np.array([(h - 1) / 2.0, (w - 1) / 2.0])
    offset = centre_in - inverse @ centre_out
    return ndimage.affine_transform(glyph, inverse, offset=offset, output_shape=(canvas, canvas), order=1, cval=0.0)


def render_printed_digits(image_size=32, per_typeface_and_digit=PER_TYPEFACE_AND_DIGIT, typefaces=None, seed=0):
    """Printed digits in the shipped typefaces, with small seeded variations.

    Args:
        image_size: output side in pixels.
        per_typeface_and_digit: images of each (typeface, digit), each with its own random jitter.
        typefaces: names from `TYPEFACES` (default all); typeface ids index `TYPEFACES`, not this argument.
        seed: seed of the jitter (same seed → identical arrays).

    Returns:
        `(images [N, S, S, 1] float32 in [-1, 1] (background -1), digit labels int32 [N], typeface ids int32 [N])`,
        ordered typeface-major, then copy, then digit.
    """
    from scipy import ndimage

    names = TYPEFACES if typefaces is None else tuple(typefaces)
    paths = typeface_paths(names)
    if per_typeface_and_digit < 1:
        raise ValueError(f"per_typeface_and_digit must be >= 1, got {per_typeface_and_digit}.")
    rng = np.random.default_rng(seed)
    factor = max(1, -(-MIN_CANVAS // image_size))
    canvas = image_size * factor
    unit = canvas / 32.0  # pixels of the canvas per pixel of a 32×32 image
    images, digits, faces = [], [], []
    for name, path in zip(names, paths):
        face_id = TYPEFACES.index(name)
        for _ in range(per_typeface_and_digit):
            for digit in range(10):
                scale = 1.0 + rng.uniform(-SCALE_JITTER, SCALE_JITTER)
                shift = rng.uniform(-SHIFT_JITTER, SHIFT_JITTER, size=2) * unit
                angle = rng.uniform(-ROTATION_JITTER, ROTATION_JITTER)
                big = _place(_glyph(path, digit), canvas, BOX_HEIGHT * unit, BOX_MAX_WIDTH * unit, scale, shift, angle)
                images.append(big)
                digits.append(digit)
                faces.append(face_id)
    big = np.stack(images).astype(np.float32)
    small = big.reshape(len(big), image_size, factor, image_size, factor).mean(axis=(2, 4))
    if SOFTEN_SIGMA > 0:
        sigma = SOFTEN_SIGMA * image_size / 32.0
        small = ndimage.gaussian_filter(small, sigma=(0, sigma, sigma))
    # Full ink → 1 like the handwritten strokes' cores (softening lowers thin strokes' peaks).
    peak = small.reshape(len(small), -1).max(axis=1).reshape(-1, 1, 1)
    small = np.clip(small / np.maximum(peak, 1e-6), 0.0, 1.0)
    out = (small * 2.0 - 1.0).astype(np.float32)[..., None]
    return out, np.asarray(digits, np.int32), np.asarray(faces, np.int32)


def printed_split_indices(digits, faces, test_per_group=TEST_PER_GROUP, seed=SPLIT_SEED):
    """(train, test) indices: `test_per_group` images of every (typeface, digit) group go to test (stratified)."""
    rng = np.random.default_rng(seed)
    test = []
    for face in np.unique(faces):
        for digit in range(10):
            group = np.flatnonzero((faces == face) & (digits == digit))
            if len(group) > test_per_group:
                test.extend(rng.choice(group, size=test_per_group, replace=False).tolist())
    test = np.sort(np.asarray(test, np.int64))
    train = np.setdiff1d(np.arange(len(digits)), test)
    return train, test


def load_printed_digits(image_size=32, split="train"):
    """The printed domain with its fixed split: `(images [N, S, S, 1], digit labels, typeface ids)`, unshuffled."""
    images, digits, faces = render_printed_digits(image_size, PER_TYPEFACE_AND_DIGIT, seed=RENDER_SEED)
    train, test = printed_split_indices(digits, faces)
    if split == "train":
        idx = train
    elif split == "test":
        idx = test
    elif split == "all":
        idx = np.arange(len(digits))
    else:
        raise ValueError(f"Unknown split {split!r} for printed digits; expected 'train', 'test' or 'all'.")
    return images[idx], digits[idx], faces[idx]


def load_handwritten_printed(image_size=32, channels=1, split="train", seed=0):
    """Unpaired handwritten (A) and printed (B) digits: `(a_images, a_labels, b_images, b_labels)`.

    A is `bundled.load_digits` (its fixed 90/10 split, 1,617 / 180), B the printed digits (1,680 / 210: one image of
    each (typeface, digit) held out, fixed render and split seeds so the judges' held-out set never moves). `seed`
    shuffles each domain independently, so index i of A and of B are unrelated (no pairs). Images are float32 in
    [-1, 1] `[N, S, S, channels]`; labels int32 digits.
    """
    from tfgan_zoo.data import bundled

    if channels not in (1, 3):
        raise ValueError(f"handwritten/printed digits are grayscale: channels must be 1 or 3, got {channels}.")
    if split not in ("train", "test", "all"):
        raise ValueError(f"Unknown split {split!r} for digits_printed; expected 'train', 'test' or 'all'.")
    a_images, a_labels = bundled.load_digits(image_size, 1, split)
    b_images, b_labels, _ = load_printed_digits(image_size, split)
    rng = np.random.default_rng(seed)
    a_order = rng.permutation(len(a_labels))
    b_order = rng.permutation(len(b_labels))
    a_images, a_labels = a_images[a_order], a_labels[a_order]
    b_images, b_labels = b_images[b_order], b_labels[b_order]
    if channels == 3:
        a_images = np.repeat(a_images, 3, axis=-1)
        b_images = np.repeat(b_images, 3, axis=-1)
    a_labels, b_labels = a_labels.astype(np.int32), b_labels.astype(np.int32)
    return a_images.astype(np.float32), a_labels, b_images.astype(np.float32), b_labels
