"""Progressive growing of GANs in one fixed full-resolution graph."""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.layers.progressive import images_at_lod, lod_schedule  # noqa: F401 (re-exported)
from tfgan_zoo.layers.random import replica_info
from tfgan_zoo.losses.adversarial import wasserstein_discriminator_loss, wasserstein_generator_loss
from tfgan_zoo.losses.penalties import gradient_penalty
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.models.pggan import pggan_networks as nets
from tfgan_zoo.registry import register_model


@register_model("pggan")
class PGGAN(UnconditionalGAN):
    """Progressive GAN: G and D grow from 4×4 to `image_size` with fade-in, equalized learning rate, pixelwise
    feature normalization in G, minibatch stddev in D, WGAN-GP (λ = 10) plus drift ε·D(x)² (ε = 0.001),
    Adam(1e-3, 0, 0.99, 1e-8), EMA generator (0.999).

    Progressive growing runs in a fixed full-resolution graph (the official "linear" structure): every resolution
    is built once and a non-trainable `lod` variable in each network selects and fades the active levels, so
    checkpoints, `get_config`, export and TFLite always see one model. The schedule is driven by the checkpointed
    `images_seen` counter (the official `TrainingSchedule`: `lod_training_kimg` of stabilization then
    `lod_transition_kimg` of fade-in per resolution), evaluated inside the train step, so any `fit` (and a resumed
    run) continues the schedule exactly where it stopped. Real images are shown at the current level of detail
    (box-downsampled and faded, `process_reals`). Set `fixed_lod` to hold a level instead.

    Args:
        latent_dim: 512. image_size, channels: output size (1024×1024×3 for CelebA-HQ).
        fmap_base, fmap_max: nf(stage) = min(fmap_base / 2^stage, fmap_max) (8192, 512).
        normalize_latents, use_pixelnorm: latent and pixelwise feature normalization (True).
        mbstd_group_size: minibatch stddev group (4).
        gp_weight, drift_weight: λ (10) and ε_drift (0.001).
        lod_training_kimg, lod_transition_kimg: thousands of real images per stabilization / fade-in phase (800 /
            800 in the paper; the official code's default is 600 / 600).
        lod_initial_resolution: first resolution trained (4).
        fixed_lod: hold this level of detail (None = follow the schedule).
        ema_decay: 0.999. learning_rate, beta_1, beta_2, epsilon: Adam (1e-3, 0, 0.99, 1e-8).
        latent_distribution: 'normal'. seed: training-noise seed.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("pggan", image_size=16, latent_dim=16, fmap_base=64, fmap_max=16)
        >>> m.current_lod()   # starts at 4×4: lod = log2(16) − 2
        2.0

    Reference:
        Karras, Aila, Laine, Lehtinen, "Progressive Growing of GANs for Improved Quality, Stability, and
        Variation", ICLR 2018, arXiv:1710.10196; official code github.com/tkarras/progressive_growing_of_gans.
    """

    loss_names = ("d_loss", "g_loss", "gradient_penalty", "drift", "lod")

    def __init__(
        self,
        latent_dim=512,
        image_size=1024,
        channels=3,
        fmap_base=8192,
        fmap_max=512,
        normalize_latents=True,
        use_pixelnorm=True,
        mbstd_group_size=4,
        gp_weight=10.0,
        drift_weight=0.001,
        lod_training_kimg=800.0,
        lod_transition_kimg=800.0,
        lod_initial_resolution=4,
        fixed_lod=None,
        ema_decay=0.999,
        learning_rate=1e-3,
        beta_1=0.0,
        beta_2=0.99,
        epsilon=1e-8,
        latent_distribution="normal",
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        log2 = nets.check_resolution(image_size)
        init_log2 = nets.check_resolution(lod_initial_resolution)
        if init_log2 > log2:
            raise ValueError(f"lod_initial_resolution ({lod_initial_resolution}) exceeds image_size ({image_size}).")
        if lod_transition_kimg <= 0 or lod_training_kimg < 0:
            raise ValueError("lod_transition_kimg must be > 0 and lod_training_kimg >= 0 (thousands of images).")
        self.latent_dim = latent_dim
        self.image_size = image_size
        self.channels = channels
        self.fmap_base = fmap_base
        self.fmap_max = fmap_max
        self.normalize_latents = normalize_latents
        self.use_pixelnorm = use_pixelnorm
        self.mbstd_group_size = mbstd_group_size
        self.gp_weight = float(gp_weight)
        self.drift_weight = float(drift_weight)
        self.lod_training_kimg = float(lod_training_kimg)
        self.lod_transition_kimg = float(lod_transition_kimg)
        self.lod_initial_resolution = lod_initial_resolution
        self.fixed_lod = fixed_lod
        self.ema_decay = ema_decay
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.latent_distribution = latent_distribution
        self.max_lod = log2 - 2
        self.start_lod = log2 - init_log2
        initial = float(self.start_lod if fixed_lod is None else fixed_lod)
        self.generator = nets.build_generator(latent_dim, image_size, channels, fmap_base, fmap_max,
                                              normalize_latents, use_pixelnorm, initial)
        self.discriminator = nets.build_discriminator(image_size, channels, fmap_base, fmap_max, mbstd_group_size,
                                                      initial)
        self.generator_ema = self._make_ema(self.generator, "generator_ema")
        self.images_seen = self.add_weight(name="images_seen", shape=(), dtype="int64", initializer="zeros",
                                           trainable=False, aggregation="only_first_replica")
        self._finish_init()


    # ------------------------------------------------------------------------------------------ schedule
    def scheduled_lod(self, images_seen):
        if self.fixed_lod is not None:
            return float(self.fixed_lod) if isinstance(images_seen, (int, float)) else tf.constant(
                float(self.fixed_lod), tf.float64)
        return lod_schedule(images_seen, self.start_lod, self.lod_training_kimg, self.lod_transition_kimg)

    def current_lod(self):
        """The level of detail the networks are at (0 = full resolution)."""
        return float(self.generator.get_layer("lod").lod.numpy())

    def current_resolution(self):
        return 2 ** (int(math.log2(self.image_size)) - int(math.floor(self.current_lod())))

    def set_lod(self, lod):
        """Sets the level of detail of G, EMA G and D (e.g. to sample an intermediate stage)."""
        for net in (self.generator, self.generator_ema, self.discriminator):
            net.get_layer("lod").lod.assign(tf.cast(lod, tf.float32))

    # ------------------------------------------------------------------------------------------ training
    def prepare_batch(self, batch):
        """Progressive growing: sets the scheduled level of detail on G and D and fades the real images to it."""
        lod = tf.cast(self.scheduled_lod(self.images_seen), tf.float32)
        for net in (self.generator, self.discriminator):
            net.get_layer("lod").lod.assign(lod)
        return {**batch, "images": images_at_lod(batch["images"], lod, self.max_lod)}

    def discriminator_objective(self, batch, fake):
        """WGAN-GP plus the drift term ε·D(x)², which reuses the D(x) of the loss (one real forward)."""
        real = batch["images"]
        alpha = self.random_uniform([tf.shape(real)[0]])
        real_out = _flat(self.discriminate(real, batch))
        fake_out = _flat(self.discriminate(fake, batch))
        gp = gradient_penalty(lambda x: self.discriminator(x, training=True), real, fake, alpha)
        drift = tf.square(real_out)
        per_example = wasserstein_discriminator_loss(real_out, fake_out) + self.gp_weight * gp \
            + self.drift_weight * drift
        loss = reduce_global_batch(per_example)
        return loss, {"d_loss": loss, "gradient_penalty": reduce_global_batch(gp), "drift": reduce_global_batch(drift)}

    def generator_loss(self, fake_outputs):
        return wasserstein_generator_loss(_flat(fake_outputs))

    def generator_objective(self, batch, inputs, fake=None):
        loss, logs = super().generator_objective(batch, inputs, fake)
        n, _ = replica_info()
        logs["lod"] = self.generator.get_layer("lod").lod / n
        return loss, logs

    def after_step(self, batch):
        n, _ = replica_info()
        self.images_seen.assign_add(tf.cast(tf.shape(batch["images"])[0] * n, tf.int64))
        super().after_step(batch)

    def call(self, inputs, training=False):
        out = self.inference_generator(inputs, training=training)
        return out if training else tf.clip_by_value(out, -1.0, 1.0)

    def serving_signatures(self):
        from tfgan_zoo.layers.random import latents_from_seed

        g = self.inference_generator
        dist = self.latent_distribution

        def serving_default(latents):
            return {"images": tf.clip_by_value(tf.cast(g(latents, training=False), tf.float32), -1.0, 1.0)}

        def sample(seed, num_images):
            z = latents_from_seed(seed, num_images, self.latent_dim, dist)
            return {"images": tf.clip_by_value(tf.cast(g(z, training=False), tf.float32), -1.0, 1.0), "latents": z}

        return {
            "serving_default": (serving_default, [tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents")]),
            "sample": (sample, [tf.TensorSpec([], tf.int32, name="seed"),
                                tf.TensorSpec([], tf.int32, name="num_images")]),
        }

    def sliced_wasserstein(self, real_images, num_images=None, seed=0, **swd_kwargs):
        """PGGAN's multi-scale sliced Wasserstein distance (tfgan_zoo.evaluation.swd) between `real_images` in
        [-1, 1] and as many generated images. Returns `{"levels": {res: d}, "mean": d}` (×1e3 in the paper)."""
        from tfgan_zoo.evaluation.swd import sliced_wasserstein_distance

        real = np.asarray(real_images, np.float32)
        fake = self.generate(num_images or len(real), seed=seed)
        return sliced_wasserstein_distance(real, fake, seed=seed, **swd_kwargs)


def _flat(outputs):
    return tf.reshape(tf.cast(outputs, tf.float32), [-1])
