"""Pix2Pix: conditional adversarial image-to-image translation."""

from tfgan_zoo.base.image_to_image import ImageToImageGAN
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.losses.reconstruction import l1_loss
from tfgan_zoo.models.pix2pix import pix2pix_networks
from tfgan_zoo.registry import register_model


@register_model("pix2pix")
class Pix2Pix(ImageToImageGAN):
    """Pix2Pix: U-Net generator, conditional PatchGAN discriminator, L_cGAN + λ·L1 with λ = 100, D's objective
    halved, Adam(2e-4, β1 0.5), batch size 1.

    Dropout is the generator's noise during training. At inference the model is deterministic (dropout off, batch
    norm with moving statistics), like the official code's `--eval` mode; the paper instead keeps dropout on and
    uses test-batch statistics.

    Args:
        image_size: 256 in the paper (power of two). in_channels, out_channels: 3 and 3.
        g_base_filters, d_base_filters: 64 and 64. d_layers: 3 (the 70×70 PatchGAN).
        normalization_kind: 'batch' (paper) or 'instance'.
        dropout: 0.5. l1_weight: λ = 100.
        learning_rate, beta_1: Adam (2e-4, 0.5).
        seed: seed of the dropout noise.

    Example:
        >>> import numpy as np, tfgan_zoo
        >>> m = tfgan_zoo.build_model("pix2pix", image_size=32, g_base_filters=4, d_base_filters=4)
        >>> m.translate(np.zeros((1, 32, 32, 3), "float32")).shape
        (1, 32, 32, 3)

    Reference:
        Isola, Zhu, Zhou & Efros, "Image-to-Image Translation with Conditional Adversarial Networks", CVPR 2017,
        arXiv:1611.07004.
    """

    loss_names = ("d_loss", "g_loss", "g_adversarial", "g_l1")

    def __init__(
        self,
        image_size=256,
        in_channels=3,
        out_channels=3,
        g_base_filters=64,
        d_base_filters=64,
        d_layers=3,
        normalization_kind="batch",
        dropout=0.5,
        l1_weight=100.0,
        learning_rate=2e-4,
        beta_1=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.image_size = image_size
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.g_base_filters = g_base_filters
        self.d_base_filters = d_base_filters
        self.d_layers = d_layers
        self.normalization_kind = normalization_kind
        self.dropout = dropout
        self.l1_weight = float(l1_weight)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.generator = pix2pix_networks.build_unet_generator(
            image_size, in_channels, out_channels, g_base_filters, normalization_kind, dropout
        )
        self.discriminator = pix2pix_networks.build_patch_discriminator(
            image_size, in_channels, out_channels, d_base_filters, d_layers, normalization_kind
        )
        self._finish_init()

    def discriminator_loss(self, real_outputs, fake_outputs):
        # The paper halves D's objective so D learns more slowly than G.
        return 0.5 * minimax_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return non_saturating_generator_loss(fake_outputs)

    def generator_penalty(self, fake, batch):
        l1 = l1_loss(fake, batch["target"])
        return self.l1_weight * l1, {"g_l1": l1}
