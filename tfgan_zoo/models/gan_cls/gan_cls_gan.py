"""GAN-CLS / GAN-INT: text-to-image with a matching-aware discriminator (Reed et al. 2016)."""

from __future__ import annotations

import tensorflow as tf

from tfgan_zoo.base.text_to_image import TextConditionedGenerator, TextToImageGAN
from tfgan_zoo.models.gan_cls import gan_cls_networks
from tfgan_zoo.registry import register_model


@register_model("gan_cls")
class GANCLS(TextToImageGAN):
    """GAN-CLS: G(z, φ(t)) and a matching-aware D(x, φ(t)) that scores real images with their text as real and both
    real images with mismatched text and fakes as fake (the three terms of the paper's Algorithm 1); GAN-INT adds a
    generator term on interpolated text embeddings β·t₁ + (1 − β)·t₂, which have no real image.

    Args:
        latent_dim: size of z (100).
        embedding_dim: size of the text embedding (1,024 for the char-CNN-RNN embeddings of CUB / Oxford-102 / COCO;
            128 for the zoo's digit-caption encoder).
        projection_dim: the text projection (dense + LeakyReLU 0.2) concatenated in G and D (128).
        image_size: 64 in the paper (any 4·2^k); channels: 3.
        g_base_filters, d_base_filters: 128 and 64 (the official `ngf`, `ndf`).
        residual_blocks: the official code's residual blocks at G's 4 × 4 and 8 × 8 and D's 4 × 4 stages.
        interpolation: GAN-INT (the G term on interpolated embeddings); `interpolation_beta`: β (0.5).
        text_encoder: name of a shipped text encoder built into the generator so it takes sentences
            ('digit_captions_text_encoder'), or '' (embeddings only).
        learning_rate, beta_1: Adam (2e-4, 0.5); `lr_decay_steps`: halve the learning rate every that many updates
            (the official CUB script: every 100 epochs); 0 keeps it constant.
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("gan_cls", image_size=16, embedding_dim=128, g_base_filters=4,
        ...                           d_base_filters=4, projection_dim=8, text_encoder="digit_captions_text_encoder")
        >>> m.generate_from_text(["a thick seven", "a thin 2"], seed=1).shape
        (2, 16, 16, 3)

    Reference:
        Reed, Akata, Yan, Logeswaran, Schiele & Lee, "Generative Adversarial Text to Image Synthesis", ICML 2016,
        arXiv:1605.05396 (official code: reedscot/icml2016).
    """

    loss_names = TextToImageGAN.loss_names + ("g_interpolated",)

    def __init__(
        self,
        latent_dim=100,
        embedding_dim=1024,
        projection_dim=128,
        image_size=64,
        channels=3,
        g_base_filters=128,
        d_base_filters=64,
        residual_blocks=True,
        interpolation=False,
        interpolation_beta=0.5,
        text_encoder="",
        learning_rate=2e-4,
        beta_1=0.5,
        lr_decay_steps=0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim, self.embedding_dim, self.projection_dim = latent_dim, embedding_dim, projection_dim
        self.image_size, self.channels = image_size, channels
        self.g_base_filters, self.d_base_filters = g_base_filters, d_base_filters
        self.residual_blocks = residual_blocks
        self.interpolation, self.interpolation_beta = interpolation, interpolation_beta
        self.text_encoder = text_encoder
        self.learning_rate, self.beta_1, self.lr_decay_steps = learning_rate, beta_1, lr_decay_steps
        image_generator = gan_cls_networks.build_generator(latent_dim, embedding_dim, projection_dim, image_size,
                                                           channels, g_base_filters, residual_blocks)
        self.generator = TextConditionedGenerator(image_generator, self.build_text_encoder())
        self.discriminator = gan_cls_networks.build_discriminator(embedding_dim, projection_dim, image_size, channels,
                                                                  d_base_filters, residual_blocks)
        self._finish_init()

    def generator_penalty(self, fake, batch):
        """GAN-INT: the non-saturating G loss on G(z', β·t + (1 − β)·t̂) judged with that interpolated text."""
        if not self.interpolation:
            return None
        beta = float(self.interpolation_beta)
        mixed = beta * batch["embedding"] + (1.0 - beta) * batch["wrong_embedding"]
        z = self.sample_latents(tf.shape(mixed)[0])
        fake_mixed = self.generator([z, mixed], training=True)
        term = self.generator_loss(self.discriminate_with(fake_mixed, mixed))
        return term, {"g_interpolated": term}
