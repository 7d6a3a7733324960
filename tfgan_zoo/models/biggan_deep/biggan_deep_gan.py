"""BigGAN-deep: the deeper, bottleneck-block BigGAN."""

from tfgan_zoo.models.biggan.biggan_gan import BigGAN
from tfgan_zoo.models.biggan_deep import biggan_deep_networks
from tfgan_zoo.registry import register_model

_TFLITE_WHY = (
    "four conditional batch norms per bottleneck block, self-attention and twice BigGAN's depth compound 8-bit "
    "errors; full int8 is not usable for this family, use float16 or dynamic-range"
)


@register_model("biggan_deep")
class BigGANDeep(BigGAN):
    """BigGAN-deep: `BigGAN` with other network builders. BigGAN's training recipe (hinge, shared embedding, SN,
    orthogonal init/regularization, 2 D steps, Adam(0, 0.999) lr 5e-5 / 2e-4, EMA, cross-replica BN, truncation,
    standing statistics) on deeper networks of bottleneck residual blocks, with the whole z (not chunks) and the
    shared embedding conditioning every BN.

    Args:
        latent_dim: size of z (128).
        num_classes: 1000 for ImageNet.
        image_size, channels: output shape.
        g_base_channels, g_channel_mults: G widths per resolution (ch 128; [16, 16, 8, 4, 2, 1] at 128²,
            [16, 16, 8, 8, 4, 2, 1] at 256², [16, 16, 8, 8, 4, 2, 1, 1] at 512²); two blocks per resolution.
        d_base_channels, d_channel_mults, d_downsample: D input-conv width and per-resolution widths (ch 128;
            [2, 4, 8, 16, 16] at 128²), two blocks per entry, the first downsampling where `d_downsample` says.
        shared_dim: size of the shared class embedding (128).
        g_attention, d_attention: self-attention resolutions ([64]).
        init: 'orthogonal' or 'glorot'.
        n_critic, adversarial_loss, g_learning_rate, d_learning_rate, beta_1, beta_2, epsilon, ema_decay, ema_start,
            ortho_beta: as `biggan` (the paper's shared recipe; BigGAN-PyTorch's BigGAN-deep script instead uses
            1 D step, lr 1e-4 / 4e-4 and no orthogonal regularization, which a config can set).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("biggan_deep", latent_dim=8, num_classes=10, image_size=16, channels=1,
        ...     g_base_channels=8, g_channel_mults=[2, 2, 1], d_base_channels=8, d_channel_mults=[2, 2],
        ...     d_downsample=[1, 1], shared_dim=8, g_attention=[8], d_attention=[8], ema_start=0)
        >>> m.generate(2, seed=0, labels=[4, 5], truncation=0.5).shape
        (2, 16, 16, 1)

    Reference:
        Brock, Donahue & Simonyan, "Large Scale GAN Training for High Fidelity Natural Image Synthesis", ICLR 2019,
        arXiv:1809.11096 (Appendix B, BigGAN-deep).
    """

    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.35, "min_psnr_db": 40.0,
                    "why": _TFLITE_WHY + " (measured on the tiny config with randomized weights: max 0.229, 43.4 dB)"},
        "int8": {"max_abs_error": 2.0, "min_psnr_db": 18.0,
                 "why": _TFLITE_WHY + " (measured on the tiny config with randomized weights: max 1.43, 21.2 dB)"},
    }

    def __init__(
        self,
        latent_dim=128,
        num_classes=1000,
        image_size=128,
        channels=3,
        g_base_channels=128,
        g_channel_mults=(16, 16, 8, 4, 2, 1),
        d_base_channels=128,
        d_channel_mults=(2, 4, 8, 16, 16),
        d_downsample=(1, 1, 1, 1, 1),
        shared_dim=128,
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
        super().__init__(
            latent_dim=latent_dim, num_classes=num_classes, image_size=image_size, channels=channels,
            g_base_channels=g_base_channels, g_channel_mults=g_channel_mults, d_base_channels=d_base_channels,
            d_channel_mults=d_channel_mults, d_downsample=d_downsample, shared_dim=shared_dim, hierarchical=False,
            g_attention=g_attention, d_attention=d_attention, init=init, n_critic=n_critic,
            adversarial_loss=adversarial_loss, g_learning_rate=g_learning_rate, d_learning_rate=d_learning_rate,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, ema_decay=ema_decay, ema_start=ema_start,
            ortho_beta=ortho_beta, seed=seed, **kwargs,
        )

    def build_networks(self):
        """Bottleneck-block networks; the whole z (not chunks) with the shared embedding conditions every BN."""
        return (
            biggan_deep_networks.build_generator(
                self.latent_dim, self.num_classes, self.image_size, self.channels, self.g_base_channels,
                self.g_channel_mults, self.shared_dim, self.g_attention, self.init,
            ),
            biggan_deep_networks.build_discriminator(
                self.num_classes, self.image_size, self.channels, self.d_base_channels, self.d_channel_mults,
                self.d_downsample, self.d_attention, self.init,
            ),
        )
