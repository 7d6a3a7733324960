"""Task base of the SN-GAN / SAGAN / BigGAN lineage: hinge loss, `n_critic` D steps, optional classes, an EMA
generator with a start step, BigGAN's orthogonal regularization, the truncation trick and standing statistics.

`num_classes > 0`: a class-conditional GAN (conditional BN in G, projection D), trained on `(images, labels)`,
`call((latents, labels))`. `num_classes == 0`: the unconditional variant of the same architecture. The class
declares `tasks.OPTIONAL_CLASS_CONDITIONAL`, which resolves per instance, so every entry point (train step, `call`,
`generate`, serving) follows the instance's concrete task without the model ever switching task.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.conditional import ConditionalGAN
from tfgan_zoo.base.unconditional import generate_from_latents
from tfgan_zoo.layers.standing_stats import accumulate_standing_statistics
from tfgan_zoo.layers.truncation import truncated_normal_from_seed
from tfgan_zoo.losses.adversarial import get_adversarial_loss
from tfgan_zoo.losses.orthogonal import biggan_orthogonal_penalty


class ProjectionGAN(ConditionalGAN):
    """Base for ResNet GANs with a projection discriminator. Subclasses set, before `_finish_init()`:
    `latent_dim`, `num_classes`, `image_size`, `channels`, `n_critic`, `loss`, `ema_decay` (None = no EMA),
    `ema_start`, `ortho_beta` (0 = off), `generator`, `discriminator`, and call `self._setup_projection()`.
    """

    TASK = tasks.OPTIONAL_CLASS_CONDITIONAL
    latent_distribution = "normal"

    def generate_from_latents(self, latents, batch_size=64):
        """Unconditional instances: images for given latents (numpy `[N, H, W, C]`)."""
        if self.conditional:
            raise ValueError(f"{type(self).__name__} is class-conditional: use generate(..., labels=...).")
        return generate_from_latents(self, latents, batch_size)

    def _setup_projection(self):
        if self.num_classes < 0:
            raise ValueError(f"num_classes must be >= 0 (0 = unconditional), got {self.num_classes}.")
        if self.n_critic < 1:
            raise ValueError(f"n_critic must be >= 1, got {self.n_critic}.")
        self._d_loss_fn, self._g_loss_fn = get_adversarial_loss(self.adversarial_loss)
        if self.ema_decay is not None:
            if not 0.0 < self.ema_decay < 1.0:
                raise ValueError(f"ema_decay must be in (0, 1) or None, got {self.ema_decay}.")
            self.generator_ema = self._make_ema(self.generator, "generator_ema")

    @property
    def conditional(self):
        return self.task.labels

    def player_variables(self, player):
        """As `BaseGAN`, minus the generator biases whose gradient is exactly zero (a constant that only reaches
        batch norms; see `tfgan_zoo.networks.resnet_gan._BiasTracker`): round-off would otherwise drive them."""
        variables = super().player_variables(player)
        if player != "generator":
            return variables
        skip = set(getattr(self.generator, "zero_gradient_biases", ()))
        return [v for v in variables if not (v.path.endswith("bias") and skip & set(v.path.split("/")[:-1]))]

    # ------------------------------------------------------------------------------------------ objective
    def discriminator_loss(self, real_outputs, fake_outputs):
        return self._d_loss_fn(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return self._g_loss_fn(fake_outputs)

    def orthogonal_weights(self):
        """G kernels under BigGAN's orthogonal regularization: every rank ≥ 2 weight except the shared class
        embedding (BigGAN-PyTorch's blacklist)."""
        return [v for v in self.generator.trainable_variables if len(v.shape) >= 2 and "shared_embedding" not in v.path]

    def weight_penalty(self, player):
        if player != "generator" or not self.ortho_beta:
            return None
        # the gradient BigGAN-PyTorch adds (utils.ortho): 2β(WWᵀ ⊙ (1 − I))W, half of the paper formula's
        return biggan_orthogonal_penalty(self.orthogonal_weights(), self.ortho_beta), "ortho_loss"

    def after_step(self, batch):
        ema = getattr(self, "generator_ema", None)
        if ema is None:
            return
        step = self.player_optimizers["generator"].iterations
        # BigGAN copies G into the EMA until `ema_start`, then averages.
        decay = tf.where(step <= self.ema_start, 0.0, float(self.ema_decay))
        self.update_ema(ema, self.generator, decay)

    # ------------------------------------------------------------------------------------------ inference
    def call(self, inputs, training=False):
        if self.conditional:
            return super().call(inputs, training)
        return self.inference_generator(inputs, training=training)

    def generate(self, num_images, seed=None, labels=None, batch_size=64, truncation=0.0):
        """Images in [-1, 1] `[N, H, W, C]`; the same seed gives the same images as the `sample` signature.

        Args:
            labels: class ids (conditional models; default 0, 1, 2, ... cycling).
            truncation: > 0 samples z from a normal truncated to [-truncation, truncation] (the
                `sample_truncated` signature); 0 = untruncated.
        """
        if not self.conditional and labels is not None:
            raise ValueError(f"{type(self).__name__} with num_classes=0 is unconditional; do not pass labels.")
        if truncation and truncation > 0:
            if num_images <= 0:
                raise ValueError(f"num_images must be positive, got {num_images}.")
            if seed is None:
                seed = int(np.random.randint(0, 2**31 - 1))
            z = truncated_normal_from_seed(seed, num_images, self.latent_dim, truncation)
            if labels is None:
                labels = np.arange(num_images) % max(self.num_classes, 1)
            labels = self.check_labels(labels) if self.conditional else None
            outs = []
            for i in range(0, num_images, batch_size):
                zi = z[i : i + batch_size]
                inputs = (zi, labels[i : i + batch_size]) if self.conditional else zi
                outs.append(tf.cast(self(inputs, training=False), tf.float32).numpy())
            return np.concatenate(outs, axis=0)
        if self.conditional:
            return super().generate(num_images, seed=seed, labels=labels, batch_size=batch_size)
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        return self.generate_from_latents(self.latents_for(num_images, seed), batch_size)

    def serving_signatures(self):
        g = self.inference_generator
        if not self.conditional:
            sigs = self.task.serving_signatures(self)

            def sample_truncated(seed, num_images, truncation):
                z = truncated_normal_from_seed(seed, num_images, self.latent_dim, truncation)
                return {"images": tf.cast(g(z, training=False), tf.float32), "latents": z}

            sigs["sample_truncated"] = (
                sample_truncated,
                [tf.TensorSpec([], tf.int32, name="seed"), tf.TensorSpec([], tf.int32, name="num_images"),
                 tf.TensorSpec([], tf.float32, name="truncation")],
            )
            return sigs
        sigs = self.task.serving_signatures(self)

        def sample_truncated(seed, labels, truncation):
            z = truncated_normal_from_seed(seed, tf.shape(labels)[0], self.latent_dim, truncation)
            return {"images": tf.cast(g([z, labels], training=False), tf.float32), "latents": z}

        sigs["sample_truncated"] = (
            sample_truncated,
            [tf.TensorSpec([], tf.int32, name="seed"), tf.TensorSpec([None], tf.int32, name="labels"),
             tf.TensorSpec([], tf.float32, name="truncation")],
        )
        return sigs

    def serving_example_inputs(self, endpoint, batch):
        if endpoint != "sample_truncated":
            return None
        out = {"seed": np.asarray(1, np.int32), "truncation": np.asarray(0.5, np.float32)}
        if self.conditional:
            out["labels"] = np.zeros((batch,), np.int32)
        else:
            out["num_images"] = np.asarray(batch, np.int32)
        return out

    # ------------------------------------------------------------------------------------------ BigGAN sampling
    def standing_statistics(self, num_batches=100, batch_size=64, truncation=0.0, seed=0):
        """Recomputes the inference generator's batch-norm statistics as the mean over `num_batches` forward
        passes of fresh (optionally truncated) latents and random classes (BigGAN's "standing statistics").

        Returns:
            the number of batch-norm layers updated.
        """
        rng = np.random.default_rng(seed)

        def inputs_fn(k):
            z = truncated_normal_from_seed(seed * 100003 + k, batch_size, self.latent_dim, truncation)
            if not self.conditional:
                return z
            return [z, tf.constant(rng.integers(0, self.num_classes, batch_size), tf.int32)]

        return accumulate_standing_statistics(self.inference_generator, inputs_fn, num_batches)
