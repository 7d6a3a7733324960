"""Least Squares GAN."""


from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.losses.adversarial import least_squares_discriminator_loss, least_squares_generator_loss
from tfgan_zoo.models.lsgan import lsgan_networks
from tfgan_zoo.registry import register_model


@register_model("lsgan")
class LSGAN(UnconditionalGAN):
    """LSGAN: least-squares losses with target codes a (fake), b (real), c (G's target) and a linear D.

    Not the Loss-Sensitive GAN of Qi 2017 (arXiv:1701.06264, also abbreviated LS-GAN), which is registered
    separately as `lsgan_ls`.

    Args:
        latent_dim: size of z (1024 in the paper's LSUN model).
        latent_distribution: 'uniform' (paper) or 'normal'.
        image_size: multiple of 16 (112 in the paper); channels: 3.
        base_filters: width unit b of both networks (64).
        a, b, c: the least-squares targets; (0, 1, 1) is the 0-1 coding, (-1, 1, 0) the Pearson χ² one.
        learning_rate, beta_1: Adam (1e-3 for the LSUN scenes, 2e-4 elsewhere; β1 0.5).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("lsgan", image_size=16, base_filters=4, latent_dim=8)
        >>> m.generate(2, seed=0).shape
        (2, 16, 16, 3)

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017, arXiv:1611.04076.
    """

    def __init__(
        self,
        latent_dim=1024,
        latent_distribution="uniform",
        image_size=112,
        channels=3,
        base_filters=64,
        a=0.0,
        b=1.0,
        c=1.0,
        learning_rate=1e-3,
        beta_1=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.image_size = image_size
        self.channels = channels
        self.base_filters = base_filters
        self.a, self.b, self.c = float(a), float(b), float(c)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.generator = lsgan_networks.build_generator(latent_dim, image_size, channels, base_filters)
        self.discriminator = lsgan_networks.build_discriminator(image_size, channels, base_filters)
        self._finish_init()

    def discriminator_loss(self, real_outputs, fake_outputs):
        return least_squares_discriminator_loss(real_outputs, fake_outputs, a=self.a, b=self.b)

    def generator_loss(self, fake_outputs):
        return least_squares_generator_loss(fake_outputs, c=self.c)
