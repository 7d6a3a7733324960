"""Judges of unpaired handwritten (A) ↔ printed (B) digit translation and of generators of such pairs.

Two small classifiers of real images ship in `assets/`, trained by `train_translation_judges.py` on the train
splits of `printed_digits.load_handwritten_printed` and scored per domain on its held-out split (their JSON
records the accuracies):

* the content classifier (`digits_content_classifier`) reads the digit on either domain. The older
  `digits_classifier` (handwritten only, behind digits FID) reads real printed digits at about 72 %, too low to
  judge translations into print, so it is not used here;
* the domain classifier (`digits_domain_classifier`): handwritten ('a') vs printed ('b'), trained with the
  strokes' softness randomised (blur / threshold) so it judges the glyph's shape: sharpening handwriting or
  blurring print does not cross the domain. It is a two-way judge of digit images: read `domain_rate` together
  with `content_accuracy` (an image that is no digit at all still gets one of the two domains).

`translation_report` translates the held-out images of each domain and reports, per direction, whether the digit
survived (`content_accuracy`), whether the result looks like the target domain (`domain_rate`) and how well the
round trip comes back (`cycle_l1`), next to the untranslated source (`identity_*`) as the baseline.
`pair_report` judges a generator of (A, B) pairs: the realism of each side and whether both show the same digit.

Images: numpy `[N, H, W, 1 or 3]` in [-1, 1]; RGB becomes grey by the channel mean, other sizes are resized to 32.

>>> import numpy as np
>>> from tfgan_zoo.data.printed_digits import load_printed_digits
>>> images, digits, _ = load_printed_digits(32, "test")
>>> content_accuracy(images, digits) > 0.9, domain_rate(images, "b") > 0.9
(True, True)
"""

from __future__ import annotations

import functools

import numpy as np

from tfgan_zoo.evaluation import digits as _digits

CONTENT_WEIGHTS = _digits.ASSETS / "digits_content_classifier.weights.h5"
DOMAIN_WEIGHTS = _digits.ASSETS / "digits_domain_classifier.weights.h5"
DOMAINS = ("a", "b")
IMAGE_SIZE = 32
CHANCE = 0.1


@functools.lru_cache(maxsize=None)
def load_content_classifier():
    """The shipped content classifier: `(keras.Model → 10 digit logits, config dict)` (sha256 verified)."""
    return _digits.load_digits_classifier(CONTENT_WEIGHTS)


@functools.lru_cache(maxsize=None)
def load_domain_classifier():
    """The shipped domain classifier: `(keras.Model → 2 logits [handwritten 'a', printed 'b'], config dict)`."""
    return _digits.load_digits_classifier(DOMAIN_WEIGHTS)


def prepare_images(images) -> np.ndarray:
    """`[N, H, W, C]` (C = 1 or 3) in [-1, 1] → float32 `[N, 32, 32, 1]` in [-1, 1] (channel mean, bilinear resize)."""
    x = np.asarray(images, np.float32)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(f"images must be [N, H, W, 1] or [N, H, W, 3] in [-1, 1], got shape {x.shape}.")
    if x.shape[-1] == 3:
        x = x.mean(axis=-1, keepdims=True)
    if x.shape[1:3] != (IMAGE_SIZE, IMAGE_SIZE) and len(x):
        import tensorflow as tf

        x = tf.image.resize(x, (IMAGE_SIZE, IMAGE_SIZE), method="bilinear", antialias=True).numpy()
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def _predict(model, images, batch_size=256) -> np.ndarray:
    x = prepare_images(images)
    if not len(x):
        return np.zeros((0,), np.int64)
    logits = np.concatenate([np.asarray(model(x[i : i + batch_size], training=False))
                             for i in range(0, len(x), batch_size)])
    return np.argmax(logits, axis=1)


def content_predictions(images) -> np.ndarray:
    """The digit the content classifier reads in each image (int `[N]`)."""
    return _predict(load_content_classifier()[0], images)


def content_accuracy(images, labels) -> float:
    """Fraction of `images` the content classifier reads as their `labels` (digits 0–9)."""
    labels = np.asarray(labels).reshape(-1)
    pred = content_predictions(images)
    if len(pred) != len(labels):
        raise ValueError(f"{len(pred)} images but {len(labels)} labels.")
    return float(np.mean(pred == labels)) if len(labels) else float("nan")


def domain_rate(images, domain) -> float:
    """Fraction of `images` the domain classifier assigns to `domain`: 'a' (handwritten) or 'b' (printed)."""
    if domain not in DOMAINS:
        raise ValueError(f"domain must be 'a' (handwritten) or 'b' (printed), got {domain!r}.")
    pred = _predict(load_domain_classifier()[0], images)
    return float(np.mean(pred == DOMAINS.index(domain))) if len(pred) else float("nan")


