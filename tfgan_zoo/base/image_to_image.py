"""Task base for paired image → image translation GANs."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN


class ImageToImageGAN(BaseGAN):
    """Base for G(source) → target models trained on `(source, target)` pairs. `call(source)` translates.

    In the shared step the discriminator sees `[source, image]` pairs (a conditional D, as pix2pix).
    """

    TASK = tasks.IMAGE_TO_IMAGE

    def split_batch(self, data):
        """`(source, target)` of a batch (for families with their own `train_step`)."""
        batch = self.task.split_batch(self, data)
        return batch["source"], batch["target"]

    def translate(self, images, batch_size=16):
        """Translates source images in [-1, 1] `[N, H, W, C_in]`; returns `[N, H, W, C_out]` numpy."""
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.in_channels)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images must have shape [N, {', '.join(map(str, expected))}], got {images.shape}.")
        outs = [
            tf.cast(self(images[i : i + batch_size], training=False), tf.float32).numpy()
            for i in range(0, len(images), batch_size)
        ]
        return np.concatenate(outs, axis=0)

    def generate(self, num_images=None, seed=None, images=None, batch_size=16):
        """Task equivalent of `generate` for translation models: translates `images`."""
        if images is None:
            raise ValueError(f"{type(self).__name__}.generate needs source `images` to translate.")
        return self.translate(images, batch_size)
