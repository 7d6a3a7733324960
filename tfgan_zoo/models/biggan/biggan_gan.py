"""BigGAN: large-scale class-conditional GAN training."""

from tfgan_zoo.base.projection import ProjectionGAN
from tfgan_zoo.models.biggan import biggan_networks
from tfgan_zoo.registry import register_model

_TFLITE_WHY = (
    "self-attention plus hierarchical-latent conditional batch norm (gains from linear maps of z chunks and the "
    "shared embedding) compound 8-bit errors block after block; full int8 is not usable for this family, use "
    "float16 or dynamic-range"
)


@register_model("biggan")
class BigGAN(ProjectionGAN):
    """BigGAN: SA-GAN scaled up with a shared class embedding and hierarchical latents feeding every conditional BN,
    orthogonal init and off-diagonal orthogonal regularization of G (β = 1e-4), hinge loss, 2 D steps per G step,
    Adam(β = (0, 0.999)) with lr 5e-5 (G) / 2e-4 (D), an EMA generator (0.9999, started after 20k steps) used for
    inference and export, cross-replica batch norm under `MirroredStrategy`, the truncation trick (`generate(...,
    truncation=t)` and the `sample_truncated(seed, labels, truncation)` serving signature) and standing statistics
    (`standing_statistics()`).

    Args:
        latent_dim: size of z (120 at 128², 140 at 256², 160 at 512²; split into blocks + 1 chunks of 20).
        num_classes: 1000 for ImageNet.
        image_size, channels: output shape.
        g_base_channels, g_channel_mults: G widths (ch 96; [16, 16, 8, 4, 2, 1] at 128², [16, 16, 8, 8, 4, 2, 1] at
            256², [16, 16, 8, 8, 4, 2, 1, 1] at 512²).
        d_base_channels, d_channel_mults, d_downsample: D widths (ch 96; [1, 2, 4, 8, 16, 16] / last block keeps the
            resolution at 128²).
        shared_dim: size of the shared class embedding (128).
        hierarchical: skip-z (True).
        g_attention, d_attention: self-attention resolutions ([64]).
        init: 'orthogonal' (BigGAN) or 'glorot'.
        n_critic: D steps per G step (2).
        adversarial_loss: 'hinge'.
        g_learning_rate, d_learning_rate, beta_1, beta_2, epsilon: Adam (5e-5, 2e-4, 0.0, 0.999, 1e-8).
        ema_decay, ema_start: EMA of G (0.9999 from step 20000; before it the EMA copies G).
        ortho_beta: orthogonal regularization strength (1e-4; 0 = off).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("biggan", latent_dim=12, num_classes=10, image_size=16, channels=1,
        ...     g_base_channels=8, g_channel_mults=[2, 2, 1], d_base_channels=8, d_channel_mults=[1, 2, 2],
        ...     d_downsample=[1, 1, 0], shared_dim=8, g_attention=[8], d_attention=[8], ema_start=0)
        >>> m.generate(2, seed=0, labels=[4, 5], truncation=0.5).shape
        (2, 16, 16, 1)

    Reference:
        Brock, Donahue & Simonyan, "Large Scale GAN Training for High Fidelity Natural Image Synthesis", ICLR 2019,
        arXiv:1809.11096.
    """

    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.2, "min_psnr_db": 37.0,
                    "why": _TFLITE_WHY + " (measured on the tiny config with randomized weights: max 0.135, 40.3 dB)"},
        "int8": {"max_abs_error": 1.7, "min_psnr_db": 21.0,
                 "why": _TFLITE_WHY + " (measured on the tiny config with randomized weights: max 1.15, 24.5 dB)"},
    }

    loss_names = ("d_loss", "g_loss", "ortho_loss")

    def __init__(
        self,
        latent_dim=120,
        num_classes=1000,
        image_size=128,
        channels=3,
        g_base_channels=96,
        g_channel_mults=(16, 16, 8, 4, 2, 1),
        d_base_channels=96,
        d_channel_mults=(1, 2, 4, 8, 16, 16),
        d_downsample=(1, 1, 1, 1, 1, 0),
        shared_dim=128,
        hierarchical=True,
        g_attention=(64,),
        d_attention=(64,),
        init="orthogonal",
        n_critic=2,
        adversarial_loss="hinge",
        g_learning_rate=5e-5,
        d_learning_rate=2e-4,
        beta_1=0.0,
        beta_2=0.999,
        epsilon=1e-8,
        ema_decay=0.9999,
        ema_start=20000,
        ortho_beta=1e-4,
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
        self.shared_dim = shared_dim
        self.hierarchical = hierarchical
        self.g_attention = list(g_attention)
        self.d_attention = list(d_attention)
        self.init = init
        self.n_critic = n_critic
        self.adversarial_loss = adversarial_loss
        self.g_learning_rate = g_learning_rate
        self.d_learning_rate = d_learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.ema_decay = ema_decay
        self.ema_start = ema_start
        self.ortho_beta = ortho_beta
        self.generator, self.discriminator = self.build_networks()
        self._setup_projection()
        self._finish_init()

    def build_networks(self):
        """(generator, discriminator) from the stored arguments; BigGAN-deep swaps in its own builders."""
        return (
            biggan_networks.build_generator(
                self.latent_dim, self.num_classes, self.image_size, self.channels, self.g_base_channels,
                self.g_channel_mults, self.shared_dim, self.hierarchical, self.g_attention, self.init,
            ),
            biggan_networks.build_discriminator(
                self.num_classes, self.image_size, self.channels, self.d_base_channels, self.d_channel_mults,
                self.d_downsample, self.d_attention, self.init,
            ),
        )