def _model_shape(model, image_size):
    size = image_size or getattr(model, "image_size", None) or IMAGE_SIZE
    channels = getattr(model, "channels", None) or 1
    if channels not in (1, 3):
        raise ValueError(f"the model's images have {channels} channels; the digit judges need 1 or 3.")
    return int(size), int(channels)


def translation_report(model, image_size=None, n=None, split="test") -> dict:
    """Judges a two-domain translator (`model.translate(images, direction='a_to_b'|'b_to_a')` → numpy [-1, 1]).

    Args:
        model: the translator; its `image_size` / `channels` attributes (if any) set the images it is fed.
        image_size: side of the images fed to the model (default `model.image_size`, else 32).
        n: at most this many source images per domain (default all of the split: 180 handwritten, 210 printed).
        split: 'test' (held out from the judges and from `load_handwritten_printed(split='train')`), 'train', 'all'.

    Returns:
        `{"a_to_b": {...}, "b_to_a": {...}, "num_images": {"a": .., "b": ..}, "chance": 0.1, "judges": {...}}`;
        each direction holds `content_accuracy` (translated image read as the source's digit), `domain_rate`
        (translated image judged to be of the target domain), `cycle_l1` (mean |x − G_back(G(x))| in [-1, 1]
        units), `identity_content_accuracy` and `identity_domain_rate` (the same judges on the untranslated source:
        what translation added).
    """
    from tfgan_zoo.data.printed_digits import load_handwritten_printed

    size, channels = _model_shape(model, image_size)
    a, ya, b, yb = load_handwritten_printed(size, channels, split, seed=0)
    if n is not None:
        a, ya, b, yb = a[:n], ya[:n], b[:n], yb[:n]
    report = {"num_images": {"a": int(len(a)), "b": int(len(b))}, "split": split, "image_size": size}
    for direction, source, labels, target, back in (("a_to_b", a, ya, "b", "b_to_a"), ("b_to_a", b, yb, "a", "a_to_b")):
        translated = np.asarray(model.translate(source, direction=direction), np.float32)
        if translated.shape[0] != len(source):
            raise ValueError(f"translate({direction!r}) returned {translated.shape[0]} images for {len(source)}.")
        cycled = np.asarray(model.translate(translated, direction=back), np.float32)
        report[direction] = {
            "content_accuracy": content_accuracy(translated, labels),
            "domain_rate": domain_rate(translated, target),
            "cycle_l1": float(np.mean(np.abs(cycled - source))),
            "identity_content_accuracy": content_accuracy(source, labels),
            "identity_domain_rate": domain_rate(source, target),
        }
    report["chance"] = CHANCE
    report["judges"] = _judges()
    return report


def pair_report(model, n=200, seed=0) -> dict:
    """Judges a generator of (A, B) pairs (`model.generate(n, seed=seed)` → `(images_a, images_b)` in [-1, 1]).

    Returns `domain_rate_a` (A images judged handwritten), `domain_rate_b` (B images judged printed),
    `pair_agreement` (pairs whose two images the content classifier reads as the same digit; 0.1 for unrelated
    pairs of balanced digits), `pair_kappa` (Cohen's kappa of that agreement: 0 when it is what the two domains'
    digit frequencies alone give, e.g. a collapsed generator drawing one digit in both, 1 when every pair agrees),
    `digits_covered` (distinct digits read in the scarcer domain), `chance` (0.1) and `num_pairs`.
    """
    images_a, images_b = model.generate(n, seed=seed)
    images_a, images_b = np.asarray(images_a, np.float32), np.asarray(images_b, np.float32)
    if len(images_a) != len(images_b):
        raise ValueError(f"generate returned {len(images_a)} A images but {len(images_b)} B images.")
    digits_a, digits_b = content_predictions(images_a), content_predictions(images_b)
    agreement = digits_a == digits_b
    observed = float(np.mean(agreement)) if len(agreement) else float("nan")
    # agreement expected from the two marginals alone (a collapsed pair generator that draws one digit in both
    # domains agrees always): Cohen's kappa discounts it
    expected = float(sum(np.mean(digits_a == k) * np.mean(digits_b == k) for k in range(10)))
    kappa = (observed - expected) / (1.0 - expected) if expected < 1.0 else 0.0
    return {
        "domain_rate_a": domain_rate(images_a, "a"),
        "domain_rate_b": domain_rate(images_b, "b"),
        "pair_agreement": observed,
        "pair_kappa": float(kappa),
        "digits_covered": int(min(len(np.unique(digits_a)), len(np.unique(digits_b)))),
        "chance": CHANCE,
        "num_pairs": int(len(images_a)),
        "judges": _judges(),
    }


def _judges():
    content_cfg, domain_cfg = load_content_classifier()[1], load_domain_classifier()[1]
    return {
        "content": {"sha256": content_cfg["sha256"], "test_accuracy": content_cfg["test_accuracy"]},
        "domain": {"sha256": domain_cfg["sha256"], "test_accuracy": domain_cfg["test_accuracy"]},
    }
