"""Trains the judge of multi-domain digit translation and writes it to `assets/`.

    python -m tfgan_zoo.evaluation.train_attribute_judge [--output_dir DIR] [--epochs 60] [--seed 0]

The **domain classifier** (`digits_attribute_classifier`) names which of the five domains of
`data.digit_attributes` a real image belongs to: handwritten, printed regular, bold, oblique or bold oblique
(`digit_attributes.DOMAINS`, in that order). Same network family as the other digits judges (`[16, 32, 64]`
filters, ~25k parameters), trained on the `digits_attributes` train split (1,617 handwritten + 1,680 printed) with
small random shifts and zooms (no rotations: they would make upright glyphs oblique), scored per domain on the
held-out split (180 + 210), and written as `<name>.weights.h5` plus `<name>.json` (architecture, data, training
settings, accuracies, sha256), the format `digits.load_digits_classifier(weights)` reads. About two minutes on two
CPU cores. Held-out accuracy 0.93 (handwritten 1.00, regular 0.79, bold 0.76, oblique 0.98, bold oblique 0.98):
regular and bold printed digits are the pairs it confuses, which caps what a translator can score on them.
"""

from __future__ import annotations

import argparse

import numpy as np

from tfgan_zoo.data import digit_attributes
from tfgan_zoo.evaluation import digits
from tfgan_zoo.evaluation.train_digits_classifier import fit_classifier
from tfgan_zoo.evaluation.train_translation_judges import ARCHITECTURE, _accuracy, _save

NAME = "digits_attribute_classifier"


def train(output_dir=digits.ASSETS, epochs: int = 60, seed: int = 0, batch_size: int = 64,
          learning_rate: float = 1e-3) -> dict:
    x_train, l_train, _ = digit_attributes.load_digit_attributes(32, 1, "train")
    x_test, l_test, _ = digit_attributes.load_digit_attributes(32, 1, "test")
    y_train, y_test = digit_attributes.domain_ids(l_train), digit_attributes.domain_ids(l_test)
    import keras

    keras.utils.set_random_seed(seed)
    arch = dict(ARCHITECTURE, num_classes=len(digit_attributes.DOMAINS))
    model = digits.build_digits_classifier(arch["image_size"], tuple(arch["filters"]), arch["num_classes"],
                                           arch["dropout"])
    # shifts and zooms only: a rotation would turn upright glyphs oblique (the printed digits already carry ±5°)
    augment = keras.Sequential([
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=-1.0, seed=seed),
        keras.layers.RandomZoom(0.1, fill_mode="constant", fill_value=-1.0, seed=seed + 2),
    ], name="augment")
    seconds = fit_classifier(model, x_train, y_train, augment, epochs, seed, batch_size, learning_rate)
    names = list(digit_attributes.DOMAINS)
    per_domain = {n: _accuracy(model, x_test[y_test == i], y_test[y_test == i]) for i, n in enumerate(names)}
    import tensorflow as tf

    config = {
        "description": "Domain classifier (32x32, [-1, 1]) of the digits_attributes domains: logits in the order "
        f"{names}; the judge of multi-domain digit translation (tfgan_zoo.evaluation.multi_domain).",
        "architecture": arch,
        "feature_layer": "features",
        "logits_layer": "logits",
        "labels": names,
        "data": "tfgan_zoo.data.digit_attributes.load_digit_attributes(32, 1, 'train' / 'test')",
        "training": {"epochs": epochs, "seed": seed, "batch_size": batch_size, "learning_rate": learning_rate,
                     "optimizer": "Adam, cosine decay", "augment": "translation 0.1, zoom 0.1 (no rotation)",
                     "seconds": round(seconds, 1)},
        "train_accuracy": _accuracy(model, x_train, y_train),
        "test_accuracy": _accuracy(model, x_test, y_test),
        "test_accuracy_per_domain": per_domain,
        "num_parameters": int(model.count_params()),
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__},
    }
    return _save(model, arch, output_dir, NAME, config)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output_dir", default=str(digits.ASSETS))
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cfg = train(args.output_dir, epochs=args.epochs, seed=args.seed)
    print(f"held-out accuracy {cfg['test_accuracy']} per domain {cfg['test_accuracy_per_domain']} "
          f"(train {cfg['train_accuracy']}), {cfg['training']['seconds']} s; wrote {args.output_dir}")


if __name__ == "__main__":
    main()
