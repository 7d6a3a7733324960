"""Judges of few-shot translation into unseen typefaces (FUNIT on `typeface_digits`), and the typeface judge's trainer.

    python -m tfgan_zoo.evaluation.few_shot [--output_dir DIR] [--epochs 30] [--seed 0]   # retrains the judge

* the **typeface classifier** (`digits_typeface_classifier`, shipped in `assets/`): which of 22 classes an image is
  — 0 handwriting, 1 + i the typeface `printed_digits.TYPEFACES[i]` — trained on *every* typeface, the held-out
  (unseen) ones included: the judge must know the classes the translator never saw. It trains on a separate
  rendering (seed 1, 20 images per typeface and digit) plus the handwritten train split, with small shifts only
  (the renders carry their own jitter), and is scored on the fixed held-out renders (`load_printed_digits(split=
  'test')`, never trained on) and the handwritten test split; its JSON records these accuracies (0.79 printed, 1.0
  handwritten: the ceiling of the typeface rate).
* the **content classifier** is the shipped `digits_content_classifier` (handwritten and printed digits).

`few_shot_report(model)` translates the held-out content images (the handwritten and seen-typeface test splits)
into each unseen typeface from K = 1 and K = 5 of its images and reports, per K, the typeface rate (translations
the typeface classifier assigns to the target typeface; chance 1/22) and the content accuracy (translations read as
the content image's digit; chance 0.1), averaged over the unseen typefaces.
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path

import numpy as np

from tfgan_zoo.data import printed_digits
from tfgan_zoo.evaluation import digits as _digits
from tfgan_zoo.evaluation import translation

NAME = "digits_typeface_classifier"
WEIGHTS = _digits.ASSETS / f"{NAME}.weights.h5"
ARCHITECTURE = {"image_size": 32, "filters": [16, 32, 64], "dropout": 0.3}
#: 0 = handwriting, 1 + i = TYPEFACES[i]
CLASSES = ("handwritten",) + printed_digits.TYPEFACES
TRAIN_RENDER_SEED = 1
TRAIN_PER_TYPEFACE_AND_DIGIT = 20


def typeface_class(name: str) -> int:
    """The typeface classifier's class id of a typeface name (or 'handwritten')."""
    return CLASSES.index(name)


@functools.lru_cache(maxsize=None)
def load_typeface_classifier():
    """The shipped typeface classifier: `(keras.Model → 22 logits, config dict)` (sha256 verified)."""
    return _digits.load_digits_classifier(WEIGHTS)


def typeface_predictions(images) -> np.ndarray:
    return translation._predict(load_typeface_classifier()[0], images)


def few_shot_report(model, shots=(1, 5), n=None, seed=0) -> dict:
    """Judges a few-shot translator (`model.translate(content [N, H, W, C], class_images [N, K, H, W, C])`).

    Args:
        shots: the K values to judge.
        n: at most this many content images (default all 340 held-out: 180 handwritten + 160 seen-typeface).
        seed: draws of the K class images (from all 90 images of each unseen typeface, never trained on).

    Returns:
        `{"k1": {"typeface_rate", "content_accuracy", "per_typeface": {name: {...}}}, "k5": {...},
        "identity": {...}, "num_content": .., "chance": {...}, "judges": {...}}`; `identity` holds the same judges
        on the untranslated content images (typeface rate against each unseen target: what translation added).
    """
    from tfgan_zoo.data.few_shot import UNSEEN_TYPEFACES, typeface_digits

    size, channels = translation._model_shape(model, None)
    content, _, content_digits = typeface_digits(size, channels, "test")
    if n is not None:
        content, content_digits = content[:n], content_digits[:n]
    unseen, unseen_ids, _ = typeface_digits(size, channels, "all", unseen=True)
    rng = np.random.default_rng(seed)
    source_faces = typeface_predictions(content)
    report = {"num_content": int(len(content)), "unseen_typefaces": list(UNSEEN_TYPEFACES),
              "identity": {"content_accuracy": translation.content_accuracy(content, content_digits),
                           "typeface_rate": float(np.mean([np.mean(source_faces == typeface_class(u))
                                                           for u in UNSEEN_TYPEFACES]))}}
    for k in shots:
        per = {}
        for u, name in enumerate(UNSEEN_TYPEFACES):
            members = np.flatnonzero(unseen_ids == u)
            picks = np.stack([rng.choice(members, size=k, replace=False) for _ in range(len(content))])
            out = np.asarray(model.translate(content, unseen[picks]), np.float32)
            per[name] = {"typeface_rate": float(np.mean(typeface_predictions(out) == typeface_class(name))),
                         "content_accuracy": translation.content_accuracy(out, content_digits)}
        report[f"k{k}"] = {"typeface_rate": float(np.mean([v["typeface_rate"] for v in per.values()])),
                           "content_accuracy": float(np.mean([v["content_accuracy"] for v in per.values()])),
                           "per_typeface": per}
    report["chance"] = {"typeface_rate": 1.0 / len(CLASSES), "content_accuracy": translation.CHANCE}
    cfg = load_typeface_classifier()[1]
    report["judges"] = {"typeface": {"name": NAME, "sha256": cfg["sha256"],
                                     "held_out_accuracy": cfg["held_out_accuracy"]},
                        "content": {"name": translation.CONTENT_WEIGHTS.name,
                                    "sha256": translation.load_content_classifier()[1]["sha256"]}}
    return report


