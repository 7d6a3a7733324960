"""BigBiGAN: BigGAN generator + encoder, trained adversarially against a joint (x, z) discriminator."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.base.gan import critic_chunks
from tfgan_zoo.base.projection import ProjectionGAN
from tfgan_zoo.layers.random import consistent_random
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.models.bigbigan import bigbigan_networks
from tfgan_zoo.registry import register_model


def _hinge(t):
    return tf.nn.relu(1.0 - t)


@register_model("bigbigan")
class BigBiGAN(ProjectionGAN):
    """BigBiGAN: an unconditional BigGAN generator G, an encoder E (ResNet), and a discriminator over pairs (x, z) with
    three scores — s_x = F(x) (unary on x), s_z = H(z) (unary on z), s_xz = J(F(x), H(z)) (joint).

    Losses (per example, y = +1 for (x, E(x)), −1 for (G(z), z)): D minimizes Σ_s max(0, 1 − y·s) over the three
    scores; G and E (one player, one optimizer) minimize y·(s_x + s_z + s_xz). E outputs a Gaussian (μ, σ), training
    uses z = μ + σ·ε; `encode` returns μ, `reconstruct(x)` = G(E(x)).

    Args:
        latent_dim: size of z ~ N(0, I) (120, split into blocks + 1 skip-z chunks).
        image_size, channels: G/D resolution (128×128×3).
        g_base_channels, g_channel_mults, d_base_channels, d_channel_mults, d_downsample, g_attention, d_attention,
        init: the BigGAN networks (ch 96, attention at 64, orthogonal init).
        encoder_image_size: E's input resolution; inputs are bilinearly resized to it (256 in the paper, whose E
            sees higher-resolution crops of the source images).
        encoder_width, encoder_blocks: E's ResNet-v2 stem width and bottleneck blocks per stage (ResNet-50:
            64, [3, 4, 6, 3]).
        encoder_mlp_units, encoder_mlp_layers: E's MLP head (4096 × 4, our reading of the paper).
        d_mlp_units, d_mlp_layers: width/depth of the H and J MLPs (2048 × 8, with skip connections).
        n_critic: D steps per G/E step (2).
        g_learning_rate, d_learning_rate, beta_1, beta_2: Adam (5e-5 for G and E, 2e-4 for D, (0, 0.999)).
        ema_decay, ema_start: EMA of G for inference (None = off).
        ortho_beta: orthogonal regularization of G (0; BigBiGAN does not use it).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("bigbigan", latent_dim=12, image_size=16, channels=1, g_base_channels=8,
        ...     g_channel_mults=[2, 2, 1], d_base_channels=8, d_channel_mults=[1, 2, 2], d_downsample=[1, 1, 0],
        ...     g_attention=[8], d_attention=[8], encoder_image_size=16, encoder_width=4, encoder_blocks=[1, 1],
        ...     encoder_mlp_units=16, encoder_mlp_layers=1, d_mlp_units=16, d_mlp_layers=2)
        >>> m.encode(m.generate(2, seed=0)).shape
        (2, 12)

    Reference:
        Donahue & Simonyan, "Large Scale Adversarial Representation Learning", NeurIPS 2019, arXiv:1907.02544.
    """

    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.16, "min_psnr_db": 39.0,
                 "why": "its BigGAN generator (self-attention, latent-conditioned batch norm) compounds 8-bit "
                        "errors; full int8 is not usable, use float16 or dynamic-range (measured on the tiny "
                        "config with randomized weights: max 0.105, 42.7 dB)"},
        "int8": {"max_abs_error": 1.3, "min_psnr_db": 19.0,
                 "why": "its BigGAN generator (self-attention, latent-conditioned batch norm) compounds 8-bit "
                        "errors; full int8 is not usable, use float16 or dynamic-range (measured on the tiny "
                        "config with randomized weights: max 0.884, 22.3 dB)"},
    }

    TASK = tasks.UNCONDITIONAL  # the encoder pairs images with latents; BigBiGAN has no class-conditional variant
    loss_names = ("d_loss", "g_loss", "d_loss_x", "d_loss_z", "d_loss_xz")

    def __init__(
        self,
        latent_dim=120,
        image_size=128,
        channels=3,
        g_base_channels=96,
        g_channel_mults=(16, 16, 8, 4, 2, 1),
        d_base_channels=96,
        d_channel_mults=(1, 2, 4, 8, 16, 16),
        d_downsample=(1, 1, 1, 1, 1, 0),
        g_attention=(64,),
        d_attention=(64,),
        init="orthogonal",
        encoder_image_size=256,
        encoder_width=64,
        encoder_blocks=(3, 4, 6, 3),
        encoder_mlp_units=4096,
        encoder_mlp_layers=4,
        d_mlp_units=2048,
        d_mlp_layers=8,
        n_critic=2,
        g_learning_rate=5e-5,
        d_learning_rate=2e-4,
        beta_1=0.0,
        beta_2=0.999,
        ema_decay=None,
        ema_start=0,
        ortho_beta=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim = latent_dim
        self.num_classes = 0
        self.image_size = image_size
        self.channels = channels
        self.g_base_channels = g_base_channels
        self.g_channel_mults = list(g_channel_mults)
        self.d_base_channels = d_base_channels
        self.d_channel_mults = list(d_channel_mults)
        self.d_downsample = list(d_downsample)
        self.g_attention = list(g_attention)
        self.d_attention = list(d_attention)
        self.init = init
        self.encoder_image_size = encoder_image_size
        self.encoder_width = encoder_width
        self.encoder_blocks = list(encoder_blocks)
        self.encoder_mlp_units = encoder_mlp_units
        self.encoder_mlp_layers = encoder_mlp_layers
        self.d_mlp_units = d_mlp_units
        self.d_mlp_layers = d_mlp_layers
        self.n_critic = n_critic
        self.adversarial_loss = "hinge"
        self.g_learning_rate = g_learning_rate
        self.d_learning_rate = d_learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.ema_decay = ema_decay
        self.ema_start = ema_start
        self.ortho_beta = ortho_beta
        self.generator = bigbigan_networks.build_generator(
            latent_dim, image_size, channels, g_base_channels, self.g_channel_mults, self.g_attention, init
        )
        self.encoder = bigbigan_networks.build_encoder(
            latent_dim, image_size, channels, encoder_image_size, encoder_width, self.encoder_blocks,
            encoder_mlp_units, encoder_mlp_layers,
        )
        self.discriminator = bigbigan_networks.build_discriminator(
            latent_dim, image_size, channels, d_base_channels, self.d_channel_mults, self.d_downsample,
            self.d_attention, init, d_mlp_units, d_mlp_layers,
        )
        self._setup_projection()
        self.inference_networks = self._build_inference_networks()
        self._finish_init()

    def _build_inference_networks(self):
        """One Keras model holding what is served: the (EMA) generator and the encoder, sharing their weights."""
        g = getattr(self, "generator_ema", None) or self.generator
        z = keras.Input((self.latent_dim,), name="latents")
        x = keras.Input((self.image_size, self.image_size, self.channels), name="images")
        params, _ = self.encoder(x)
        return keras.Model([z, x], [g(z), params], name="inference_networks")

    @property
    def inference_generator(self):
        """What inference and export use: a model holding the (EMA) generator *and* the encoder (BigBiGAN serves
        both `generate` and `encode`). `call`/`generate` run its generator part."""
        return self.inference_networks

    @property
    def _sampling_generator(self):
        return getattr(self, "generator_ema", None) or self.generator

    def call(self, inputs, training=False):
        return self._sampling_generator(inputs, training=training)

    def standing_statistics(self, num_batches=100, batch_size=64, truncation=0.0, seed=0):
        from tfgan_zoo.layers.standing_stats import accumulate_standing_statistics
        from tfgan_zoo.layers.truncation import truncated_normal_from_seed

        return accumulate_standing_statistics(
            self._sampling_generator,
            lambda k: truncated_normal_from_seed(seed * 100003 + k, batch_size, self.latent_dim, truncation),
            num_batches,
        )

    def player_models(self):
        return {"generator": [self.generator, self.encoder], "discriminator": [self.discriminator]}

    # ------------------------------------------------------------------------------------------ training
    def _encode_sample(self, images, training):
        params, _ = self.encoder(images, training=training)
        mean, scale = bigbigan_networks.split_gaussian(params, self.latent_dim)
        eps = consistent_random("normal", [tf.shape(images)[0], self.latent_dim], self.seed_generator)
        return mean + scale * tf.cast(eps, mean.dtype)  # float16 under mixed precision

    def train_step(self, data):
        """Joint encoder: D scores (x, z) pairs from both G (z → x) and the encoder (x → z), and the generator
        player updates G and E together on both pairs; that bidirectional objective is its own step.
        """
        images = self.images_from_batch(data)
        d_loss = parts = None
        for chunk in critic_chunks(images, self.n_critic):
            batch = tf.shape(chunk)[0]
            z = self.sample_latents(batch)
            fake = tf.stop_gradient(self.generator(z, training=True))
            z_real = tf.stop_gradient(self._encode_sample(chunk, True))

            def d_loss_fn(chunk=chunk, fake=fake, z=z, z_real=z_real):
                real_scores = tf.cast(self.discriminator([chunk, z_real], training=True), tf.float32)
                fake_scores = tf.cast(self.discriminator([fake, z], training=True), tf.float32)
                per_score = _hinge(real_scores) + _hinge(-fake_scores)  # [B, 3]: x, z, xz terms
                extras = {k: reduce_global_batch(per_score[:, i]) for i, k in enumerate(("x", "z", "xz"))}
                return reduce_global_batch(tf.reduce_sum(per_score, axis=1)), extras

            d_loss, parts = self.update_player("discriminator", d_loss_fn)
        z = self.sample_latents(batch)

        def g_loss_fn():
            fake = self.generator(z, training=True)
            z_real = self._encode_sample(chunk, True)
            real_scores = tf.cast(self.discriminator([chunk, z_real], training=True), tf.float32)
            fake_scores = tf.cast(self.discriminator([fake, z], training=True), tf.float32)
            per_example = tf.reduce_sum(real_scores, axis=1) - tf.reduce_sum(fake_scores, axis=1)
            return reduce_global_batch(per_example), {}

        g_loss, _ = self.update_player("generator", g_loss_fn)
        self.after_step(None)
        self.track(d_loss=d_loss, g_loss=g_loss, d_loss_x=parts["x"], d_loss_z=parts["z"], d_loss_xz=parts["xz"])
        return self.logs()

    # ------------------------------------------------------------------------------------------ encoder API
    def _check_images(self, images):
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.channels)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images must have shape [N, {expected[0]}, {expected[1]}, {expected[2]}] in [-1, 1], "
                             f"got {images.shape}.")
        return images

    def encode(self, images, batch_size=64):
        """Encoder means E(x) = μ(x) `[N, latent_dim]` for images in [-1, 1]."""
        images = self._check_images(images)
        outs = []
        for i in range(0, len(images), batch_size):
            params, _ = self.encoder(images[i : i + batch_size], training=False)
            outs.append(params[:, : self.latent_dim].numpy())
        return np.concatenate(outs, axis=0)

    def encoder_features(self, images, batch_size=64):
        """The pooled ResNet features of E (what the linear probe reads)."""
        images = self._check_images(images)
        return np.concatenate(
            [self.encoder(images[i : i + batch_size], training=False)[1].numpy()
             for i in range(0, len(images), batch_size)]
        )

    def reconstruct(self, images, batch_size=64):
        """G(E(x)): reconstructions through the latent space."""
        return self.generate_from_latents(self.encode(images, batch_size), batch_size)

    def serving_signatures(self):
        from tfgan_zoo.layers.random import latents_from_seed
        from tfgan_zoo.layers.truncation import truncated_normal_from_seed

        g, encoder, latent_dim = self._sampling_generator, self.encoder, self.latent_dim

        def serving_default(latents):
            return {"images": tf.cast(g(latents, training=False), tf.float32)}

        def sample(seed, num_images):
            z = latents_from_seed(seed, num_images, latent_dim, "normal")
            return {"images": tf.cast(g(z, training=False), tf.float32), "latents": z}

        def sample_truncated(seed, num_images, truncation):
            z = truncated_normal_from_seed(seed, num_images, latent_dim, truncation)
            return {"images": tf.cast(g(z, training=False), tf.float32), "latents": z}

        def encode(images):
            params, _ = encoder(images, training=False)
            return {"latents": params[:, :latent_dim]}

        scalar = [tf.TensorSpec([], tf.int32, name="seed"), tf.TensorSpec([], tf.int32, name="num_images")]
        sigs = {
            "serving_default": (serving_default, [tf.TensorSpec([None, latent_dim], tf.float32, name="latents")]),
            "sample": (sample, scalar),
            "sample_truncated": (sample_truncated, scalar + [tf.TensorSpec([], tf.float32, name="truncation")]),
        }
        sigs["encode"] = (
            encode,
            [tf.TensorSpec([None, self.image_size, self.image_size, self.channels], tf.float32, name="images")],
        )
        return sigs

    def serving_example_inputs(self, endpoint, batch):
        if endpoint == "encode":
            return {"images": np.zeros((batch, self.image_size, self.image_size, self.channels), np.float32)}
        return super().serving_example_inputs(endpoint, batch)
