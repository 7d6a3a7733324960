"""Self-modulated GANs: the generator's batch norms are modulated by the latent itself."""


from tfgan_zoo.base.projection import ProjectionGAN
from tfgan_zoo.models.selfmod import selfmod_networks
from tfgan_zoo.registry import register_model


@register_model("selfmod")
class SelfModGAN(ProjectionGAN):
    """Self-modulation (Chen et al. 2019): every BN in G gets γ(z), β(z) from a one-hidden-layer MLP of z, on the
    SNDCGAN ('dcgan') or SN-GAN ResNet ('resnet') pairs of the paper's study, with a spectrally normalized D.

    Unconditional by default (the paper's main setting). With `num_classes > 0` it is the conditional combination:
    the modulating input is [embed(y), z] and D gets a projection head (instance `task` 'conditional').

    Args:
        architecture: 'dcgan' (SNDCGAN) or 'resnet'.
        latent_dim: size of z ~ N(0, I) (128).
        num_classes: 0 (unconditional) or the number of classes.
        image_size, channels: output shape (32×32×3 for CIFAR-10).
        g_base_channels: 'dcgan': channels of the last transposed conv (64 → 512 at 4×4); 'resnet': block width (256).
        d_base_channels: 'dcgan': first conv width (64); 'resnet': block width (128).
        hidden_units: hidden width of each modulation MLP (32).
        shared_dim: class-embedding size in the conditional combination (128).
        adversarial_loss: 'non_saturating' (paper's NS setting) or 'hinge' (any name in `tfgan_zoo.losses`).
        n_critic: D steps per G step (1 for SNDCGAN, 5 for the ResNet).
        learning_rate, beta_1, beta_2: Adam for both players (2e-4, 0.5, 0.999 for SNDCGAN; 0, 0.9 for the ResNet).
        ema_decay, ema_start, ortho_beta: optional EMA generator / orthogonal regularization (off).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("selfmod", latent_dim=8, image_size=16, channels=1, g_base_channels=4,
        ...     d_base_channels=4, hidden_units=4)
        >>> m.generate(2, seed=0).shape
        (2, 16, 16, 1)

    Reference:
        Chen, Lucic, Houlsby & Gelly, "On Self Modulation for Generative Adversarial Networks", ICLR 2019,
        arXiv:1810.01365.
    """

    tflite_quantization_bounds = {
        "int8": {"max_abs_error": 0.2, "min_psnr_db": 33.0,
                 "why": "full-integer int8 quantizes the self-modulation MLPs' per-example batch-norm gains and "
                        "offsets, which multiply the normalized activations (measured on the tiny config with "
                        "randomized weights: max 0.124, 36.0 dB)"},
    }

    def __init__(
        self,
        architecture="dcgan",
        latent_dim=128,
        num_classes=0,
        image_size=32,
        channels=3,
        g_base_channels=64,
        d_base_channels=64,
        hidden_units=32,
        shared_dim=128,
        adversarial_loss="non_saturating",
        n_critic=1,
        learning_rate=2e-4,
        beta_1=0.5,
        beta_2=0.999,
        ema_decay=None,
        ema_start=0,
        ortho_beta=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.architecture = architecture
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.image_size = image_size
        self.channels = channels
        self.g_base_channels = g_base_channels
        self.d_base_channels = d_base_channels
        self.hidden_units = hidden_units
        self.shared_dim = shared_dim
        self.adversarial_loss = adversarial_loss
        self.n_critic = n_critic
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.ema_decay = ema_decay
        self.ema_start = ema_start
        self.ortho_beta = ortho_beta
        self.generator = selfmod_networks.build_generator(
            architecture, latent_dim, num_classes, image_size, channels, g_base_channels, shared_dim, hidden_units
        )
        self.discriminator = selfmod_networks.build_discriminator(
            architecture, num_classes, image_size, channels, d_base_channels
        )
        self._setup_projection()
        self._finish_init()

