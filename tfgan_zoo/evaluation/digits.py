"""Offline quality measurement for models trained on scikit-learn's handwritten digits.

`load_digits()` ships with scikit-learn: 1,797 8×8 grey-scale digits (values 0..16, ten classes). The zoo trains
on them resized to 32×32 with values in [-1, 1]. A small convolutional classifier of those images, trained by
`train_digits_classifier.py` and shipped in `assets/` (`.weights.h5` + JSON config + sha256), plays the role
Inception plays for natural images: its global-average-pooled last convolution gives the features of
"digits FID/KID/precision/recall" and its softmax the predictions of "digits IS" and per-class coverage.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.evaluation.feature_network import FeatureNetwork
from tfgan_zoo.utils.hashing import sha256_of

ASSETS = Path(__file__).resolve().parent / "assets"
CLASSIFIER_WEIGHTS = ASSETS / "digits_classifier.weights.h5"
CLASSIFIER_CONFIG = ASSETS / "digits_classifier.json"

#: How the evaluation resizes the 8×8 digits (what `digits_images` does); recorded in the classifier config.
DIGITS_RESIZE = "tf.image.resize(method='bilinear', antialias=False) of values/16, then ×2 − 1"
#: The held-out split the shipped classifier was scored on.
SPLIT_SEED = 0
TEST_FRACTION = 0.25


def digits_images(image_size: int = 32, split: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as float32 `[N, S, S, 1]` images in [-1, 1] and int labels.

    Args:
        image_size: output side (bilinear resize of the 8×8 originals).
        split: 'all' (1,797), or the classifier's 'train' / 'test' split (stratified, seed `SPLIT_SEED`).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = digits.images.astype(np.float32)[..., None] / 16.0
    labels = digits.target.astype(np.int32)
    if split != "all":
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'all', 'train' or 'test', got {split!r}.")
        train_idx, test_idx = train_test_split(
            np.arange(len(labels)), test_size=TEST_FRACTION, stratify=labels, random_state=SPLIT_SEED
        )
        idx = np.sort(train_idx if split == "train" else test_idx)
        images, labels = images[idx], labels[idx]
    if image_size != 8:
        images = tf.image.resize(images, (image_size, image_size), method="bilinear").numpy()
    return np.clip(images * 2.0 - 1.0, -1.0, 1.0).astype(np.float32), labels


def build_digits_classifier(image_size: int = 32, filters=(16, 32, 64), num_classes: int = 10, dropout: float = 0.3):
    """The digits classifier: two conv blocks with max-pooling, a third conv, global average pooling
    (`features`), dropout and a linear `logits` layer. Returns a functional `keras.Model` → logits."""
    inputs = keras.Input((image_size, image_size, 1), name="images")
    x = inputs
    for i, f in enumerate(filters):
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"block{i + 1}_conv1")(x)
        if i < len(filters) - 1:
            x = keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"block{i + 1}_conv2")(x)
            x = keras.layers.MaxPooling2D(2, name=f"block{i + 1}_pool")(x)
    features = keras.layers.GlobalAveragePooling2D(name="features")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(features)
    logits = keras.layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name="digits_classifier")


def load_digits_classifier(weights=None, config=None) -> tuple[keras.Model, dict]:
    """The shipped digits classifier (or another one saved by `train_digits_classifier.py`).

    Verifies the weights' sha256 against the config. Returns `(model → logits, config dict)`.
    """
    weights = Path(weights or CLASSIFIER_WEIGHTS)
    config_path = Path(config or (weights.parent / weights.name.replace(".weights.h5", ".json")))
    for p in (weights, config_path):
        if not p.is_file():
            raise FileNotFoundError(
                f"Digits classifier file '{p}' is missing. It ships with tfgan_zoo in tfgan_zoo/evaluation/assets/; "
                "rebuild it with `python -m tfgan_zoo.evaluation.train_digits_classifier`."
            )
    cfg = json.loads(config_path.read_text())
    digest = sha256_of(weights)
    if digest != cfg["sha256"]:
        raise ValueError(
            f"sha256 mismatch for '{weights}': expected {cfg['sha256']} (from {config_path.name}), got {digest}. "
            "The file is corrupt or was replaced; reinstall tfgan_zoo or retrain the classifier."
        )
    arch = cfg["architecture"]
    model = build_digits_classifier(arch["image_size"], tuple(arch["filters"]), arch["num_classes"], arch["dropout"])
    model.load_weights(str(weights))
    return model, cfg


class DigitsFeatureNetwork(FeatureNetwork):
    """The shipped digits classifier as a feature network: 64-d pooled features and 10 logits.

    Accepts 32×32×1 images in [-1, 1]; other sizes are resized (bilinear) and RGB is converted to luma.
    """

    def __init__(self, weights=None, config=None, resizer: str = "tf_bilinear", batch_size: int = 256):
        classifier, cfg = load_digits_classifier(weights, config)
        self.classifier = classifier
        self.config = cfg
        self.model = keras.Model(classifier.input, [classifier.get_layer("features").output, classifier.output])
        size = cfg["architecture"]["image_size"]
        self.input_size = (size, size)
        self.channels = 1
        self.resizer = resizer
        self.batch_size = batch_size
        self.feature_dim = int(self.model.outputs[0].shape[-1])
        self.num_classes = int(cfg["architecture"]["num_classes"])
        self.name = "digits_classifier"
        self.details = {
            "sha256": cfg["sha256"],
            "test_accuracy": cfg["test_accuracy"],
            "comparable_to_published": False,
        }

    def _forward(self, x):
        feats, logits = self.model(x, training=False)
        return feats, logits

    def predict_labels(self, images) -> np.ndarray:
        return np.argmax(self(images)["logits"], axis=1)
