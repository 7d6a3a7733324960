"""Task bases for two-domain GANs trained on unpaired sets: translators (CycleGAN, DualGAN, DiscoGAN) and
generators of pairs (CoGAN).

A translator has two generators, G: A → B and F: B → A, held together by one `TwoWayGenerator` (the generator
player, the exported inference network), and two discriminators, `discriminator_a` (real vs fake images of A) and
`discriminator_b`. The shared step's hooks become, per example:

    D:  discriminator_loss(D_A(a), D_A(pool_A(F(b)))) + discriminator_loss(D_B(b), D_B(pool_B(G(a))))
    G:  generator_loss(D_B(G(a))) + generator_loss(D_A(F(b)))
        + cycle_weight_a · reconstruction_loss(F(G(a)), a) + cycle_weight_b · reconstruction_loss(G(F(b)), b)
        + identity_weight · (reconstruction_loss(G(b), b) + reconstruction_loss(F(a), a))   [when > 0]

A family sets the losses and weights; `pool_size > 0` keeps CycleGAN's history of fakes per discriminator.
`discriminator_penalty(real, fake, batch)` receives `{"a": ..., "b": ...}` dicts for real and fake.

A generator of pairs (`PairGenerationGAN`) maps one z to an image of each domain through `CoupledGenerator`
(`pair(z)` → (a, b)), and its two discriminators judge each domain:

    D:  discriminator_loss(D_A(a), D_A(G_A(z))) + discriminator_loss(D_B(b), D_B(G_B(z)))
    G:  generator_loss(D_A(G_A(z))) + generator_loss(D_B(G_B(z)))

Weights shared between the two generators (or the two discriminators) are one variable, updated once.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN, _reduce_with_penalty
from tfgan_zoo.layers.image_pool import ImagePool
from tfgan_zoo.losses.reconstruction import l1_loss
from tfgan_zoo.losses.reduction import reduce_global_batch


class TwoWayGenerator(keras.Model):
    """G: A → B (`a_to_b`) and F: B → A (`b_to_a`) as one model: one player's variables, one exported network.
    Calling it translates A → B."""

    def __init__(self, a_to_b, b_to_a, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.a_to_b = a_to_b
        self.b_to_a = b_to_a
        self.built = True

    def translator(self, direction):
        return self.a_to_b if direction == "a_to_b" else self.b_to_a

    def call(self, images, training=False):
        return self.a_to_b(images, training=training)


class TwoDomainTranslationGAN(BaseGAN):
    """Base for unpaired A ↔ B translators. Subclasses set `image_size`, `channels`, the weights below and build
    `self.generator = TwoWayGenerator(G, F)`, `self.discriminator_a`, `self.discriminator_b`, then call
    `self._finish_init()` (which adds the history pools when `pool_size > 0`).

    Attributes used by the step: `cycle_weight_a`, `cycle_weight_b` (λ of the A → B → A and B → A → B
    reconstructions), `identity_weight` (0: no identity term), `pool_size`, `discriminator_loss_scale`.
    """

    TASK = tasks.UNPAIRED_TRANSLATION
    loss_names = ("d_loss", "g_loss", "d_a_loss", "d_b_loss", "g_adversarial", "g_cycle_a", "g_cycle_b")
    cycle_weight_a = 10.0
    cycle_weight_b = 10.0
    identity_weight = 0.0
    pool_size = 0
    #: the D objective's scale (CycleGAN halves it: (real + fake) · ½ per discriminator).
    discriminator_loss_scale = 1.0

    def _finish_init(self):
        shape = (self.image_size, self.image_size, self.channels)
        if self.pool_size:
            self.pool_a = ImagePool(self.pool_size, shape, name="pool_a")
            self.pool_b = ImagePool(self.pool_size, shape, name="pool_b")
        super()._finish_init()

    def player_models(self):
        return {"generator": [self.generator], "discriminator": [self.discriminator_a, self.discriminator_b]}

    @property
    def generator_ab(self):
        return self.generator.a_to_b

    @property
    def generator_ba(self):
        return self.generator.b_to_a

    # ----------------------------------------------------------------------------------------- the step's hooks
    def reconstruction_loss(self, reconstructed, target):
        """Per-example distance of a cycle (or identity) reconstruction to its original: L1 by default."""
        return l1_loss(reconstructed, target)

    def generate_fake(self, batch):
        g = self.generator
        fake_b = g.a_to_b(batch["a"], training=True)
        fake_a = g.b_to_a(batch["b"], training=True)
        if self.pool_size:
            seeds = self.seed_generator.next()
            fake_a = self.pool_a.query(fake_a, seeds)
            fake_b = self.pool_b.query(fake_b, seeds + 7)
        return {"a": fake_a, "b": fake_b}

    def discriminator_objective(self, batch, fake):
        d_a = self.discriminator_loss(self.discriminator_a(batch["a"], training=True),
                                      self.discriminator_a(fake["a"], training=True))
        d_b = self.discriminator_loss(self.discriminator_b(batch["b"], training=True),
                                      self.discriminator_b(fake["b"], training=True))
        scale = self.discriminator_loss_scale
        logs = {"d_a_loss": reduce_global_batch(scale * d_a), "d_b_loss": reduce_global_batch(scale * d_b)}
        real = {"a": batch["a"], "b": batch["b"]}
        loss = _reduce_with_penalty(scale * (d_a + d_b), self.discriminator_penalty(real, fake, batch), logs, "d")
        loss = self._add_extra_terms("discriminator", loss, logs, batch, fake=fake)
        return loss, logs

    def generator_objective(self, batch, inputs, fake=None):
        g = self.generator
        a, b = batch["a"], batch["b"]
        fake_b = g.a_to_b(a, training=True)
        fake_a = g.b_to_a(b, training=True)
        adversarial = (self.generator_loss(self.discriminator_b(fake_b, training=True))
                       + self.generator_loss(self.discriminator_a(fake_a, training=True)))
        cycle_a = self.reconstruction_loss(g.b_to_a(fake_b, training=True), a)
        cycle_b = self.reconstruction_loss(g.a_to_b(fake_a, training=True), b)
        weighted = self.cycle_weight_a * cycle_a + self.cycle_weight_b * cycle_b
        parts = {"g_cycle_a": cycle_a, "g_cycle_b": cycle_b}
        if self.identity_weight:
            identity = (self.reconstruction_loss(g.a_to_b(b, training=True), b) * self.cycle_weight_b
                        + self.reconstruction_loss(g.b_to_a(a, training=True), a) * self.cycle_weight_a)
            weighted = weighted + self.identity_weight * identity
            parts["g_identity"] = identity
        logs = {}
        loss = _reduce_with_penalty(adversarial, (weighted, parts), logs, "g")
        loss = self._add_extra_terms("generator", loss, logs, batch, fake=fake_b)
        return loss, logs

    # ----------------------------------------------------------------------------------------- user API
    def translate(self, images, direction="a_to_b", batch_size=16):
        """Translates images in [-1, 1] `[N, H, W, C]` from one domain to the other (`direction` 'a_to_b' or
        'b_to_a'); returns numpy `[N, H, W, C]`."""
        self.task.check_direction(self, direction)
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.channels)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images must have shape [N, {', '.join(map(str, expected))}], got {images.shape}.")
        net = self.inference_generator.translator(direction)
        outs = [tf.cast(net(images[i : i + batch_size], training=False), tf.float32).numpy()
                for i in range(0, len(images), batch_size)]
        return np.concatenate(outs, axis=0) if outs else np.zeros((0,) + expected, np.float32)

    def generate(self, num_images=None, seed=None, images=None, direction="a_to_b", batch_size=16):
        """Task equivalent of `generate` for translators: translates `images`."""
        if images is None:
            raise ValueError(f"{type(self).__name__}.generate needs source `images` to translate.")
        return self.translate(images, direction, batch_size)


class CoupledGenerator(keras.Model):
    """Two generators of one latent, `generator_a` and `generator_b` (which may share layers): `pair(z)` → (a, b);
    calling it gives domain A."""

    def __init__(self, generator_a, generator_b, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.generator_a = generator_a
        self.generator_b = generator_b
        self.built = True

    def pair(self, latents, training=False):
        return self.generator_a(latents, training=training), self.generator_b(latents, training=training)

    def call(self, latents, training=False):
        return self.generator_a(latents, training=training)


class PairGenerationGAN(BaseGAN):
    """Base for noise → (image of A, image of B) models trained on unpaired sets (CoGAN). Subclasses set
    `latent_dim`, `latent_distribution`, `image_size`, `channels`, build `self.generator = CoupledGenerator(G_A,
    G_B)`, `self.discriminator_a`, `self.discriminator_b` and supply `discriminator_loss` / `generator_loss`."""

    TASK = tasks.PAIR_GENERATION
    loss_names = ("d_loss", "g_loss", "d_a_loss", "d_b_loss")

    def player_models(self):
        return {"generator": [self.generator], "discriminator": [self.discriminator_a, self.discriminator_b]}

    def generate_fake(self, batch):
        a, b = self.generator.pair(self.generator_inputs(batch), training=True)
        return {"a": a, "b": b}

    def discriminator_objective(self, batch, fake):
        d_a = self.discriminator_loss(self.discriminator_a(batch["a"], training=True),
                                      self.discriminator_a(fake["a"], training=True))
        d_b = self.discriminator_loss(self.discriminator_b(batch["b"], training=True),
                                      self.discriminator_b(fake["b"], training=True))
        logs = {"d_a_loss": reduce_global_batch(d_a), "d_b_loss": reduce_global_batch(d_b)}
        real = {"a": batch["a"], "b": batch["b"]}
        loss = _reduce_with_penalty(d_a + d_b, self.discriminator_penalty(real, fake, batch), logs, "d")
        loss = self._add_extra_terms("discriminator", loss, logs, batch, fake=fake)
        return loss, logs

    def generator_objective(self, batch, inputs, fake=None):
        a, b = self.generator.pair(inputs, training=True)
        adversarial = (self.generator_loss(self.discriminator_a(a, training=True))
                       + self.generator_loss(self.discriminator_b(b, training=True)))
        logs = {}
        loss = _reduce_with_penalty(adversarial, self.generator_penalty({"a": a, "b": b}, batch), logs, "g")
        loss = self._add_extra_terms("generator", loss, logs, batch, fake=a)
        return loss, logs

    def generate(self, num_images, seed=None, batch_size=64):
        """`(images_a, images_b)`, numpy `[N, H, W, C]` each in [-1, 1]: the pair of each latent. The same `seed`
        gives the same pairs as the exported `sample_pair` signature."""
        if num_images <= 0:
            raise ValueError(f"num_images must be positive, got {num_images}.")
        latents = self.latents_for(num_images, seed)
        g = self.inference_generator
        a, b = [], []
        for i in range(0, num_images, batch_size):
            x, y = g.pair(latents[i : i + batch_size], training=False)
            a.append(tf.cast(x, tf.float32).numpy())
            b.append(tf.cast(y, tf.float32).numpy())
        return np.concatenate(a, axis=0), np.concatenate(b, axis=0)