# --------------------------------------------------------------------------------------------- the judge's training
def _data():
    from tfgan_zoo.data import bundled

    hand, _ = bundled.load_digits(32, 1, "train")
    printed, _, faces = printed_digits.render_printed_digits(32, TRAIN_PER_TYPEFACE_AND_DIGIT, seed=TRAIN_RENDER_SEED)
    x = np.concatenate([hand, printed]).astype(np.float32)
    y = np.concatenate([np.zeros(len(hand), np.int32), faces + 1]).astype(np.int32)
    hand_test, _ = bundled.load_digits(32, 1, "test")
    p_test, _, f_test = printed_digits.load_printed_digits(32, "test")
    return x, y, hand_test, p_test, f_test + 1


def train_typeface_classifier(output_dir=_digits.ASSETS, epochs: int = 30, seed: int = 0, batch_size: int = 64,
                              learning_rate: float = 1e-3) -> dict:
    """Trains, scores and saves the typeface classifier (`<NAME>.weights.h5` + `<NAME>.json`); returns its config."""
    import keras

    from tfgan_zoo.evaluation.train_digits_classifier import fit_classifier
    from tfgan_zoo.evaluation.train_translation_judges import _save

    x, y, hand_test, p_test, f_test = _data()
    keras.utils.set_random_seed(seed)
    arch = dict(ARCHITECTURE, num_classes=len(CLASSES))
    model = _digits.build_digits_classifier(32, tuple(arch["filters"]), arch["num_classes"], arch["dropout"])
    # only small shifts: the renders already vary in scale (±10 %), position and rotation (±5°), and stronger
    # rotations or zooms would erase the cues between a typeface and its oblique or bold sibling
    augment = keras.Sequential([keras.layers.RandomTranslation(0.05, 0.05, fill_mode="constant", fill_value=-1.0,
                                                               seed=seed)], name="augment")
    seconds = fit_classifier(model, x, y, augment, epochs, seed, batch_size, learning_rate)

    def acc(images, labels):
        return round(float(np.mean(np.argmax(model.predict(images, verbose=0), axis=1) == labels)), 4)

    config = {
        "name": NAME, "architecture": arch, "classes": list(CLASSES),
        "data": f"handwritten train split (1,617) + printed digits rendered with seed {TRAIN_RENDER_SEED}, "
                f"{TRAIN_PER_TYPEFACE_AND_DIGIT} per (typeface, digit), all 21 typefaces",
        "training": {"epochs": epochs, "seed": seed, "batch_size": batch_size, "learning_rate": learning_rate,
                     "seconds": round(seconds, 1)},
        "held_out_accuracy": {"printed": acc(p_test, f_test),
                              "handwritten": acc(hand_test, np.zeros(len(hand_test), np.int32))},
    }
    return _save(model, arch, output_dir, NAME, config)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output_dir", default=str(_digits.ASSETS))
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = train_typeface_classifier(Path(args.output_dir), args.epochs, args.seed)
    print(json.dumps(config, indent=2))


if __name__ == "__main__":
    main()
