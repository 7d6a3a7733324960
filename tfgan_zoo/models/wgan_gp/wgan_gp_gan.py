"""WGAN with gradient penalty."""

import keras
import tensorflow as tf

from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.losses.adversarial import wasserstein_discriminator_loss, wasserstein_generator_loss
from tfgan_zoo.losses.penalties import gradient_penalty
from tfgan_zoo.models.wgan_gp import wgan_gp_networks
from tfgan_zoo.registry import register_model
from tfgan_zoo.utils.schedules import ConstantThenLinearDecay


@register_model("wgan_gp")
class WGANGP(UnconditionalGAN):
    """WGAN-GP: Wasserstein critic with λ·(‖∇D(x̂)‖ - 1)² on per-example random interpolates, no batch norm in
    the critic, `n_critic` = 5, Adam(1e-4, β = (0, 0.9)).

    Each `fit` step consumes `n_critic` minibatches (batch size n_critic·m); the trainer does this for you.

    Two architectures: 'dcgan' (gan_64x64.py's DCGAN pair, the default) and 'resnet' (gan_cifar_resnet.py, behind the
    paper's CIFAR-10 Inception scores: G with DIM_G = 128 and three up ResBlocks with batch norm, a critic of four
    ResBlocks starting with the optimized block and no normalization, Adam(2e-4, 0, 0.9) decayed linearly to 0 over
    100k generator updates, G batch 2× the critic's; `zoo_configs/wgan_gp/wgan_gp_cifar10_resnet.yaml`).

    Args:
        latent_dim: size of z (128 in the official code).
        image_size, channels: 64×64×3 (LSUN bedrooms in the paper's 64×64 experiments; 32×32×3 for CIFAR-10).
        architecture: 'dcgan' or 'resnet'.
        g_base_filters, d_base_filters: DIM of the official code (64 for 'dcgan'; DIM_G = DIM_D = 128 for 'resnet').
        kernel_size: 5 (official 'dcgan' code; the ResNet uses 3×3 and 1×1).
        critic_normalization: 'layer' (official 'dcgan') or 'none' (required by 'resnet'); 'batch' is rejected.
        gp_weight: λ (10). n_critic: 5.
        learning_rate, beta_1, beta_2: Adam (1e-4, 0, 0.9; 2e-4 for the ResNet).
        lr_decay_steps: 0 (constant) or the generator updates over which both learning rates fall linearly to 0
            (the ResNet code's 100,000; the critic's schedule runs over n_critic× as many of its updates).
        generator_batch_multiple: the G update's batch as a multiple of the critic's (1; GEN_BS_MULTIPLE = 2 in the
            ResNet code).
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
        architecture="dcgan",
        g_base_filters=64,
        d_base_filters=64,
        kernel_size=5,
        critic_normalization="layer",
        gp_weight=10.0,
        n_critic=5,
        learning_rate=1e-4,
        beta_1=0.0,
        beta_2=0.9,
        lr_decay_steps=0,
        generator_batch_multiple=1,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if n_critic < 1:
            raise ValueError(f"n_critic must be >= 1, got {n_critic}.")
        if architecture not in ("dcgan", "resnet"):
            raise ValueError(f"architecture must be 'dcgan' (gan_64x64.py) or 'resnet' (gan_cifar_resnet.py), got "
                             f"{architecture!r}.")
        if architecture == "resnet" and critic_normalization != "none":
            raise ValueError("The official ResNet critic has no normalization: set critic_normalization='none' with "
                             "architecture='resnet'.")
        if lr_decay_steps < 0 or int(generator_batch_multiple) != generator_batch_multiple or \
                generator_batch_multiple < 1:
            raise ValueError(f"lr_decay_steps must be >= 0 and generator_batch_multiple an integer >= 1, got "
                             f"{lr_decay_steps} and {generator_batch_multiple}.")
        self.architecture = architecture
        self.lr_decay_steps = lr_decay_steps
        self.generator_batch_multiple = int(generator_batch_multiple)
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
        if architecture == "resnet":
            self.generator = wgan_gp_networks.build_resnet_generator(latent_dim, image_size, channels, g_base_filters)
            self.discriminator = wgan_gp_networks.build_resnet_critic(image_size, channels, d_base_filters)
        else:
            self.generator = wgan_gp_networks.build_generator(latent_dim, image_size, channels, g_base_filters,
                                                              kernel_size)
            self.discriminator = wgan_gp_networks.build_critic(
                image_size, channels, d_base_filters, kernel_size, critic_normalization
            )
        self._finish_init()

    optimizer_params = UnconditionalGAN.optimizer_params + ("lr_decay_steps",)

    def default_optimizers(self):
        """Adam(lr, β1, β2) for both players; with `lr_decay_steps`, the ResNet code's `lr·max(0, 1 − t/T)` keyed to
        the generator update t (the critic runs n_critic updates per generator update, so its schedule is n_critic×
        longer in its own updates)."""
        def make(steps):
            lr = self.learning_rate if not self.lr_decay_steps else ConstantThenLinearDecay(
                self.learning_rate, constant_steps=0, decay_steps=steps)
            return keras.optimizers.Adam(lr, beta_1=self.beta_1, beta_2=self.beta_2)

        return {"generator": make(self.lr_decay_steps), "discriminator": make(self.lr_decay_steps * self.n_critic)}

    def player_variables(self, player):
        # the ResNet G's conv biases that only reach a batch norm have an exactly zero gradient (see resnet_gan)
        variables = super().player_variables(player)
        skip = set(getattr(self.generator, "zero_gradient_biases", ())) if player == "generator" else set()
        return [v for v in variables if not (v.path.endswith("bias") and skip & set(v.path.split("/")[:-1]))]

    def generator_inputs(self, batch):
        """The G update's latents: `generator_batch_multiple` × the critic batch (the ResNet code's GEN_BS_MULTIPLE)."""
        size = tf.shape(self.task.real_images(batch))[0] * self.generator_batch_multiple
        return self.sample_latents(size)

    def generate_fake(self, batch):
        # the critic's fakes: one per real example
        return self.generator(self.task.generator_inputs(self, batch), training=True)

    def discriminator_loss(self, real_outputs, fake_outputs):
        return wasserstein_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return wasserstein_generator_loss(fake_outputs)

    def discriminator_penalty(self, real, fake, batch):
        alpha = self.random_uniform([tf.shape(real)[0]])
        penalty = gradient_penalty(lambda x: self.discriminator(x, training=True), real, fake, alpha)
        return self.gp_weight * penalty, {"gradient_penalty": penalty}
