"""Trains the two judges of handwritten ↔ printed digit translation and writes them to `assets/`.

    python -m tfgan_zoo.evaluation.train_translation_judges [--output_dir DIR] [--epochs 60] [--seed 0]

* the **content classifier** (`digits_content_classifier`): which digit, on either domain. The shipped digits
  classifier (`digits_classifier`, handwritten only) reads real printed digits poorly (about 72 %), so it cannot
  judge A → B translations; it stays unchanged (the digits FID numbers depend on it) and this second classifier
  of the same architecture is trained on the real handwritten and printed train splits together.
* the **domain classifier** (`digits_domain_classifier`): handwritten (0) vs printed (1), same network family
  with two outputs. Trained on clean images alone it reaches 100 % but judges by softness: binarised handwriting
  passes as printed and blurred print as handwritten, so a translator that only sharpens or blurs would score
  perfectly. It therefore also trains on a copy of both domains with random appearance changes (Gaussian blur or
  a contrast-stretching threshold, `appearance_jitter`), which leaves the glyph's shape as the cue; its JSON
  records these probes next to the clean held-out accuracy.

Both train on `printed_digits.load_handwritten_printed(32, 1, 'train')` (1,617 handwritten + 1,680 printed) with
small random shifts, rotations and zooms, are scored per domain on the held-out 'test' split (180 + 210), and are
written as `<name>.weights.h5` plus `<name>.json` (architecture, data, training settings, accuracies, sha256) —
the format `digits.load_digits_classifier(weights)` reads. Runs in a few minutes on two CPU cores.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.data import printed_digits
from tfgan_zoo.evaluation import digits
from tfgan_zoo.evaluation.train_digits_classifier import fit_classifier

CONTENT_NAME = "digits_content_classifier"
DOMAIN_NAME = "digits_domain_classifier"
ARCHITECTURE = {"image_size": 32, "filters": [16, 32, 64], "dropout": 0.3}


def _augment(seed):
    return keras.Sequential(
        [
            keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=-1.0, seed=seed),
            keras.layers.RandomRotation(0.04, fill_mode="constant", fill_value=-1.0, seed=seed + 1),
            keras.layers.RandomZoom(0.1, fill_mode="constant", fill_value=-1.0, seed=seed + 2),
        ],
        name="augment",
    )


def appearance_jitter(images, rng):
    """Per image, one of: unchanged, Gaussian blur (σ 0.6–2 px, peak renormalised) or a soft threshold (level
    0.3–0.6, gain 4–10) — the softness of the strokes, made uninformative of the domain. [-1, 1] in and out."""
    from scipy import ndimage

    x01 = (np.asarray(images, np.float32) + 1.0) / 2.0
    out = np.empty_like(x01)
    for i, image in enumerate(x01):
        mode = rng.integers(3)
        if mode == 0:
            out[i] = image
        elif mode == 1:
            blurred = ndimage.gaussian_filter(image, (rng.uniform(0.6, 2.0),) * 2 + (0,))
            out[i] = blurred / max(float(blurred.max()), 1e-6)
        else:
            level = rng.uniform(0.3, 0.6)
            out[i] = np.clip((image - level) * rng.uniform(4.0, 10.0) + 0.5, 0.0, 1.0)
    return (out * 2.0 - 1.0).astype(np.float32)


def blur_probe(images, sigma=1.5):
    """Printed (or any) images blurred by a Gaussian of `sigma` px, peak renormalised: a robustness probe."""
    from scipy import ndimage

    blurred = ndimage.gaussian_filter((np.asarray(images, np.float32) + 1.0) / 2.0, (0, sigma, sigma, 0))
    peak = blurred.reshape(len(blurred), -1).max(axis=1).reshape(-1, 1, 1, 1)
    return (blurred / np.maximum(peak, 1e-6) * 2.0 - 1.0).astype(np.float32)


def binarise_probe(images):
    """Images thresholded at 0 to {-1, 1}: a robustness probe (sharp handwriting)."""
    return np.where(np.asarray(images) > 0, 1.0, -1.0).astype(np.float32)


def _data():
    a_train, ya_train, b_train, yb_train = printed_digits.load_handwritten_printed(32, 1, "train", seed=0)
    a_test, ya_test, b_test, yb_test = printed_digits.load_handwritten_printed(32, 1, "test", seed=0)
    return (a_train, ya_train, b_train, yb_train), (a_test, ya_test, b_test, yb_test)


def _fit(name, num_classes, x, y, epochs, seed, batch_size, learning_rate):
    keras.utils.set_random_seed(seed)
    arch = dict(ARCHITECTURE, num_classes=num_classes)
    model = digits.build_digits_classifier(arch["image_size"], tuple(arch["filters"]), num_classes, arch["dropout"])
    seconds = fit_classifier(model, x, y, _augment(seed), epochs, seed, batch_size, learning_rate)
    return model, arch, seconds


def _accuracy(model, x, y):
    pred = np.argmax(model.predict(x, batch_size=256, verbose=0), axis=1)
    return round(float(np.mean(pred == y)), 4)


def _save(model, arch, output_dir, name, config):
    weights_path = Path(output_dir) / f"{name}.weights.h5"
    # Save from an uncompiled twin so the file holds the network's weights only (no optimizer slots).
    export = digits.build_digits_classifier(arch["image_size"], tuple(arch["filters"]), arch["num_classes"],
                                            arch["dropout"])
    export.set_weights(model.get_weights())
    export.save_weights(str(weights_path))
    config["sha256"] = digits.sha256_of(weights_path)
    (Path(output_dir) / f"{name}.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return config


def train(output_dir=digits.ASSETS, epochs: int = 60, domain_epochs: int = 8, seed: int = 0, batch_size: int = 64,
          learning_rate: float = 1e-3):
    """Trains, evaluates and saves both judges. Returns `{"content": config, "domain": config}`."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (a_tr, ya_tr, b_tr, yb_tr), (a_te, ya_te, b_te, yb_te) = _data()
    data = {
        "source": "tfgan_zoo.data.printed_digits.load_handwritten_printed(32, 1, split, seed=0)",
        "domain_a": "handwritten: sklearn.datasets.load_digits via bundled.load_digits (seeded 90/10 split, seed 0)",
        "domain_b": (
            f"printed: digits 0-9 in {len(printed_digits.TYPEFACES)} matplotlib typefaces "
            f"({', '.join(printed_digits.TYPEFACES)}), {printed_digits.PER_TYPEFACE_AND_DIGIT} jittered images per "
            f"(typeface, digit), render seed {printed_digits.RENDER_SEED}; test = {printed_digits.TEST_PER_GROUP} "
            f"per (typeface, digit), split seed {printed_digits.SPLIT_SEED}"
        ),
        "num_train": {"a": int(len(ya_tr)), "b": int(len(yb_tr))},
        "num_test": {"a": int(len(ya_te)), "b": int(len(yb_te))},
    }
    training = {
        "batch_size": batch_size,
        "optimizer": f"Adam, cosine decay from {learning_rate}",
        "augmentation": "RandomTranslation(0.1), RandomRotation(0.04), RandomZoom(0.1), fill -1",
        "seed": seed,
    }
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__}

    x_train = np.concatenate([a_tr, b_tr])
    # Content: which digit, whatever the domain.
    model, arch, seconds = _fit(CONTENT_NAME, 10, x_train, np.concatenate([ya_tr, yb_tr]), epochs, seed, batch_size,
                                learning_rate)
    content = {
        "description": "Digit classifier of handwritten AND printed digits (32x32, [-1, 1]): the content judge of "
        "handwritten <-> printed translation. The shipped digits_classifier (handwritten only) is not used for it.",
        "architecture": arch,
        "feature_layer": "features",
        "logits_layer": "logits",
        "labels": "digits 0-9",
        "data": data,
        "training": dict(training, epochs=epochs, seconds=round(seconds, 1)),
        "train_accuracy": {"a": _accuracy(model, a_tr, ya_tr), "b": _accuracy(model, b_tr, yb_tr)},
        "test_accuracy": {"a": _accuracy(model, a_te, ya_te), "b": _accuracy(model, b_te, yb_te)},
        "num_parameters": int(model.count_params()),
        "versions": versions,
    }
    # Why this classifier exists: the handwritten-only digits classifier on every real printed image.
    printed, printed_labels, _ = printed_digits.load_printed_digits(32, "all")
    content["digits_classifier_accuracy_on_printed"] = _accuracy(digits.load_digits_classifier()[0], printed,
                                                                 printed_labels)
    content = _save(model, arch, output_dir, CONTENT_NAME, content)

    # Domain: 0 = handwritten (A), 1 = printed (B).
    y_domain = np.concatenate([np.zeros(len(ya_tr), np.int32), np.ones(len(yb_tr), np.int32)])
    x_domain = np.concatenate([x_train, appearance_jitter(x_train, np.random.default_rng(seed))])
    y_domain = np.concatenate([y_domain, y_domain])
    model, arch, seconds = _fit(DOMAIN_NAME, 2, x_domain, y_domain, domain_epochs, seed + 10, batch_size,
                                learning_rate)
    zeros_te, ones_te = np.zeros(len(ya_te), np.int32), np.ones(len(yb_te), np.int32)
    domain = {
        "description": "Domain classifier (32x32, [-1, 1]): logit 0 = handwritten (domain A), logit 1 = printed "
        "(domain B); the realism judge of handwritten <-> printed translation.",
        "architecture": arch,
        "feature_layer": "features",
        "logits_layer": "logits",
        "labels": ["a: handwritten", "b: printed"],
        "data": data,
        "training": dict(training, epochs=domain_epochs, seed=seed + 10, seconds=round(seconds, 1),
                         appearance_jitter="train set + one copy with appearance_jitter (blur / soft threshold), "
                         f"numpy rng seed {seed}"),
        "train_accuracy": {"a": _accuracy(model, a_tr, np.zeros(len(ya_tr), np.int32)),
                           "b": _accuracy(model, b_tr, np.ones(len(yb_tr), np.int32))},
        "test_accuracy": {"a": _accuracy(model, a_te, zeros_te), "b": _accuracy(model, b_te, ones_te)},
        "robustness": {
            "printed_test_blurred_sigma_1.5_judged_printed": _accuracy(model, blur_probe(b_te, 1.5), ones_te),
            "handwritten_test_binarised_judged_handwritten": _accuracy(model, binarise_probe(a_te), zeros_te),
        },
        "num_parameters": int(model.count_params()),
        "versions": versions,
    }
    domain = _save(model, arch, output_dir, DOMAIN_NAME, domain)
    return {"content": content, "domain": domain}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output_dir", default=str(digits.ASSETS))
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--domain_epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    configs = train(args.output_dir, epochs=args.epochs, domain_epochs=args.domain_epochs, seed=args.seed)
    for kind, cfg in configs.items():
        print(
            f"{kind} classifier: held-out accuracy handwritten {cfg['test_accuracy']['a']:.4f}, printed "
            f"{cfg['test_accuracy']['b']:.4f} (train {cfg['train_accuracy']}), {cfg['training']['seconds']} s"
        )
    print(f"wrote {args.output_dir}")


if __name__ == "__main__":
    main()
