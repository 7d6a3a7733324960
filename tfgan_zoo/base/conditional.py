"""Task base for (noise, class label) → image GANs."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN


class ConditionalGAN(BaseGAN):
    """Base for G(z, y) → image models. `call((latents, labels))` runs the inference generator.

    Labels are int class ids `[B]`. Training data is `(images, labels)`; fakes in the shared step reuse the
    batch's labels, so y follows the data's class distribution.
    """

    TASK = tasks.CLASS_CONDITIONAL

    def call(self, inputs, training=False):
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise ValueError(f"{type(self).__name__} expects (latents, labels) as inputs.")
        latents, labels = inputs
        return self.inference_generator([latents, tf.cast(labels, tf.int32)], training=training)

    def split_batch(self, data):
        """`(images, labels)` of a batch (for families with their own `train_step`)."""
        batch = self.task.split_batch(self, data)
        return batch["images"], batch["labels"]

    def label_spec(self):
        """The serving signatures' `labels` input: int class ids `[N]`."""
        return tf.TensorSpec([None], tf.int32, name="labels")

    def example_labels(self, n):
        """Valid inference labels for `n` examples: classes 0, 1, ... cycling."""
        return (np.arange(n) % max(1, int(self.num_classes))).astype(np.int32)

    def random_labels(self, n, rng):
        """Random training labels for `n` examples (synthetic benchmark data)."""
        return rng.integers(0, max(1, int(self.num_classes)), n).astype(np.int32)

    def check_labels(self, labels):
        labels = np.asarray(labels)
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels must be a 1-D array of int class ids, got {labels.dtype} {labels.shape}.")
        if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(f"labels must be in [0, {self.num_classes}), got range [{labels.min()}, {labels.max()}].")
        return labels.astype(np.int32)

    def generate(self, num_images, seed=None, labels=None, batch_size=64):
        """Images in [-1, 1] `[N, H, W, C]` for `labels` (default: classes 0, 1, ..., cycling)."""
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        if labels is None:
            labels = np.arange(num_images) % self.num_classes
        labels = self.check_labels(labels)
        if len(labels) != num_images:
            raise ValueError(f"Got {len(labels)} labels for {num_images} images.")
        latents = self.latents_for(num_images, seed)
        outs = [
            tf.cast(self((latents[i : i + batch_size], labels[i : i + batch_size]), training=False), tf.float32).numpy()
            for i in range(0, num_images, batch_size)
        ]
        return np.concatenate(outs, axis=0)
