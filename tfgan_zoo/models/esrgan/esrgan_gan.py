"""ESRGAN: enhanced super-resolution GAN (RRDB generator, relativistic average discriminator)."""

from __future__ import annotations

import tensorflow as tf

from tfgan_zoo.base.super_resolution import SuperResolutionGAN, interpolate_models
from tfgan_zoo.losses.feature_matching import global_batch_mean
from tfgan_zoo.losses.perceptual import PRESETS, PerceptualLoss
from tfgan_zoo.losses.reconstruction import l1_loss
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.losses.relativistic import (
    relativistic_average_discriminator_loss,
    relativistic_average_generator_loss,
)
from tfgan_zoo.models.esrgan import esrgan_networks
from tfgan_zoo.registry import register_model


@register_model("esrgan")
class ESRGAN(SuperResolutionGAN):
    """ESRGAN (×4): RRDB generator (23 blocks, 64 features, growth 32, residual scaling 0.2, no BN, kaiming ×0.1
    initialisation, nearest + conv upsampling) and a VGG-style discriminator for 128² patches.

    Stage 'psnr' is RRDB-PSNR: the generator alone on the L1 pixel loss (on the official [0, 1] scale; Adam 2e-4,
    halved every 2×10⁵ updates). Stage 'gan': L_G = L_percep + λ·L_G^Ra + η·L1 with VGG19 conv5_4 features *before*
    the activation (L1, weight 1), λ = 5e-3, η = 1e-2; D and G use the relativistic average loss; Adam(1e-4, β
    0.9/0.99) halved at 50k, 100k, 200k, 300k updates. `interpolate(psnr_model, gan_model, alpha)` blends the two
    stages' weights.

    Args:
        image_size: the HR patch D judges (128; a multiple of 32). scale: 4. channels: 3.
        g_filters: 64. num_blocks: 23. growth: 32. d_base_filters: 64. d_dense_units: 100.
        training_stage: 'psnr' or 'gan'.
        perceptual_weight: 1. adversarial_weight: λ = 5e-3. pixel_weight: η = 1e-2.
        perceptual_network: 'vgg19' or 'digits' (offline). perceptual_layers: None = the preset's (['conv5_4'],
            before the ReLU; ['conv3_1'] on digits).
        perceptual_weights_path: the Keras VGG19 notop .h5 (or $TFGAN_ZOO_VGG19_WEIGHTS).
        learning_rate: 1e-4 (GAN) / 2e-4 (PSNR). lr_milestones: updates at which the rate is multiplied by
            lr_gamma (0.5). beta_1, beta_2: 0.9, 0.99.
        init_weights: a .weights.h5 of this architecture to start from (the PSNR stage's).
        seed: seed of the training randomness.

    Example:
        >>> import numpy as np, tfgan_zoo
        >>> m = tfgan_zoo.build_model("esrgan", image_size=32, g_filters=8, num_blocks=1, growth=4,
        ...                           d_base_filters=4, d_dense_units=8, training_stage="psnr")
        >>> m.upscale(np.zeros((6, 5, 3), "float32")).shape
        (24, 20, 3)

    Reference:
        Wang et al., "ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks", ECCV Workshops 2018,
        arXiv:1809.00219.
    """

    loss_names = ("d_loss", "g_loss", "g_adversarial", "g_perceptual", "g_pixel")

    def __init__(
        self,
        image_size=128,
        scale=4,
        channels=3,
        g_filters=64,
        num_blocks=23,
        growth=32,
        d_base_filters=64,
        d_dense_units=100,
        training_stage="gan",
        perceptual_weight=1.0,
        adversarial_weight=5e-3,
        pixel_weight=1e-2,
        perceptual_network="vgg19",
        perceptual_layers=None,
        perceptual_weights_path=None,
        learning_rate=1e-4,
        lr_milestones=(50000, 100000, 200000, 300000),
        lr_gamma=0.5,
        beta_1=0.9,
        beta_2=0.99,
        init_weights="",
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.image_size, self.scale, self.channels = int(image_size), int(scale), int(channels)
        self.g_filters, self.num_blocks, self.growth = g_filters, num_blocks, growth
        self.d_base_filters, self.d_dense_units = d_base_filters, d_dense_units
        self.training_stage = training_stage
        self.perceptual_weight = float(perceptual_weight)
        self.adversarial_weight = float(adversarial_weight)
        self.pixel_weight = float(pixel_weight)
        self.perceptual_network = perceptual_network
        self.perceptual_layers = None if perceptual_layers is None else list(perceptual_layers)
        self.perceptual_weights_path = perceptual_weights_path
        self.learning_rate, self.lr_milestones, self.lr_gamma = learning_rate, list(lr_milestones), float(lr_gamma)
        self.beta_1, self.beta_2 = beta_1, beta_2
        self.init_weights = init_weights
        self._check_stage()
        self.generator = esrgan_networks.build_generator(self.scale, self.channels, g_filters, num_blocks, growth)
        self.discriminator = esrgan_networks.build_discriminator(self.image_size, self.channels, d_base_filters,
                                                                 d_dense_units)
        self.perceptual = None
        if self.training_stage == "gan" and self.perceptual_weight:
            preset = PRESETS["esrgan"][perceptual_network if perceptual_network in PRESETS["esrgan"] else "vgg19"]
            layers = self.perceptual_layers or preset["layers"]
            self.perceptual = PerceptualLoss(perceptual_network, layers, [1.0] * len(layers), preset["distance"],
                                             perceptual_weights_path, name="perceptual")
        self._finish_init()
        self._load_init_weights()

    def pixel_loss(self, fake, real):
        """Per-example L1 on the [0, 1] scale of the official code (BasicSR's images are [0, 1], the zoo's [−1, 1]:
        half the zoo-range L1), so η = 1e-2 balances it against the perceptual and adversarial terms as there."""
        return 0.5 * l1_loss(fake, real)

    def discriminator_objective(self, batch, fake):
        """RaGAN: D needs both batches' logits and their global-batch means in one loss. Each term's gradient flows
        through its own logits only; the other batch's mean is a constant, as the official code (BasicSR's
        `esrgan_model.py` detaches the fake prediction in the real term and the real prediction in the fake term)."""
        real = batch["high_res"]
        real_logits = self.discriminate(real, batch)
        fake_logits = self.discriminate(fake, batch)
        per_example = relativistic_average_discriminator_loss(
            real_logits, fake_logits, tf.stop_gradient(global_batch_mean(real_logits)),
            tf.stop_gradient(global_batch_mean(fake_logits)))
        loss = reduce_global_batch(per_example)
        return loss, {"d_loss": loss}

    def generator_objective(self, batch, inputs, fake=None):
        """RaGAN: G's adversarial term needs D on the real batch too (as a constant)."""
        if fake is None:
            fake = self.generator(inputs, training=True)
        real = batch["high_res"]
        real_logits = tf.stop_gradient(self.discriminate(real, batch))
        fake_logits = self.discriminate(fake, batch)
        adversarial = relativistic_average_generator_loss(
            real_logits, fake_logits, global_batch_mean(real_logits), global_batch_mean(fake_logits))
        pixel = self.pixel_loss(fake, real)
        per_example = self.adversarial_weight * adversarial + self.pixel_weight * pixel
        logs = {"g_adversarial": reduce_global_batch(adversarial), "g_pixel": reduce_global_batch(pixel)}
        if self.perceptual is not None:
            perceptual = self.perceptual(fake, real)
            per_example = per_example + self.perceptual_weight * perceptual
            logs["g_perceptual"] = reduce_global_batch(perceptual)
        loss = reduce_global_batch(per_example)
        logs["g_loss"] = loss
        return loss, logs


def interpolate(psnr_model: ESRGAN, gan_model: ESRGAN, alpha: float) -> ESRGAN:
    """ESRGAN's network interpolation: θ = (1 − α)·θ_PSNR + α·θ_GAN (α = 0.8 in the paper's figures)."""
    return interpolate_models(psnr_model, gan_model, alpha)
