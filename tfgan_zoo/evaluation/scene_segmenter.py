"""The digit-scene segmenter: the judge of semantic image synthesis on the bundled digit scenes.

The papers measure semantic synthesis by segmenting the synthesized image with a pretrained segmentation network and
comparing the result with the input label map (mIoU, pixel accuracy). On the bundled digit scenes
(`tfgan_zoo.data.digit_scenes`) this small U-Net plays that role: trained by `train_scene_segmenter.py` on the
training scenes (grayscale and the luma of colourised ones), scored on the held-out scenes (digits it never saw), and
shipped in `assets/` (`.weights.h5` + JSON config with its scores and sha256). It reads 32×32 luma in [-1, 1]
(RGB is converted, other sizes are resized) and predicts the 11 classes per pixel; its pooled bottleneck gives the
features of the "scene FID" (a Fréchet distance between real and synthesized scenes, as digits FID does for digits).

    >>> seg = load_scene_segmenter()
    >>> seg.segment(np.zeros((2, 32, 32, 1), "float32")).shape
    (2, 32, 32)
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.utils.hashing import sha256_of

ASSETS = Path(__file__).resolve().parent / "assets"
SEGMENTER_WEIGHTS = ASSETS / "digit_scenes_segmenter.weights.h5"
SEGMENTER_CONFIG = ASSETS / "digit_scenes_segmenter.json"
INPUT_SIZE = 32


def build_scene_segmenter(filters=(16, 32, 56), num_classes: int = 11, name: str = "scene_segmenter"):
    """A 2-level U-Net: `[B, 32, 32, 1]` luma → per-pixel logits `[B, 32, 32, num_classes]`; the layer
    `features` is the global average of its bottleneck."""
    x_in = keras.Input((None, None, 1), name="images")
    x, skips = x_in, []
    for i, f in enumerate(filters):
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"down{i}_conv1")(x)
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"down{i}_conv2")(x)
        if i < len(filters) - 1:
            skips.append(x)
            x = keras.layers.MaxPooling2D(2, name=f"down{i}_pool")(x)
    features = keras.layers.GlobalAveragePooling2D(name="features")(x)
    for i, f in reversed(list(enumerate(filters[:-1]))):
        x = keras.layers.UpSampling2D(2, name=f"up{i}_upsample")(x)
        x = keras.layers.Concatenate(name=f"up{i}_skip")([x, skips[i]])
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"up{i}_conv1")(x)
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"up{i}_conv2")(x)
    logits = keras.layers.Conv2D(num_classes, 1, name="logits")(x)
    return keras.Model(x_in, [logits, features], name=name)


def to_luma(images) -> np.ndarray:
    """Images `[N, H, W, 1 or 3]` in [-1, 1] → luma `[N, 32, 32, 1]` in [-1, 1] (bilinear resize if needed)."""
    x = np.asarray(images, np.float32)
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(f"The scene segmenter takes images [N, H, W, 1 or 3] in [-1, 1]; got shape {x.shape}.")
    if x.shape[-1] == 3:
        x = (x * np.array([0.299, 0.587, 0.114], np.float32)).sum(-1, keepdims=True)
    if x.shape[1:3] != (INPUT_SIZE, INPUT_SIZE):
        x = tf.image.resize(x, (INPUT_SIZE, INPUT_SIZE), method="bilinear", antialias=True).numpy()
    return np.clip(x, -1.0, 1.0)


class SceneSegmenter:
    """The loaded segmenter: `segment(images)` → int label maps, `features(images)` → pooled features."""

    def __init__(self, model: keras.Model, config: dict):
        self.model, self.config = model, config
        self.num_classes = int(config["architecture"]["num_classes"])

    def _run(self, images, batch_size=256):
        x = to_luma(images)
        logits, feats = [], []
        for i in range(0, len(x), batch_size):
            lg, ft = self.model(x[i : i + batch_size], training=False)
            logits.append(lg.numpy())
            feats.append(ft.numpy())
        if not logits:
            return np.zeros((0, INPUT_SIZE, INPUT_SIZE, self.num_classes)), np.zeros((0, 1))
        return np.concatenate(logits), np.concatenate(feats)

    def segment(self, images, size=None) -> np.ndarray:
        """Per-pixel class ids `[N, S, S]` at `size` (default: the images' own size; nearest upsampling)."""
        labels = self._run(images)[0].argmax(-1).astype(np.int32)
        size = size or np.asarray(images).shape[1]
        if size != INPUT_SIZE:
            labels = tf.image.resize(labels[..., None], (size, size), method="nearest").numpy()[..., 0]
        return labels

    def features(self, images) -> np.ndarray:
        return self._run(images)[1]


def load_scene_segmenter(weights=None, config=None) -> SceneSegmenter:
    """The shipped digit-scene segmenter (or one written by `train_scene_segmenter.py`), sha256-checked."""
    weights = Path(weights or SEGMENTER_WEIGHTS)
    config_path = Path(config or weights.parent / weights.name.replace(".weights.h5", ".json"))
    for p in (weights, config_path):
        if not p.is_file():
            raise FileNotFoundError(f"Scene segmenter file '{p}' is missing. It ships with tfgan_zoo in "
                                    "tfgan_zoo/evaluation/assets/; rebuild it with "
                                    "`python -m tfgan_zoo.evaluation.train_scene_segmenter`.")
    cfg = json.loads(config_path.read_text())
    digest = sha256_of(weights)
    if digest != cfg["sha256"]:
        raise ValueError(f"sha256 mismatch for '{weights}': expected {cfg['sha256']} (from {config_path.name}), got "
                         f"{digest}. The file is corrupt or was replaced; reinstall tfgan_zoo or retrain it.")
    arch = cfg["architecture"]
    model = build_scene_segmenter(tuple(arch["filters"]), arch["num_classes"])
    model.load_weights(str(weights))
    return SceneSegmenter(model, cfg)


def segmentation_scores(predicted, target, num_classes: int = 11) -> dict:
    """mIoU (mean over the classes present in the target or the prediction) and pixel accuracy."""
    p = np.asarray(predicted).ravel().astype(np.int64)
    t = np.asarray(target).ravel().astype(np.int64)
    if p.shape != t.shape:
        raise ValueError(f"predicted and target label maps differ in size: {p.shape} vs {t.shape}.")
    cm = np.bincount(t * num_classes + p, minlength=num_classes**2).reshape(num_classes, num_classes)
    inter = np.diag(cm).astype(np.float64)
    union = cm.sum(0) + cm.sum(1) - inter
    present = union > 0
    iou = inter[present] / union[present]
    return {"miou": float(iou.mean()) if present.any() else 0.0, "pixel_accuracy": float(inter.sum() / max(t.size, 1)),
            "per_class_iou": {int(c): float(v) for c, v in zip(np.flatnonzero(present), iou)}}
