"""Task base for paired image → image translation GANs."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.gan import BaseGAN


class ImageToImageGAN(BaseGAN):
    """Base for G(source) → target models trained on `(source, target)` pairs. `call(source)` translates."""

    @property
    def inference_generator(self):
        return getattr(self, "generator_ema", None) or self.generator

    def call(self, inputs, training=False):
        return self.inference_generator(inputs, training=training)

    def split_batch(self, data):
        if isinstance(data, dict):
            source, target = data["source"], data["target"]
        elif isinstance(data, (tuple, list)) and len(data) == 2:
            source, target = data
        else:
            raise ValueError(
                f"{type(self).__name__} trains on (source, target) image pairs; use a paired data source."
            )
        return tf.cast(source, self.compute_dtype), tf.cast(target, self.compute_dtype)

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

    def serving_signatures(self):
        g = self.inference_generator

        def serving_default(images):
            return {"images": tf.cast(g(images, training=False), tf.float32)}

        spec = tf.TensorSpec([None, self.image_size, self.image_size, self.in_channels], tf.float32, name="images")
        return {"serving_default": (serving_default, [spec])}

    def dummy_inputs(self, batch=2):
        return tf.zeros((batch, self.image_size, self.image_size, self.in_channels))
