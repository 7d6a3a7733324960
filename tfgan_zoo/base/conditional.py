"""Task base for (noise, class label) → image GANs."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.gan import BaseGAN
from tfgan_zoo.base.unconditional import critic_chunks
from tfgan_zoo.layers.random import latents_from_seed
from tfgan_zoo.losses.reduction import reduce_global_batch


class ConditionalGAN(BaseGAN):
    """Base for G(z, y) → image models. `call((latents, labels))` runs the inference generator.

    Labels are int class ids `[B]`. Training data is `(images, labels)`.
    """

    n_critic = 1

    @property
    def inference_generator(self):
        return getattr(self, "generator_ema", None) or self.generator

    def discriminator_loss(self, real_outputs, fake_outputs):
        raise NotImplementedError

    def generator_loss(self, fake_outputs):
        raise NotImplementedError

    def train_step(self, data):
        """One discriminator update on (real, y) vs (G(z, y), y), then one generator update; fakes reuse the
        batch's labels, so y follows the data's class distribution."""
        images, labels = self.split_batch(data)
        d_loss = None
        for chunk, chunk_labels in zip(critic_chunks(images, self.n_critic), critic_chunks(labels, self.n_critic)):
            batch = tf.shape(chunk)[0]
            fake = tf.stop_gradient(self.generator([self.sample_latents(batch), chunk_labels], training=True))

            def d_loss_fn(chunk=chunk, fake=fake, y=chunk_labels):
                per_example = self.discriminator_loss(
                    self.discriminator([chunk, y], training=True), self.discriminator([fake, y], training=True)
                )
                return reduce_global_batch(per_example), {}

            d_loss, _ = self.update_player("discriminator", d_loss_fn)
        z = self.sample_latents(batch)

        def g_loss_fn():
            fake = self.generator([z, chunk_labels], training=True)
            return reduce_global_batch(self.generator_loss(self.discriminator([fake, chunk_labels], training=True))), {}

        g_loss, _ = self.update_player("generator", g_loss_fn)
        self.track(d_loss=d_loss, g_loss=g_loss)
        return self.logs()

    def call(self, inputs, training=False):
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise ValueError(f"{type(self).__name__} expects (latents, labels) as inputs.")
        latents, labels = inputs
        return self.inference_generator([latents, tf.cast(labels, tf.int32)], training=training)

    def split_batch(self, data):
        if isinstance(data, dict):
            images, labels = data["images"], data["labels"]
        elif isinstance(data, (tuple, list)) and len(data) >= 2:
            images, labels = data[0], data[1]
        else:
            raise ValueError(
                f"{type(self).__name__} trains on (images, labels) batches; the dataset yields a single tensor. "
                "Use a labelled data source (digits, class subfolders, a TFDS set with labels)."
            )
        return tf.cast(images, self.compute_dtype), tf.reshape(tf.cast(labels, tf.int32), [-1])

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

    def serving_signatures(self):
        g = self.inference_generator
        dist = self.latent_distribution

        def serving_default(latents, labels):
            return {"images": tf.cast(g([latents, labels], training=False), tf.float32)}

        def sample(seed, labels):
            z = latents_from_seed(seed, tf.shape(labels)[0], self.latent_dim, dist)
            return {"images": tf.cast(g([z, labels], training=False), tf.float32), "latents": z}

        return {
            "serving_default": (
                serving_default,
                [
                    tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents"),
                    tf.TensorSpec([None], tf.int32, name="labels"),
                ],
            ),
            "sample": (
                sample,
                [tf.TensorSpec([], tf.int32, name="seed"), tf.TensorSpec([None], tf.int32, name="labels")],
            ),
        }

    def dummy_inputs(self, batch=2):
        return (tf.zeros((batch, self.latent_dim)), tf.zeros((batch,), tf.int32))
