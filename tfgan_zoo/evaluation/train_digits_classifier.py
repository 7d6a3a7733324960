"""Trains the digits classifier that backs "digits FID / IS / coverage" and writes it to `assets/`.

    python -m tfgan_zoo.evaluation.train_digits_classifier [--output_dir DIR] [--epochs 60] [--seed 0]

It trains on the stratified 75% train split of scikit-learn's digits (32×32, [-1, 1], the zoo's bundled-data
format) with small random shifts, rotations and zooms, scores the 25% held-out split, and writes
`digits_classifier.weights.h5` plus `digits_classifier.json` (architecture, preprocessing, split, training
settings, accuracies and the weights' sha256). Runs in about a minute on two CPU cores.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.evaluation import digits


def fit_classifier(model, x, y, augment, epochs, seed, batch_size, learning_rate) -> float:
    """Fits a digits classifier on augmented, shuffled batches with Adam and a cosine schedule (cross-entropy on
    logits); returns the seconds it took. Shared by the shipped classifiers' training scripts."""
    train_ds = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed)
        .batch(batch_size)
        .map(lambda xb, yb: (tf.clip_by_value(augment(xb, training=True), -1.0, 1.0), yb))
        .prefetch(2)
    )
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * int(np.ceil(len(x) / batch_size)))
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.time()
    model.fit(train_ds, epochs=epochs, verbose=2)
    return time.time() - start


def train(output_dir=digits.ASSETS, epochs: int = 60, seed: int = 0, batch_size: int = 64, learning_rate: float = 1e-3):
    """Trains, evaluates and saves the classifier. Returns the written config dict."""
    keras.utils.set_random_seed(seed)
    x_train, y_train = digits.digits_images(32, "train")
    x_test, y_test = digits.digits_images(32, "test")
    arch = {"image_size": 32, "filters": [16, 32, 64], "num_classes": 10, "dropout": 0.3}
    model = digits.build_digits_classifier(arch["image_size"], tuple(arch["filters"]), arch["num_classes"],
                                           arch["dropout"])
    augment = keras.Sequential(
        [
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=-1.0, seed=seed),
            keras.layers.RandomRotation(0.04, fill_mode="constant", fill_value=-1.0, seed=seed + 1),
            keras.layers.RandomZoom(0.1, fill_mode="constant", fill_value=-1.0, seed=seed + 2),
        ],
        name="augment",
    )
    seconds = fit_classifier(model, x_train, y_train, augment, epochs, seed, batch_size, learning_rate)
    _, train_acc = model.evaluate(x_train, y_train, verbose=0)
    _, test_acc = model.evaluate(x_test, y_test, verbose=0)

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    weights_path = output_dir / "digits_classifier.weights.h5"
    # Save from an uncompiled twin so the file holds the network's weights only (no optimizer slots).
    export = digits.build_digits_classifier(arch["image_size"], tuple(arch["filters"]), arch["num_classes"],
                                            arch["dropout"])
    export.set_weights(model.get_weights())
    export.save_weights(str(weights_path))
    config = {
        "description": "Classifier of scikit-learn's handwritten digits (32x32, [-1, 1]) for digits FID/IS/coverage.",
        "architecture": arch,
        "feature_layer": "features",
        "logits_layer": "logits",
        "preprocessing": digits.DIGITS_RESIZE,
        "split": {
            "dataset": "sklearn.datasets.load_digits",
            "method": "train_test_split(stratify=labels)",
            "test_fraction": digits.TEST_FRACTION,
            "random_state": digits.SPLIT_SEED,
            "num_train": int(len(y_train)),
            "num_test": int(len(y_test)),
        },
        "training": {
            "epochs": epochs,
            "batch_size": batch_size,
            "optimizer": f"Adam, cosine decay from {learning_rate}",
            "augmentation": "RandomTranslation(0.1), RandomRotation(0.04), RandomZoom(0.1), fill -1",
            "seed": seed,
            "seconds": round(seconds, 1),
        },
        "train_accuracy": round(float(train_acc), 4),
        "test_accuracy": round(float(test_acc), 4),
        "num_parameters": int(model.count_params()),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        "sha256": digits.sha256_of(weights_path),
    }
    (output_dir / "digits_classifier.json").write_text(json.dumps(config, indent=2) + "\n")
    return config


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output_dir", default=str(digits.ASSETS))
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = train(args.output_dir, epochs=args.epochs, seed=args.seed)
    print(
        f"digits classifier: test accuracy {config['test_accuracy']:.4f} on {config['split']['num_test']} held-out "
        f"digits (train {config['train_accuracy']:.4f}), {config['num_parameters']} parameters, "
        f"{config['training']['seconds']} s; wrote {args.output_dir}"
    )


if __name__ == "__main__":
    main()
