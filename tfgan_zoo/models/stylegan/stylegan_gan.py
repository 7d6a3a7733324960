"""StyleGAN: style-based generator with progressive growing."""

from __future__ import annotations

import tensorflow as tf

from tfgan_zoo.base.style_based import StyleBasedGAN
from tfgan_zoo.layers.progressive import images_at_lod, lod_schedule
from tfgan_zoo.layers.random import replica_info
from tfgan_zoo.models.stylegan import stylegan_networks as nets
from tfgan_zoo.registry import register_model


@register_model("stylegan")
class StyleGAN(StyleBasedGAN):
    """StyleGAN (FFHQ config): 8-layer mapping network (lr ×0.01) z → w, learned 4×4 constant, AdaIN after every
    convolution, per-layer noise with learned per-channel scale, [1, 2, 1] blur after upsampling, style mixing
    regularization (p 0.9, crossover limited to the active layers), tracked average w for the truncation trick
    (ψ, cutoff), progressive growing with PGGAN's mechanism (fixed full-resolution graph, `lod` variables,
    schedule from the checkpointed `images_seen`), non-saturating logistic loss with R1 (γ = 10), EMA generator
    (half-life 10k images), PGGAN discriminator with blur.

    Args:
        latent_dim, w_dim: 512. image_size, channels: 1024×1024×3 (FFHQ).
        mapping_layers, mapping_lr_multiplier: 8, 0.01.
        fmap_base, fmap_max: nf(stage) = min(fmap_base / 2^stage, fmap_max) (8192, 512).
        mbstd_group_size: 4. style_mixing_prob: 0.9. w_avg_beta: 0.995.
        r1_gamma: 10. ema_kimg: 10.
        lod_training_kimg, lod_transition_kimg, lod_initial_resolution: growth schedule (600, 600, 8 as the
            official FFHQ run; the paper inherits PGGAN's schedule).
        fixed_lod: hold this level of detail (None = follow the schedule).
        learning_rate, beta_1, beta_2, epsilon: Adam (0.001, 0, 0.99, 1e-8; the official code raises the rate to
            0.0015–0.003 at ≥ 128² — pass optimizers to `compile` for that).
        latent_distribution: 'normal'. seed: training-noise seed.
        adain_epsilon, conv_bias_before_blur: the instance-norm ε (1e-8) and whether the upsampling convs add their
            bias before the blur (False, official); rosinality/style-based-gan-pytorch generators converted by
            `tfgan_zoo.models.stylegan.stylegan_convert` use 1e-5 and True.
        d_block_layout: 'official' (each D block widens in its second, downsampling convolution; the final dense
            layer has nf(0) units) or 'rosinality' (rosinality/style-based-gan-pytorch's `Discriminator`: each block
            widens in its first convolution, the final 4×4 layer keeps nf(1)); converted rosinality discriminators
            use 'rosinality'.
        d_fromrgb_activation: 'lrelu' (official) or 'linear' (rosinality's default fromRGB, no activation).

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("stylegan", image_size=16, latent_dim=16, w_dim=16, fmap_base=64,
        ...                           fmap_max=16, mapping_layers=2, lod_initial_resolution=4)
        >>> m.generate(2, seed=1, truncation_psi=0.7, truncation_cutoff=4).shape
        (2, 16, 16, 3)

    Reference:
        Karras, Laine, Aila, "A Style-Based Generator Architecture for Generative Adversarial Networks", CVPR
        2019, arXiv:1812.04948; official code github.com/NVlabs/stylegan.
    """

    loss_names = ("d_loss", "g_loss", "r1_penalty", "lod")

    def __init__(
        self,
        latent_dim=512,
        w_dim=512,
        image_size=1024,
        channels=3,
        mapping_layers=8,
        mapping_lr_multiplier=0.01,
        fmap_base=8192,
        fmap_max=512,
        mbstd_group_size=4,
        style_mixing_prob=0.9,
        w_avg_beta=0.995,
        r1_gamma=10.0,
        ema_kimg=10.0,
        lod_training_kimg=600.0,
        lod_transition_kimg=600.0,
        lod_initial_resolution=8,
        fixed_lod=None,
        learning_rate=0.001,
        beta_1=0.0,
        beta_2=0.99,
        epsilon=1e-8,
        latent_distribution="normal",
        adain_epsilon=1e-8,
        conv_bias_before_blur=False,
        d_block_layout="official",
        d_fromrgb_activation="lrelu",
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
        if not 0.0 <= style_mixing_prob <= 1.0:
            raise ValueError(f"style_mixing_prob must be in [0, 1], got {style_mixing_prob}.")
        if d_block_layout not in nets.D_BLOCK_LAYOUTS:
            raise ValueError(f"d_block_layout must be one of {nets.D_BLOCK_LAYOUTS}, got {d_block_layout!r}.")
        if d_fromrgb_activation not in ("lrelu", "linear"):
            raise ValueError(f"d_fromrgb_activation must be 'lrelu' or 'linear', got {d_fromrgb_activation!r}.")
        self.latent_dim = latent_dim
        self.w_dim = w_dim
        self.image_size = image_size
        self.channels = channels
        self.mapping_layers = mapping_layers
        self.mapping_lr_multiplier = mapping_lr_multiplier
        self.fmap_base = fmap_base
        self.fmap_max = fmap_max
        self.mbstd_group_size = mbstd_group_size
        self.style_mixing_prob = float(style_mixing_prob)
        self.w_avg_beta = w_avg_beta
        self.r1_gamma = float(r1_gamma)
        self.ema_kimg = float(ema_kimg)
        self.lod_training_kimg = float(lod_training_kimg)
        self.lod_transition_kimg = float(lod_transition_kimg)
        self.lod_initial_resolution = lod_initial_resolution
        self.fixed_lod = fixed_lod
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.latent_distribution = latent_distribution
        self.adain_epsilon = float(adain_epsilon)
        self.conv_bias_before_blur = bool(conv_bias_before_blur)
        self.d_block_layout = d_block_layout
        self.d_fromrgb_activation = d_fromrgb_activation
        self.num_ws = nets.num_ws_for(image_size)
        self.max_lod = log2 - 2
        self.start_lod = log2 - init_log2
        initial = float(self.start_lod if fixed_lod is None else fixed_lod)
        self.generator = nets.build_generator(latent_dim, w_dim, image_size, channels, mapping_layers,
                                              mapping_lr_multiplier, fmap_base, fmap_max, w_avg_beta, initial,
                                              adain_epsilon=self.adain_epsilon,
                                              conv_bias_before_blur=self.conv_bias_before_blur)
        self.discriminator = nets.build_discriminator(image_size, channels, fmap_base, fmap_max, mbstd_group_size,
                                                      initial, block_layout=d_block_layout,
                                                      fromrgb_activation=d_fromrgb_activation)
        self.generator_ema = self._make_ema(self.generator, "generator_ema")
        self.images_seen = self.add_weight(name="images_seen", shape=(), dtype="int64", initializer="zeros",
                                           trainable=False, aggregation="only_first_replica")
        self._finish_init()

    def _lod_layers(self, include_ema=False):
        nets_ = [self.parts(self.generator)[2], self.discriminator]
        if include_ema:
            nets_.append(self.parts(self.generator_ema)[2])
        return [n.get_layer("lod") for n in nets_]

    def current_lod(self):
        return float(self._lod_layers()[0].lod.numpy())

    def set_lod(self, lod):
        for layer in self._lod_layers(include_ema=True):
            layer.lod.assign(tf.cast(lod, tf.float32))

    def scheduled_lod(self, images_seen):
        if self.fixed_lod is not None:
            return tf.constant(float(self.fixed_lod), tf.float64)
        return lod_schedule(images_seen, self.start_lod, self.lod_training_kimg, self.lod_transition_kimg)

    # ------------------------------------------------------------------------------------------ training
    def prepare_batch(self, batch):
        """Progressive growing: sets the scheduled level of detail on G, D and the EMA G's synthesis and fades the
        real images to it."""
        lod = tf.cast(self.scheduled_lod(self.images_seen), tf.float32)
        for layer in self._lod_layers():
            layer.lod.assign(lod)
        return {**batch, "images": images_at_lod(batch["images"], lod, self.max_lod)}

    def active_style_layers(self):
        """Style mixing crosses over only among the layers of the resolutions grown so far."""
        return self.num_ws - tf.cast(self._lod_layers()[0].lod, tf.int32) * 2

    def lazy_regularizers(self):
        return [self.r1_regularizer(1)]  # R1 on every D update

    def generator_objective(self, batch, inputs, fake=None):
        loss, logs = super().generator_objective(batch, inputs, fake)
        n, _ = replica_info()
        logs["lod"] = self._lod_layers()[0].lod / n
        return loss, logs

    def after_step(self, batch):
        n, _ = replica_info()
        self.images_seen.assign_add(tf.cast(tf.shape(batch["images"])[0] * n, tf.int64))
        super().after_step(batch)
