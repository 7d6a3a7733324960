"""SRGAN: photo-realistic single-image super-resolution with a GAN (SRResNet generator + VGG-style critic)."""

from __future__ import annotations

from tfgan_zoo.base.super_resolution import SuperResolutionGAN, interpolate_models
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.losses.perceptual import PRESETS, PerceptualLoss
from tfgan_zoo.losses.reconstruction import l1_loss, l2_loss
from tfgan_zoo.models.srgan import srgan_networks
from tfgan_zoo.registry import register_model

#: the PSNR stage's pixel losses (per example).
PIXEL_LOSSES = {"mse": l2_loss, "l1": l1_loss}


@register_model("srgan")
class SRGAN(SuperResolutionGAN):
    """SRGAN (×4): SRResNet generator (16 residual blocks with BN and PReLU, two sub-pixel ×2 stages) and the
    VGG-style discriminator (8 convs 64→512, dense 1024, dense 1).

    Stage 'psnr' is SRResNet: the generator alone on the pixel MSE. Stage 'gan' is SRGAN: content loss on VGG19
    φ5,4 features (after the ReLU, MSE, the features rescaled by 1/12.75 as the paper: a 1/12.75² loss weight) +
    10⁻³ × the adversarial loss −log D(G(x)); D minimises the usual cross-entropy. Adam(β1 0.9); learning rate
    1e-4, then 1e-5 after `lr_milestones` (the paper: 10⁵ + 10⁵ GAN updates, SRResNet 10⁶ at 1e-4). 96² HR
    crops, batch 16, LR by MATLAB bicubic ×4 (`data.source: photos | hr_folder | tfds`).

    Args:
        image_size: the HR crop the discriminator judges (96; a multiple of 16). scale: 4 (a power of two).
        channels: 3. g_filters: 64. num_blocks: 16. d_base_filters: 64. d_dense_units: 1024.
        generator_architecture: 'srresnet' (the paper's) or 'msrresnet' (BasicSR's MSRResNet: no BN, bilinear
            residual; what `srgan_convert.srgan_from_pytorch` loads BasicSR's released weights into).
        training_stage: 'psnr' (SRResNet) or 'gan'.
        content_weight: weight of the perceptual term (1). adversarial_weight: 1e-3. pixel_weight: an optional
            MSE term in the GAN stage (0 in the paper's SRGAN-VGG54).
        perceptual_network: 'vgg19' (ImageNet weights from `perceptual_weights_path` or $TFGAN_ZOO_VGG19_WEIGHTS)
            or 'digits' (offline stand-in: the shipped digits classifier). perceptual_layers: None = the preset's
            (['relu5_4'] on VGG19, ['relu3_1'] on digits).
        perceptual_weights_path: the Keras VGG19 notop .h5.
        learning_rate: 1e-4. lr_milestones: updates after which the rate is multiplied by `lr_gamma` (0.1).
        pixel_criterion: the PSNR stage's pixel loss, 'mse' (the paper's SRResNet) or 'l1' (as ESRGAN's PSNR stage and
            BasicSR's MSRResNet; it gave the small `srgan_photos_x4` preset a better SSIM than MSE).
        beta_1: 0.9. init_weights: a .weights.h5 of this architecture to start from (the PSNR stage's).
        seed: seed of the training randomness.

    Example:
        >>> import numpy as np, tfgan_zoo
        >>> m = tfgan_zoo.build_model("srgan", image_size=16, g_filters=8, num_blocks=1, d_base_filters=4,
        ...                           d_dense_units=8, training_stage="psnr")
        >>> m.upscale(np.zeros((1, 5, 7, 3), "float32")).shape
        (1, 20, 28, 3)

    Reference:
        Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network",
        CVPR 2017, arXiv:1609.04802.
    """

    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.1, "min_psnr_db": 42.0,
                    "why": "SRResNet's output is an unbounded linear 9x9 conv clipped to [-1, 1], so 8-bit weight "
                           "errors of the 9x9 and sub-pixel convs reach the pixels unsquashed (measured on the tiny "
                           "config with randomized weights: max 0.042, 46.9 dB; float16 stays within the default)"},
    }

    loss_names = ("d_loss", "g_loss", "g_adversarial", "g_content", "g_pixel")

    def __init__(
        self,
        image_size=96,
        scale=4,
        channels=3,
        g_filters=64,
        num_blocks=16,
        generator_architecture="srresnet",
        d_base_filters=64,
        d_dense_units=1024,
        training_stage="gan",
        content_weight=1.0,
        adversarial_weight=1e-3,
        pixel_weight=0.0,
        perceptual_network="vgg19",
        perceptual_layers=None,
        perceptual_weights_path=None,
        learning_rate=1e-4,
        lr_milestones=(100000,),
        lr_gamma=0.1,
        beta_1=0.9,
        pixel_criterion="mse",
        init_weights="",
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.image_size, self.scale, self.channels = int(image_size), int(scale), int(channels)
        self.g_filters, self.num_blocks = g_filters, num_blocks
        self.generator_architecture = generator_architecture
        self.d_base_filters, self.d_dense_units = d_base_filters, d_dense_units
        self.training_stage = training_stage
        self.content_weight = float(content_weight)
        self.adversarial_weight = float(adversarial_weight)
        self.pixel_weight = float(pixel_weight)
        self.perceptual_network = perceptual_network
        self.perceptual_layers = None if perceptual_layers is None else list(perceptual_layers)
        self.perceptual_weights_path = perceptual_weights_path
        self.learning_rate, self.lr_milestones, self.lr_gamma = learning_rate, list(lr_milestones), float(lr_gamma)
        self.beta_1 = beta_1
        if pixel_criterion not in PIXEL_LOSSES:
            raise ValueError(f"pixel_criterion must be one of {sorted(PIXEL_LOSSES)}, got {pixel_criterion!r}.")
        self.pixel_criterion = pixel_criterion
        self.init_weights = init_weights
        self._check_stage()
        builders = {"srresnet": srgan_networks.build_generator, "msrresnet": srgan_networks.build_msrresnet_generator}
        if generator_architecture not in builders:
            raise ValueError(f"generator_architecture must be one of {sorted(builders)}, got "
                             f"{generator_architecture!r}.")
        self.generator = builders[generator_architecture](self.scale, self.channels, g_filters, num_blocks)
        self.discriminator = srgan_networks.build_discriminator(self.image_size, self.channels, d_base_filters,
                                                                d_dense_units)
        self.perceptual = None
        if self.training_stage == "gan" and self.content_weight:
            preset = PRESETS["srgan"][perceptual_network if perceptual_network in PRESETS["srgan"] else "vgg19"]
            layers = self.perceptual_layers or preset["layers"]
            weights = [preset["layer_weights"][0]] * len(layers)
            self.perceptual = PerceptualLoss(perceptual_network, layers, weights, preset["distance"],
                                             perceptual_weights_path, name="perceptual")
        self._finish_init()
        self._load_init_weights()

    def pixel_loss(self, fake, real):
        return PIXEL_LOSSES[self.pixel_criterion](fake, real)

    def discriminator_loss(self, real_outputs, fake_outputs):
        return minimax_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return self.adversarial_weight * non_saturating_generator_loss(fake_outputs)

    def generator_penalty(self, fake, batch):
        real = batch["high_res"]
        parts, total = {}, 0.0
        if self.perceptual is not None:
            content = self.perceptual(fake, real)
            parts["g_content"] = content
            total = total + self.content_weight * content
        if self.pixel_weight:
            pixel = l2_loss(fake, real)
            parts["g_pixel"] = pixel
            total = total + self.pixel_weight * pixel
        return (total, parts) if parts else None


def interpolate(psnr_model: SRGAN, gan_model: SRGAN, alpha: float) -> SRGAN:
    """Network interpolation (ESRGAN's, applied to SRGAN): θ = (1 − α)·θ_SRResNet + α·θ_SRGAN, batch-norm moving
    statistics included (the SRGAN paper has no interpolation; this blends its two stages the same way)."""
    return interpolate_models(psnr_model, gan_model, alpha)
