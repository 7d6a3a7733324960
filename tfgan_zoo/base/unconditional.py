"""Task base for noise → image GANs."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN


class UnconditionalGAN(BaseGAN):
    """Base for G(z) → image models. `call(latents)` runs the inference generator.

    Subclasses set `self.latent_dim`, `self.latent_distribution` ('normal' | 'uniform'), `self.image_size`,
    `self.channels` and `self.generator`; optionally `self.generator_ema`.
    """

    TASK = tasks.UNCONDITIONAL

    def generate(self, num_images, seed=None, batch_size=64):
        """Generates `num_images` images in [-1, 1] as a numpy array `[N, H, W, C]`.

        The same `seed` always gives the same images, and the same images as the exported `sample` signature.
        """
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        latents = self.latents_for(num_images, seed)
        return self.generate_from_latents(latents, batch_size)

    def generate_from_latents(self, latents, batch_size=64):
        return generate_from_latents(self, latents, batch_size)


def generate_from_latents(model, latents, batch_size=64):
    """`model(latents)` in batches for a model whose inference input is latents only; numpy `[N, H, W, C]`."""
    latents = tf.convert_to_tensor(latents, tf.float32)
    if latents.shape.rank != 2 or latents.shape[-1] != model.latent_dim:
        raise ValueError(f"latents must have shape [N, {model.latent_dim}], got {latents.shape}.")
    outs = [
        tf.cast(model(latents[i : i + batch_size], training=False), tf.float32).numpy()
        for i in range(0, latents.shape[0], batch_size)
    ]
    return np.concatenate(outs, axis=0)
