"""Task base for noise → image GANs."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.gan import BaseGAN
from tfgan_zoo.layers.random import latents_from_seed
from tfgan_zoo.losses.reduction import reduce_global_batch


def _images_from_batch(data):
    """Accepts `images` or `(images, labels...)` from a dataset and returns the images."""
    if isinstance(data, (tuple, list)):
        return data[0]
    if isinstance(data, dict):
        return data["images"]
    return data


class UnconditionalGAN(BaseGAN):
    """Base for G(z) → image models. `call(latents)` runs the inference generator.

    Subclasses set `self.latent_dim`, `self.latent_distribution` ('normal' | 'uniform'), `self.image_size`,
    `self.channels` and `self.generator`; optionally `self.generator_ema`.
    """

    #: critic updates per generator update; each consumes its own slice of the batch (see `critic_chunks`).
    n_critic = 1
    #: True: the generator update reuses the fake batch (and the recorded forward pass) of the discriminator
    #: update, sent through the *updated* discriminator, as pytorch/examples' and dcgan.torch's DCGAN do: one G
    #: forward per step instead of two. False: the G update draws new latents (Goodfellow et al.'s Algorithm 1).
    #: Only with `n_critic == 1`.
    reuse_fake_for_generator_step = False

    @property
    def inference_generator(self):
        return getattr(self, "generator_ema", None) or self.generator

    # Objective hooks used by the default `train_step` (families override what differs).
    def discriminator_loss(self, real_outputs, fake_outputs):
        raise NotImplementedError

    def generator_loss(self, fake_outputs):
        raise NotImplementedError

    def discriminator_penalty(self, real, fake):
        """`(weighted per-example penalty, {log_name: per-example value})` added to the D loss, or None."""
        return None

    def train_step(self, data):
        """`n_critic` discriminator updates, each on its own slice of the batch, then one generator update.

        With `n_critic > 1` a `fit` batch holds `n_critic` minibatches (the trainer multiplies the batch size);
        critic step k uses examples k, k+n, k+2n, ... so the split is the same on one device and on N replicas.
        """
        real = self.images_from_batch(data)
        if self.reuse_fake_for_generator_step and self.n_critic == 1:
            return self._train_step_reusing_fake(real)
        d_loss = None
        for chunk in critic_chunks(real, self.n_critic):
            batch = tf.shape(chunk)[0]
            fake = tf.stop_gradient(self.generator(self.sample_latents(batch), training=True))

            def d_loss_fn(chunk=chunk, fake=fake):
                per_example = self.discriminator_loss(
                    self.discriminator(chunk, training=True), self.discriminator(fake, training=True)
                )
                penalty = self.discriminator_penalty(chunk, fake)
                extras = {}
                if penalty is not None:
                    weighted, parts = penalty
                    per_example = per_example + weighted
                    extras = {k: reduce_global_batch(v) for k, v in parts.items()}
                return reduce_global_batch(per_example), extras

            d_loss, d_extras = self.update_player("discriminator", d_loss_fn)
        z = self.sample_latents(batch)

        def g_loss_fn():
            fake = self.generator(z, training=True)
            return reduce_global_batch(self.generator_loss(self.discriminator(fake, training=True))), {}

        g_loss, _ = self.update_player("generator", g_loss_fn)
        self.after_generator_update()
        self.track(d_loss=d_loss, g_loss=g_loss, **d_extras)
        return self.logs()

    def _discriminator_loss_fn(self, real, fake):
        def d_loss_fn():
            per_example = self.discriminator_loss(
                self.discriminator(real, training=True), self.discriminator(fake, training=True)
            )
            penalty = self.discriminator_penalty(real, fake)
            extras = {}
            if penalty is not None:
                weighted, parts = penalty
                per_example = per_example + weighted
                extras = {k: reduce_global_batch(v) for k, v in parts.items()}
            return reduce_global_batch(per_example), extras

        return d_loss_fn

    def _train_step_reusing_fake(self, real):
        """One G forward per step: D update on (real, G(z)); G update from the same G(z) through the updated D.

        The G gradient is the chain rule in two recorded pieces: dL_G/dfake through the updated D, then that
        vector pulled back through the tape of the G forward (`output_gradients`). Same gradients as a second
        forward of G on the same z, with half the G forward work and one BN-statistics update per step.
        """
        batch = tf.shape(real)[0]
        z = self.sample_latents(batch)
        g_vars = self.player_variables("generator")
        g_opt = self.player_optimizers["generator"]
        if self._inner_jit:
            # Multi-replica XLA compiles each player's computation separately (see `update_player`), so a tape
            # cannot span both updates: recompute G on the same z (same fake batch, same gradients).
            fake = tf.stop_gradient(self.generator(z, training=True))
            d_loss, d_extras = self.update_player("discriminator", self._discriminator_loss_fn(real, fake))

            def g_loss_fn():
                out = self.discriminator(self.generator(z, training=True), training=True)
                return reduce_global_batch(self.generator_loss(out)), {}

            g_loss, _ = self.update_player("generator", g_loss_fn)
        else:
            with tf.GradientTape() as g_tape:
                fake = self.generator(z, training=True)
            fake_in = tf.stop_gradient(fake)
            d_loss, d_extras = self.update_player("discriminator", self._discriminator_loss_fn(real, fake_in))
            with tf.GradientTape() as x_tape:
                x_tape.watch(fake_in)
                g_loss = reduce_global_batch(self.generator_loss(self.discriminator(fake_in, training=True)))
                scaled = g_opt.scale_loss(g_loss)
            d_fake = tf.cast(x_tape.gradient(scaled, fake_in), fake.dtype)
            grads = g_tape.gradient(fake, g_vars, output_gradients=d_fake)
            g_opt.apply_gradients(zip(grads, g_vars))
        self.after_generator_update()
        self.track(d_loss=d_loss, g_loss=g_loss, **d_extras)
        return self.logs()

    def after_generator_update(self):
        """Hook run after each generator update (EMA, schedules)."""
        ema = getattr(self, "generator_ema", None)
        if ema is not None:
            self.update_ema(ema, self.generator, self.ema_decay)

    def call(self, inputs, training=False):
        return self.inference_generator(inputs, training=training)

    def images_from_batch(self, data):
        images = _images_from_batch(data)
        return tf.cast(images, self.compute_dtype)

    def generate(self, num_images, seed=None, batch_size=64):
        """Generates `num_images` images in [-1, 1] as a numpy array `[N, H, W, C]`.

        The same `seed` always gives the same images, and the same images as the exported `sample` signature.
        """
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        latents = self.latents_for(num_images, seed)
        return self.generate_from_latents(latents, batch_size)

    def generate_from_latents(self, latents, batch_size=64):
        latents = tf.convert_to_tensor(latents, tf.float32)
        if latents.shape.rank != 2 or latents.shape[-1] != self.latent_dim:
            raise ValueError(f"latents must have shape [N, {self.latent_dim}], got {latents.shape}.")
        outs = [
            tf.cast(self(latents[i : i + batch_size], training=False), tf.float32).numpy()
            for i in range(0, latents.shape[0], batch_size)
        ]
        return np.concatenate(outs, axis=0)

    def serving_signatures(self):
        g = self.inference_generator
        dist = self.latent_distribution

        def serving_default(latents):
            return {"images": tf.cast(g(latents, training=False), tf.float32)}

        def sample(seed, num_images):
            z = latents_from_seed(seed, num_images, self.latent_dim, dist)
            return {"images": tf.cast(g(z, training=False), tf.float32), "latents": z}

        return {
            "serving_default": (serving_default, [tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents")]),
            "sample": (
                sample,
                [tf.TensorSpec([], tf.int32, name="seed"), tf.TensorSpec([], tf.int32, name="num_images")],
            ),
        }

    def dummy_inputs(self, batch=2):
        return tf.zeros((batch, self.latent_dim))


def critic_chunks(batch, n_critic):
    """Splits a batch into `n_critic` interleaved slices (example i goes to slice i mod n)."""
    if n_critic == 1:
        return [batch]
    return [batch[k::n_critic] for k in range(n_critic)]
