"""WGAN with gradient penalty."""

import tensorflow as tf

from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.losses.adversarial import wasserstein_discriminator_loss, wasserstein_generator_loss
from tfgan_zoo.losses.penalties import gradient_penalty
from tfgan_zoo.models.wgan_gp import wgan_gp_networks
from tfgan_zoo.registry import register_model


@register_model("wgan_gp")
class WGANGP(UnconditionalGAN):
    """WGAN-GP: Wasserstein critic with λ·(‖∇D(x̂)‖ - 1)² on per-example random interpolates, no batch norm in
    the critic, `n_critic` = 5, Adam(1e-4, β = (0, 0.9)).

    Each `fit` step consumes `n_critic` minibatches (batch size n_critic·m); the trainer does this for you.

    Args:
        latent_dim: size of z (128 in the official 64×64 code).
        image_size, channels: 64×64×3 (LSUN bedrooms in the paper's 64×64 experiments).
        g_base_filters, d_base_filters: DIM of the official code (64).
        kernel_size: 5 (official code).
        critic_normalization: 'layer' (official) or 'none'; 'batch' is rejected.
        gp_weight: λ (10). n_critic: 5.
        learning_rate, beta_1, beta_2: Adam (1e-4, 0, 0.9).
        seed: seed of the training-time noise and interpolation coefficients.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("wgan_gp", image_size=16, g_base_filters=8, d_base_filters=8)
        >>> m.n_critic, m.gp_weight
        (5, 10.0)

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017, arXiv:1704.00028.
    """

    loss_names = ("d_loss", "g_loss", "gradient_penalty")

    def __init__(
        self,
        latent_dim=128,
        latent_distribution="normal",
        image_size=64,
        channels=3,
        g_base_filters=64,
        d_base_filters=64,
        kernel_size=5,
        critic_normalization="layer",
        gp_weight=10.0,
        n_critic=5,
        learning_rate=1e-4,
        beta_1=0.0,
        beta_2=0.9,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if n_critic < 1:
            raise ValueError(f"n_critic must be >= 1, got {n_critic}.")
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.image_size = image_size
        self.channels = channels
        self.g_base_filters = g_base_filters
        self.d_base_filters = d_base_filters
        self.kernel_size = kernel_size
        self.critic_normalization = critic_normalization
        self.gp_weight = float(gp_weight)
        self.n_critic = n_critic
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.generator = wgan_gp_networks.build_generator(latent_dim, image_size, channels, g_base_filters, kernel_size)
        self.discriminator = wgan_gp_networks.build_critic(
            image_size, channels, d_base_filters, kernel_size, critic_normalization
        )
        self._finish_init()

    def discriminator_loss(self, real_outputs, fake_outputs):
        return wasserstein_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return wasserstein_generator_loss(fake_outputs)

    def discriminator_penalty(self, real, fake, batch):
        alpha = self.random_uniform([tf.shape(real)[0]])
        penalty = gradient_penalty(lambda x: self.discriminator(x, training=True), real, fake, alpha)
        return self.gp_weight * penalty, {"gradient_penalty": penalty}
