"""StyleGAN2 (config-f): modulated convolutions, skip G, residual D, lazy R1 and path-length regularization."""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfgan_zoo.base.style_based import StyleBasedGAN, global_mean
from tfgan_zoo.layers.random import consistent_random, replica_info
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.models.stylegan2 import stylegan2_networks as nets
from tfgan_zoo.registry import register_model


@register_model("stylegan2")
class StyleGAN2(StyleBasedGAN):
    """StyleGAN2 config-f: mapping network (8 layers, lr ×0.01), modulated/demodulated convolutions with noise,
    skip-connection generator, residual discriminator with minibatch stddev, non-saturating logistic loss, lazy R1
    (γ, every 16 D steps) and lazy path-length regularization (weight 2, every 4 G steps), style mixing (p 0.9),
    tracked average w for truncation, EMA generator (half-life 10k images). No progressive growing.

    Lazy regularization as the official code: on a regularization step the regularizer, multiplied by its interval,
    is added to the loss of that step; the default optimizers use lr·c and β^c with c = interval/(interval+1).
    The step counter is the player's optimizer iteration count, tested with `tf.cond` inside the compiled step, so
    the schedule is graph-friendly (XLA) and identical on one device or many.

    Args:
        latent_dim, w_dim: Z and W sizes (512).
        image_size, channels: output resolution (power of two) and channels.
        mapping_layers, mapping_lr_multiplier: 8, 0.01.
        fmap_base, fmap_min, fmap_max: feature maps nf(stage) = clip(fmap_base / 2^stage, min, max) (16384, 1, 512).
        mbstd_group_size, mbstd_num_features: minibatch stddev (4, 1).
        style_mixing_prob: probability of mixing two latents at a random layer in training (0.9).
        w_avg_beta: decay of the tracked average w (0.995).
        r1_gamma, r1_interval: R1 weight γ (10 for FFHQ 1024) and lazy interval (16).
        pl_weight, pl_interval, pl_decay, pl_batch_shrink: path-length regularization (2, 4, 0.01, 2).
        ema_kimg: EMA half-life in thousands of images (10): decay 0.5^(batch / (1000·ema_kimg)).
        learning_rate, beta_1, beta_2, epsilon: Adam (0.002, 0, 0.99, 1e-8) before the lazy-regularization scaling.
        latent_distribution: 'normal'.
        seed: training-noise seed.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("stylegan2", image_size=16, latent_dim=16, w_dim=16, fmap_base=64,
        ...                           fmap_max=16, mapping_layers=2)
        >>> m.generate(2, seed=1, truncation_psi=0.7).shape
        (2, 16, 16, 3)

    Reference:
        Karras et al., "Analyzing and Improving the Image Quality of StyleGAN", CVPR 2020, arXiv:1912.04958;
        official code github.com/NVlabs/stylegan2.
    """

    loss_names = ("d_loss", "g_loss", "r1_penalty", "pl_penalty", "pl_mean")

    def __init__(
        self,
        latent_dim=512,
        w_dim=512,
        image_size=1024,
        channels=3,
        mapping_layers=8,
        mapping_lr_multiplier=0.01,
        fmap_base=16384,
        fmap_min=1,
        fmap_max=512,
        mbstd_group_size=4,
        mbstd_num_features=1,
        style_mixing_prob=0.9,
        w_avg_beta=0.995,
        r1_gamma=10.0,
        r1_interval=16,
        pl_weight=2.0,
        pl_interval=4,
        pl_decay=0.01,
        pl_batch_shrink=2,
        ema_kimg=10.0,
        learning_rate=0.002,
        beta_1=0.0,
        beta_2=0.99,
        epsilon=1e-8,
        latent_distribution="normal",
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        for key, value in (("r1_interval", r1_interval), ("pl_interval", pl_interval),
                           ("pl_batch_shrink", pl_batch_shrink), ("mapping_layers", mapping_layers)):
            if int(value) < 1:
                raise ValueError(f"{key} must be >= 1, got {value}.")
        if not 0.0 <= style_mixing_prob <= 1.0:
            raise ValueError(f"style_mixing_prob must be in [0, 1], got {style_mixing_prob}.")
        self.latent_dim = latent_dim
        self.w_dim = w_dim
        self.image_size = image_size
        self.channels = channels
        self.mapping_layers = mapping_layers
        self.mapping_lr_multiplier = mapping_lr_multiplier
        self.fmap_base = fmap_base
        self.fmap_min = fmap_min
        self.fmap_max = fmap_max
        self.mbstd_group_size = mbstd_group_size
        self.mbstd_num_features = mbstd_num_features
        self.style_mixing_prob = float(style_mixing_prob)
        self.w_avg_beta = w_avg_beta
        self.r1_gamma = float(r1_gamma)
        self.r1_interval = int(r1_interval)
        self.pl_weight = float(pl_weight)
        self.pl_interval = int(pl_interval)
        self.pl_decay = float(pl_decay)
        self.pl_batch_shrink = int(pl_batch_shrink)
        self.ema_kimg = float(ema_kimg)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.latent_distribution = latent_distribution
        self.num_ws = nets.num_ws_for(image_size)
        self.generator = nets.build_generator(latent_dim, w_dim, image_size, channels, mapping_layers,
                                              mapping_lr_multiplier, fmap_base, fmap_min, fmap_max, w_avg_beta)
        self.discriminator = nets.build_discriminator(image_size, channels, fmap_base, fmap_min, fmap_max,
                                                      mbstd_group_size, mbstd_num_features)
        self.generator_ema = self._make_ema(self.generator, "generator_ema")
        self.pl_mean = self.add_weight(name="pl_mean", shape=(), initializer="zeros", trainable=False,
                                       aggregation="only_first_replica")
        self._finish_init()

    # ------------------------------------------------------------------------------------------ optimizers
    def default_optimizers(self):
        def adam(interval):
            c = interval / (interval + 1.0) if interval > 1 else 1.0
            return keras.optimizers.Adam(self.learning_rate * c, beta_1=self.beta_1**c, beta_2=self.beta_2**c,
                                         epsilon=self.epsilon)

        return {"generator": adam(self.pl_interval if self.pl_weight > 0 else 1),
                "discriminator": adam(self.r1_interval if self.r1_gamma > 0 else 1)}

    # ------------------------------------------------------------------------------------------ training
    def lazy_regularizers(self):
        return [self.r1_regularizer(self.r1_interval)]

    def generator_inputs(self, batch):
        """z for the G update, then the path-length regularizer's latents and image-space noise (drawn every step)."""
        inputs = super().generator_inputs(batch)
        pl_batch = tf.maximum(tf.shape(batch["images"])[0] // self.pl_batch_shrink, 1)
        inputs["pl_latents"] = self.sample_latents(pl_batch)
        inputs["pl_noise"] = consistent_random(
            "normal", [pl_batch, self.image_size, self.image_size, self.channels], self.seed_generator
        ) / math.sqrt(self.image_size * self.image_size)
        return inputs

    def path_lengths(self, latents, noise):
        """‖J_wᵀ y‖ per example, y the image-space noise: the path lengths of G's synthesis at mixed styles."""
        ws = self.training_ws(latents)
        with tf.GradientTape() as tape:
            tape.watch(ws)
            images = tf.cast(self.synthesis_train(ws), tf.float32)
            out = tf.reduce_sum(images * noise)
        grads = tf.cast(tape.gradient(out, ws), tf.float32)
        return tf.sqrt(tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=2), axis=1))

    def generator_objective(self, batch, inputs, fake=None):
        """The shared non-saturating objective plus lazy path-length regularization (weight·interval every
        `pl_interval` G updates). Not a `LazyRegularizer`: the penalty is centred on a running mean updated with a
        cross-replica mean, which must run outside the regularizer's `tf.cond` (collectives inside a cond branch
        can deadlock under MirroredStrategy); the penalty uses the updated mean, as the official code."""
        loss, logs = super().generator_objective(batch, inputs, fake)
        n, _ = replica_info()
        due = tf.logical_and(self.pl_weight > 0, tf.equal(self.g_optimizer.iterations % self.pl_interval, 0))
        pl_batch = tf.shape(inputs["pl_latents"])[0]
        lengths = tf.cond(due, lambda: self.path_lengths(inputs["pl_latents"], inputs["pl_noise"]),
                          lambda: tf.zeros([pl_batch]))
        updated = self.pl_mean + self.pl_decay * (global_mean(tf.stop_gradient(lengths)) - self.pl_mean)
        new_mean = tf.where(due, updated, self.pl_mean)
        pl = reduce_global_batch(tf.square(lengths - new_mean)) * tf.cast(due, tf.float32)
        logs.update({"pl_penalty": pl, "_due_pl_penalty": tf.cast(due, tf.float32), "pl_mean": new_mean / n,
                     "_pl_mean": new_mean})
        return loss + pl * (self.pl_weight * self.pl_interval), logs

    def after_update(self, player, logs):
        if player == "generator":
            self.pl_mean.assign(tf.stop_gradient(logs["_pl_mean"]))
        super().after_update(player, logs)
