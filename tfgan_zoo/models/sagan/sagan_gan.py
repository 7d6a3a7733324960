"""Self-Attention GAN."""


from tfgan_zoo.base.projection import ProjectionGAN
from tfgan_zoo.models.sagan import sagan_networks
from tfgan_zoo.registry import register_model


@register_model("sagan")
class SAGAN(ProjectionGAN):
    """SAGAN: self-attention in G and D, spectral normalization in both, hinge loss, TTUR (G 1e-4, D 4e-4,
    Adam β = (0, 0.9)), one D step per G step, conditional BN + projection D for class-conditional ImageNet.

    `num_classes=0` gives the unconditional SAGAN (instance `task` 'unconditional').

    Args:
        latent_dim: size of z ~ N(0, I) (128).
        num_classes: 1000 for ImageNet (0 = unconditional).
        image_size, channels: 128×128×3.
        g_base_channels, g_channel_mults: G widths (64 × [16, 16, 8, 4, 2, 1] at 128).
        d_base_channels, d_channel_mults, d_downsample: D widths (64 × [1, 2, 4, 8, 16, 16], last block keeps 4×4).
        g_attention, d_attention: feature-map sizes after which self-attention is applied ([32] in the official
            code for both players; the paper also studies 64).
        n_critic: D steps per G step (1 with TTUR).
        adversarial_loss: 'hinge'.
        g_learning_rate, d_learning_rate, beta_1, beta_2: TTUR Adam (1e-4, 4e-4, 0.0, 0.9).
        ema_decay, ema_start: optional EMA generator (None = off, as in the paper).
        ortho_beta: orthogonal regularization of G (0 = off).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("sagan", num_classes=10, image_size=16, channels=1, g_base_channels=8,
        ...     g_channel_mults=[2, 2, 1], d_base_channels=8, d_channel_mults=[1, 2, 2], d_downsample=[1, 1, 0],
        ...     g_attention=[8], d_attention=[8])
        >>> m.generate(2, seed=0, labels=[1, 2]).shape
        (2, 16, 16, 1)

    Reference:
        Zhang, Goodfellow, Metaxas & Odena, "Self-Attention Generative Adversarial Networks", ICML 2019,
        arXiv:1805.08318.
    """

    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.1, "min_psnr_db": 45.0,
                 "why": "the self-attention softmax and the per-class batch-norm gains are sensitive to 8-bit "
                        "weights and, under full int8, to 8-bit activations (measured on the tiny config with "
                        "randomized weights: max 0.064, 48.4 dB)"},
        "int8": {"max_abs_error": 0.45, "min_psnr_db": 29.0,
                 "why": "the self-attention softmax and the per-class batch-norm gains are sensitive to 8-bit "
                        "weights and, under full int8, to 8-bit activations (measured on the tiny config with "
                        "randomized weights: max 0.283, 32.6 dB)"},
    }

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
        g_attention=(32,),
        d_attention=(32,),
        n_critic=1,
        adversarial_loss="hinge",
        g_learning_rate=1e-4,
        d_learning_rate=4e-4,
        beta_1=0.0,
        beta_2=0.9,
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
        self.g_attention = list(g_attention)
        self.d_attention = list(d_attention)
        self.n_critic = n_critic
        self.adversarial_loss = adversarial_loss
        self.g_learning_rate = g_learning_rate
        self.d_learning_rate = d_learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.ema_decay = ema_decay
        self.ema_start = ema_start
        self.ortho_beta = ortho_beta
        self.generator = sagan_networks.build_generator(
            latent_dim, num_classes, image_size, channels, g_base_channels, self.g_channel_mults, self.g_attention
        )
        self.discriminator = sagan_networks.build_discriminator(
            num_classes, image_size, channels, d_base_channels, self.d_channel_mults, self.d_downsample,
            self.d_attention,
        )
        self._setup_projection()
        self._finish_init()

