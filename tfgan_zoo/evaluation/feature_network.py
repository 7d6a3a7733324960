"""`FeatureNetwork`: the common interface of the networks whose embeddings and predictions metrics use.

A feature network takes the zoo's images (float `[N, H, W, C]` in [-1, 1], or uint8) and returns, per image, a
feature vector (FID, KID, precision/recall, density/coverage) and class logits (IS, class coverage). It owns its
preprocessing: channel conversion, the resizer to its input size and its input value range. `describe()` says
exactly which network and preprocessing produced a number; every evaluation result records it.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.evaluation._utils import check_images

#: Resizers by name. The name is recorded with every result, since FID moves with the resizer.
RESIZERS = {
    "none": "no resizing: the input size must equal the network's",
    "tf_bilinear": "tf.image.resize(method='bilinear', antialias=False) (half-pixel centres)",
    "tf_bilinear_antialias": "tf.image.resize(method='bilinear', antialias=True)",
    "tf_bicubic_antialias": "tf.image.resize(method='bicubic', antialias=True)",
    "graph_bilinear": "the ResizeBilinear op inside the 2015-12-05 Inception graph (TF1, align_corners=False)",
}


def resize_images(images: tf.Tensor, size, resizer: str) -> tf.Tensor:
    """Resizes float images `[N, H, W, C]` to `size` = (height, width) with a named resizer."""
    if resizer not in RESIZERS:
        raise ValueError(f"Unknown resizer {resizer!r}; expected one of {sorted(RESIZERS)}.")
    if resizer in ("none", "graph_bilinear"):
        if resizer == "none" and tuple(images.shape[1:3]) != tuple(size):
            raise ValueError(
                f"Images are {images.shape[1]}×{images.shape[2]} but the network takes {size[0]}×{size[1]} and "
                "the resizer is 'none'; choose a resizer such as 'tf_bilinear'."
            )
        return images
    if tuple(images.shape[1:3]) == tuple(size):
        return images
    method, antialias = {
        "tf_bilinear": ("bilinear", False),
        "tf_bilinear_antialias": ("bilinear", True),
        "tf_bicubic_antialias": ("bicubic", True),
    }[resizer]
    return tf.image.resize(images, size, method=method, antialias=antialias)


def convert_channels(images: tf.Tensor, channels: int) -> tf.Tensor:
    """1 → 3 channels by repetition; 3 → 1 by ITU-R BT.601 luma (`tf.image.rgb_to_grayscale`)."""
    have = images.shape[-1]
    if have == channels:
        return images
    if have == 1 and channels == 3:
        return tf.repeat(images, 3, axis=-1)
    if have == 3 and channels == 1:
        return tf.image.rgb_to_grayscale(images)
    raise ValueError(f"Cannot feed {have}-channel images to a network that takes {channels} channels.")


class FeatureNetwork:
    """Base class. Subclasses set the attributes below and implement `_forward(x)` → (features, logits).

    Attributes:
        name: short identifier recorded with results (e.g. `tf_inception_2015_12_05`, `digits_classifier`).
        input_size: (height, width) the network runs at.
        channels: input channels it expects.
        feature_dim: length of its feature vector.
        num_classes: number of logits (0 if it has no classifier head).
        resizer: a key of `RESIZERS`.
        quantize: round images to 256 levels first (as PNG files on disk would be), the published protocols'
            convention for Inception metrics.
        input_range: (low, high) the network expects; [-1, 1] images are mapped linearly onto it.
        details: extra provenance (file, sha256, weights) for `describe()`.
    """

    name = "feature_network"
    input_size = (299, 299)
    channels = 3
    feature_dim = 0
    num_classes = 0
    resizer = "tf_bilinear"
    quantize = False
    input_range = (-1.0, 1.0)
    details: dict = {}
    batch_size = 64

    def _forward(self, x: tf.Tensor):
        raise NotImplementedError

    def preprocess(self, images: tf.Tensor) -> tf.Tensor:
        """[-1, 1] float images → the network's input (channels, quantization, size, range)."""
        x = tf.cast(images, tf.float32)
        x = convert_channels(x, self.channels)
        if self.quantize:
            x = tf.round((x + 1.0) * 127.5) / 127.5 - 1.0
        x = resize_images(x, self.input_size, self.resizer)
        lo, hi = self.input_range
        if (lo, hi) != (-1.0, 1.0):
            x = (x + 1.0) * ((hi - lo) / 2.0) + lo
        return x

    def _graph_fn(self, image_shape):
        """One compiled function per input (H, W, C), any batch size."""
        if getattr(self, "_compiled", None) is None:
            self._compiled = {}
        key = tuple(int(d) for d in image_shape)
        if key not in self._compiled:
            spec = tf.TensorSpec([None, *key], tf.float32)
            self._compiled[key] = tf.function(lambda x: self._forward(self.preprocess(x)), input_signature=[spec])
        return self._compiled[key]

    def features_tf(self, images):
        """In-graph features of a batch (for the streaming metrics' `feature_network=`)."""
        return self._forward(self.preprocess(images))[0]

    def logits_tf(self, images):
        return self._forward(self.preprocess(images))[1]

    def __call__(self, images, batch_size: int | None = None) -> dict:
        """Features and logits of `images` as float32 numpy arrays: `{"features": [N, D], "logits": [N, C]}`."""
        images = check_images(images)
        batch_size = batch_size or self.batch_size
        fn = self._graph_fn(images.shape[1:])
        feats, logits = [], []
        for start in range(0, len(images), batch_size):
            f, lg = fn(tf.constant(images[start : start + batch_size]))
            feats.append(np.asarray(f, np.float32).reshape(len(f), -1))
            if lg is not None:
                logits.append(np.asarray(lg, np.float32).reshape(len(lg), -1))
        out = {"features": np.concatenate(feats) if feats else np.zeros((0, self.feature_dim), np.float32)}
        out["logits"] = np.concatenate(logits) if logits else None
        return out

    def describe(self) -> dict:
        """Which network and preprocessing produced a number; stored with every evaluation result."""
        return {
            "name": self.name,
            "input_size": list(self.input_size),
            "feature_dim": self.feature_dim,
            "num_classes": self.num_classes,
            "resizer": self.resizer,
            "quantize_uint8": self.quantize,
            **self.details,
        }

    def __repr__(self):
        return f"{type(self).__name__}({self.name}, {self.input_size[0]}×{self.input_size[1]}, resizer={self.resizer})"
