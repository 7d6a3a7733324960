"""Wasserstein GAN with weight clipping."""


from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.layers.constraints import ClipConstraint, clip_weights  # noqa: F401  (ClipConstraint: old import path)
from tfgan_zoo.losses.adversarial import wasserstein_discriminator_loss, wasserstein_generator_loss
from tfgan_zoo.models.wgan import wgan_networks
from tfgan_zoo.registry import register_model


@register_model("wgan")
class WGAN(UnconditionalGAN):
    """WGAN: a critic with linear output trained `n_critic` times per generator step, every critic parameter
    clipped to [-c, c] after each update, RMSProp(5e-5).

    Each `fit` step consumes `n_critic` minibatches (batch size n_critic·m); the trainer does this for you.
    The official code's warm-up schedule (100 critic steps for the first 25 generator steps and every 500th)
    is not reproduced: the critic step count is fixed per compiled step.

    Args:
        latent_dim: size of z (100, normal).
        image_size, channels: 64×64×3 in the paper (LSUN bedrooms).
        g_base_filters, d_base_filters, kernel_size, projection: DCGAN architecture (64, 64, 4, 'conv' as in the
            official PyTorch code).
        critic_normalization: 'batch' (official DCGAN critic) or 'none'.
        clip_value: c (0.01). n_critic: critic updates per generator update (5).
        learning_rate: RMSProp learning rate (5e-5).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("wgan", image_size=16, g_base_filters=8, d_base_filters=8)
        >>> float(max(abs(v.numpy()).max() for v in m.discriminator.trainable_variables)) <= 0.01
        True

    Reference:
        Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017, arXiv:1701.07875.
    """

    default_optimizer = "rmsprop"

    def __init__(
        self,
        latent_dim=100,
        latent_distribution="normal",
        image_size=64,
        channels=3,
        g_base_filters=64,
        d_base_filters=64,
        kernel_size=4,
        projection="conv",
        critic_normalization="batch",
        clip_value=0.01,
        n_critic=5,
        learning_rate=5e-5,
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
        self.projection = projection
        self.critic_normalization = critic_normalization
        self.clip_value = clip_value
        self.n_critic = n_critic
        self.learning_rate = learning_rate
        self.generator = wgan_networks.build_generator(
            latent_dim, image_size, channels, g_base_filters, kernel_size, projection
        )
        self.discriminator = wgan_networks.build_critic(
            image_size, channels, d_base_filters, kernel_size, critic_normalization
        )
        clip_weights([self.discriminator], clip_value)
        self._finish_init()

    def discriminator_loss(self, real_outputs, fake_outputs):
        return wasserstein_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return wasserstein_generator_loss(fake_outputs)
