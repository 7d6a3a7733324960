"""Wasserstein GAN with weight clipping."""

import keras

from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.layers.constraints import ClipConstraint, clip_weights  # noqa: F401  (ClipConstraint: old import path)
from tfgan_zoo.losses.adversarial import wasserstein_discriminator_loss, wasserstein_generator_loss
from tfgan_zoo.models.wgan import wgan_networks
from tfgan_zoo.registry import register_model


@register_model("wgan")
class WGAN(UnconditionalGAN):
    """WGAN: a critic with linear output trained several times per generator step, every critic parameter
    clipped to [-c, c] after each update, RMSProp(5e-5).

    The critic schedule is the official code's (`critic_schedule='official'`, the default): 100 critic updates
    before each of the first 25 generator updates and before every 500th, else `n_critic` (5). One `fit` step is one
    generator update; each critic update reads its own minibatch (dataset element) of `batch_size`, so `train.steps`
    counts generator updates and a step reads as many minibatches as its critic updates (`critic_iterations`).
    `critic_schedule='fixed'` gives `n_critic` critic updates per generator update throughout, from one dataset
    element of `n_critic` minibatches (the trainer multiplies the batch size), as before the schedule existed.

    Args:
        latent_dim: size of z (100, normal).
        image_size, channels: 64×64×3 in the paper (LSUN bedrooms).
        g_base_filters, d_base_filters, kernel_size, projection: DCGAN architecture (64, 64, 4, 'conv' as in the
            official PyTorch code).
        critic_normalization: 'batch' (official DCGAN critic) or 'none'.
        clip_value: c (0.01). n_critic: critic updates per generator update outside the bursts (5).
        critic_schedule: 'official' (bursts as below) or 'fixed' (always `n_critic`).
        burst_critic_iterations, burst_generator_steps, burst_every: the official bursts: `burst_critic_iterations`
            (100) critic updates before each of the first `burst_generator_steps` (25) generator updates and before
            every `burst_every`-th (500; 0 = never).
        learning_rate, rho, epsilon: RMSProp (5e-5; ρ 0.99 and ε 1e-8 as the official code's `torch.optim.RMSprop`
            defaults, where Keras' own defaults are 0.9 and 1e-7; Keras adds ε inside the square root, PyTorch
            outside, which differs only where the running mean square is ~ε²).
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
        critic_schedule="official",
        burst_critic_iterations=100,
        burst_generator_steps=25,
        burst_every=500,
        learning_rate=5e-5,
        rho=0.99,
        epsilon=1e-8,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if n_critic < 1:
            raise ValueError(f"n_critic must be >= 1, got {n_critic}.")
        if critic_schedule not in ("official", "fixed"):
            raise ValueError(f"critic_schedule must be 'official' (100 critic updates for the first 25 generator "
                             f"updates and every 500th, else n_critic) or 'fixed' (always n_critic), got "
                             f"{critic_schedule!r}.")
        if burst_critic_iterations < 1 or burst_generator_steps < 0 or burst_every < 0:
            raise ValueError(f"burst_critic_iterations must be >= 1 and burst_generator_steps, burst_every >= 0; got "
                             f"{burst_critic_iterations}, {burst_generator_steps}, {burst_every}.")
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
        self.critic_schedule = critic_schedule
        self.burst_critic_iterations = burst_critic_iterations
        self.burst_generator_steps = burst_generator_steps
        self.burst_every = burst_every
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.generator = wgan_networks.build_generator(
            latent_dim, image_size, channels, g_base_filters, kernel_size, projection
        )
        self.discriminator = wgan_networks.build_critic(
            image_size, channels, d_base_filters, kernel_size, critic_normalization
        )
        clip_weights([self.discriminator], clip_value)
        self._finish_init()

    optimizer_params = UnconditionalGAN.optimizer_params + ("rho",)

    def default_optimizers(self):
        return {p: keras.optimizers.RMSprop(self.learning_rate, rho=self.rho, epsilon=self.epsilon)
                for p in self.player_names}

    @property
    def scheduled_critic(self):
        return self.critic_schedule == "official"

    def critic_iterations(self, generator_step):
        """Critic updates before generator update `generator_step` (0-based), as the official main.py:
        `Diters = 100 if gen_iterations < 25 or gen_iterations % 500 == 0 else opt.Diters`."""
        if self.critic_schedule == "fixed":
            return self.n_critic
        burst = generator_step < self.burst_generator_steps or (
            self.burst_every > 0 and generator_step % self.burst_every == 0)
        return self.burst_critic_iterations if burst else self.n_critic

    def discriminator_loss(self, real_outputs, fake_outputs):
        return wasserstein_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return wasserstein_generator_loss(fake_outputs)
