"""Task base for few-shot translators (FUNIT): a content image + K images of a class → the content in that class.

The generator is called as `generator((content_images [B, H, W, C], class_images [B, K, H, W, C]))`; the user API
is `translate(content_images, class_images)` for any K ≥ 1 (the class images of one example share a class, which
may be one never seen in training). `generate(n, seed)` translates seeded draws of held-out digits into the held-out
typefaces of the bundled few-shot source (a demonstration that needs no data of your own).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN


class FewShotTranslationGAN(BaseGAN):
    """Base for few-shot translators. Subclasses set `image_size`, `channels`, `num_classes` (the training classes
    the discriminator judges) and build `self.generator` (called on `(content, class_images)`)."""

    TASK = tasks.FEW_SHOT_TRANSLATION

    def _check_images(self, images, what, rank):
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.channels)
        if images.ndim != rank or images.shape[rank - 3 :] != expected:
            lead = "N" if rank == 4 else "N, K"
            raise ValueError(f"{what} must have shape [{lead}, {', '.join(map(str, expected))}] in [-1, 1], got "
                             f"{images.shape}.")
        return images

    def translate(self, content_images, class_images, batch_size=16):
        """Translates `content_images` `[N, H, W, C]` into the class shown by `class_images`: `[N, K, H, W, C]` (K
        images of each example's target class, any K ≥ 1; their class codes are averaged) or `[K, H, W, C]` (one
        class for every content image). Images in [-1, 1]; returns numpy `[N, H, W, C]`."""
        content = self._check_images(content_images, "content_images", 4)
        class_images = np.asarray(class_images, np.float32)
        if class_images.ndim == 4:
            class_images = np.broadcast_to(class_images[None], (len(content),) + class_images.shape)
        class_images = self._check_images(class_images, "class_images", 5)
        if len(class_images) != len(content) or class_images.shape[1] < 1:
            raise ValueError(f"class_images must hold K >= 1 images for each of the {len(content)} content images "
                             f"([N, K, H, W, C] or [K, H, W, C]); got {class_images.shape}.")
        net = self.inference_generator
        outs = [tf.cast(net((content[i : i + batch_size], class_images[i : i + batch_size]), training=False),
                        tf.float32).numpy() for i in range(0, len(content), batch_size)]
        return np.concatenate(outs, axis=0) if outs else np.zeros((0,) + content.shape[1:], np.float32)

    def example_translation_inputs(self, num_images, seed=None, shots=1):
        """Seeded held-out inputs: `num_images` test digits (handwritten or printed in seen typefaces) and, for
        each, `shots` images of one held-out (unseen) typeface: `(content [N, H, W, C], class_images [N, K, H, W,
        C])`."""
        from tfgan_zoo.data.few_shot import typeface_digits

        rng = np.random.default_rng(seed)
        content, _, _ = typeface_digits(self.image_size, self.channels, "test")
        unseen, ids, _ = typeface_digits(self.image_size, self.channels, "all", unseen=True)
        picks = rng.integers(len(content), size=num_images)
        faces = rng.integers(ids.max() + 1, size=num_images)
        chosen = [rng.choice(np.flatnonzero(ids == f), size=shots, replace=False) for f in faces]
        return content[picks], np.stack([unseen[c] for c in chosen])

    def generate(self, num_images, seed=None, shots=1, batch_size=16):
        """Translations of `num_images` seeded held-out digits into held-out typefaces from `shots` examples each
        (see `example_translation_inputs`); the same seed gives the same images."""
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        content, class_images = self.example_translation_inputs(num_images, seed, shots)
        return self.translate(content, class_images, batch_size)
