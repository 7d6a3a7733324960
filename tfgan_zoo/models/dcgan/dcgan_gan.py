"""Deep Convolutional GAN."""


from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.models.dcgan import dcgan_networks
from tfgan_zoo.registry import register_model


@register_model("dcgan")
class DCGAN(UnconditionalGAN):
    """DCGAN: all-convolutional G/D, batch norm, ReLU/LeakyReLU(0.2), tanh output, Adam(2e-4, β1 0.5).

    Args:
        latent_dim: size of z (100).
        latent_distribution: 'uniform' (the paper's U(-1, 1)) or 'normal'.
        image_size: 64 in the paper (any 8·2^k works); channels: 3 for RGB.
        g_base_filters: G's channels before the output layer; the 4×4 projection has
            g_base_filters·image_size/8 channels (128 → 1024 at 64×64, as in the paper's Figure 1).
        d_base_filters: D's first-layer channels (128 in the authors' code; 64 in the PyTorch reference).
        kernel_size: 5 (authors' code) or 4 (PyTorch reference).
        projection: 'dense' (the paper's project-and-reshape) or 'conv' (a 4×4 transposed conv).
        learning_rate, beta_1: Adam settings (2e-4, 0.5).
        ema_decay: optional EMA of the generator weights for inference (not in the paper; None = off).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("dcgan", image_size=16, g_base_filters=8, d_base_filters=8)
        >>> m.generate(2, seed=1).shape
        (2, 16, 16, 3)

    Reference:
        Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep Convolutional Generative
        Adversarial Networks", ICLR 2016, arXiv:1511.06434.
    """

    # One G forward per step: the G update reuses the D update's fake batch, as dcgan.torch (by co-author
    # Chintala) and pytorch/examples' dcgan do; same gradients as a second forward on the same z.
    reuse_fake_for_generator_step = True

    def __init__(
        self,
        latent_dim=100,
        latent_distribution="uniform",
        image_size=64,
        channels=3,
        g_base_filters=128,
        d_base_filters=128,
        kernel_size=5,
        projection="dense",
        learning_rate=2e-4,
        beta_1=0.5,
        ema_decay=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.image_size = image_size
        self.channels = channels
        self.g_base_filters = g_base_filters
        self.d_base_filters = d_base_filters
        self.kernel_size = kernel_size
        self.projection = projection
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.ema_decay = ema_decay
        self.generator = dcgan_networks.build_generator(
            latent_dim, image_size, channels, g_base_filters, kernel_size, projection
        )
        self.discriminator = dcgan_networks.build_discriminator(image_size, channels, d_base_filters, kernel_size)
        if ema_decay is not None:
            if not 0.0 < ema_decay < 1.0:
                raise ValueError(f"ema_decay must be in (0, 1) or None, got {ema_decay}.")
            self.generator_ema = self._make_ema(self.generator, "generator_ema")
        self._finish_init()

    def discriminator_loss(self, real_outputs, fake_outputs):
        return minimax_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return non_saturating_generator_loss(fake_outputs)
