"""SN-GAN with the projection discriminator and the hinge loss."""


from tfgan_zoo.base.projection import ProjectionGAN
from tfgan_zoo.models.sngan import sngan_networks
from tfgan_zoo.registry import register_model
from tfgan_zoo.utils.schedules import ConstantThenLinearDecay


@register_model("sngan")
class SNGAN(ProjectionGAN):
    """SN-GAN: spectrally normalized ResNet D, ResNet G, hinge loss, 5 D steps per G step, Adam(2e-4, 0, 0.9).

    With `num_classes > 0` it is the class-conditional "cGAN with projection discriminator" (conditional BN in G,
    D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩); with `num_classes=0` the unconditional SN-GAN (plain BN in G, linear D
    head), whose instance `task` is 'unconditional'.

    Args:
        latent_dim: size of z ~ N(0, I) (128).
        num_classes: classes (1000 for ImageNet, 10 for CIFAR-10 / digits; 0 = unconditional).
        image_size, channels: output shape (128×128×3 ImageNet, 32×32×3 CIFAR-10).
        g_base_channels, g_channel_mults: G channels = base × mult at 4×4 and after each up-block
            (ImageNet 128: 64 × [16, 16, 8, 4, 2, 1]; CIFAR-10: 256 × [1, 1, 1, 1]).
        d_base_channels, d_channel_mults, d_downsample: D block widths and which blocks halve the resolution
            (ImageNet 128: 64 × [1, 2, 4, 8, 16, 16], [1, 1, 1, 1, 1, 0]; CIFAR-10: 128 × [1, 1, 1, 1], [1, 1, 0, 0]).
        n_critic: D steps per G step (5); each uses its own slice of a `fit` batch of n_critic × batch_size.
        adversarial_loss: 'hinge' (the paper's choice for the projection model) or any name in `tfgan_zoo.losses`.
        learning_rate, beta_1, beta_2: Adam for both players (2e-4, 0.0, 0.9).
        lr_decay_start, lr_decay_steps: the official `LinearShift` of both Adam rates to 0: constant for
            `lr_decay_start` generator updates, then linear to 0 over `lr_decay_steps` more (CIFAR-10: 0 and 50,000;
            ImageNet: 400,000 and 50,000). D's schedule is keyed to the same generator updates (n_critic× its own
            updates). `lr_decay_steps=0` keeps the rates constant.
        ema_decay, ema_start: optional EMA generator for inference (not in the paper; None = off).
        ortho_beta: orthogonal regularization of G (0 = off, as in the paper).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("sngan", num_classes=10, image_size=16, channels=1, g_base_channels=8,
        ...     g_channel_mults=[1, 1, 1], d_base_channels=8, d_channel_mults=[1, 1, 1], d_downsample=[1, 1, 0])
        >>> m.generate(2, seed=0, labels=[3, 7]).shape
        (2, 16, 16, 1)

    Reference:
        Miyato, Kataoka, Koyama & Yoshida, "Spectral Normalization for Generative Adversarial Networks", ICLR 2018,
        arXiv:1802.05957; Miyato & Koyama, "cGANs with Projection Discriminator", ICLR 2018, arXiv:1802.05637.
    """

    tflite_quantization_bounds = {
        "int8": {"max_abs_error": 0.35, "min_psnr_db": 29.0,
                 "why": "full-integer int8 quantizes the per-class batch-norm gains and offsets that are gathered"
                        " from embeddings and multiply the normalized activations, and every residual sum "
                        "(measured on the tiny config with randomized weights: max 0.227, 32.0 dB)"},
    }

    optimizer_params = ProjectionGAN.optimizer_params + ("lr_decay_start", "lr_decay_steps")

    def make_optimizer(self, player, learning_rate=None):
        """Adam; with `lr_decay_steps` the official linear shift to 0, counted in generator updates."""
        if self.lr_decay_steps and learning_rate is None:
            per = self.n_critic if player == "discriminator" else 1
            learning_rate = ConstantThenLinearDecay(self.learning_rate, self.lr_decay_start * per,
                                                    self.lr_decay_steps * per)
        return super().make_optimizer(player, learning_rate)

    def __init__(
        self,
        latent_dim=128,
        num_classes=1000,
        image_size=128,
        channels=3,
        g_base_channels=64,
        g_channel_mults=(16, 16, 8, 4, 2, 1),
        d_base_channels=64,
        d_channel_mults=(1, 2, 4, 8, 16, 16),
        d_downsample=(1, 1, 1, 1, 1, 0),
        n_critic=5,
        adversarial_loss="hinge",
        learning_rate=2e-4,
        beta_1=0.0,
        beta_2=0.9,
        lr_decay_start=0,
        lr_decay_steps=0,
        ema_decay=None,
        ema_start=0,
        ortho_beta=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.image_size = image_size
        self.channels = channels
        self.g_base_channels = g_base_channels
        self.g_channel_mults = list(g_channel_mults)
        self.d_base_channels = d_base_channels
        self.d_channel_mults = list(d_channel_mults)
        self.d_downsample = list(d_downsample)
        self.n_critic = n_critic
        self.adversarial_loss = adversarial_loss
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        if int(lr_decay_start) < 0 or int(lr_decay_steps) < 0:
            raise ValueError(f"lr_decay_start and lr_decay_steps must be >= 0, got {lr_decay_start} and "
                             f"{lr_decay_steps}.")
        self.lr_decay_start, self.lr_decay_steps = int(lr_decay_start), int(lr_decay_steps)
        self.ema_decay = ema_decay
        self.ema_start = ema_start
        self.ortho_beta = ortho_beta
        self.generator = sngan_networks.build_generator(
            latent_dim, num_classes, image_size, channels, g_base_channels, self.g_channel_mults
        )
        self.discriminator = sngan_networks.build_discriminator(
            num_classes, image_size, channels, d_base_channels, self.d_channel_mults, self.d_downsample
        )
        self._setup_projection()
        self._finish_init()

