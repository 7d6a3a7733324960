"""DualGAN: unsupervised dual learning for image-to-image translation (Wasserstein critics, weight clipping)."""

from tfgan_zoo.base.two_domain import TwoDomainTranslationGAN, TwoWayGenerator
from tfgan_zoo.layers.constraints import clip_weights
from tfgan_zoo.losses.adversarial import wasserstein_discriminator_loss, wasserstein_generator_loss
from tfgan_zoo.models.dualgan import dualgan_networks
from tfgan_zoo.registry import register_model


@register_model("dualgan")
class DualGAN(TwoDomainTranslationGAN):
    """DualGAN: the primal G_A: U → V and the dual G_B: V → U (U-Nets), one Wasserstein critic per domain (PatchGAN
    maps without sigmoid), every critic parameter clipped to [-c, c] after each update, `n_critic` critic updates per
    generator update, RMSProp(5e-5), batch size 1, and the generators' objective

        l_g = λ_U‖u − G_B(G_A(u))‖₁ + λ_V‖v − G_A(G_B(v))‖₁ − D_V(G_A(u)) − D_U(G_B(v))

    (Algorithm 1 of the paper; the L1 terms are per-pixel means, as in the official code). Domain A is the paper's U,
    B is V; `discriminator_b` is the paper's D_A (it judges V), `discriminator_a` its D_B.

    Networks follow the official TensorFlow code (duxingren14/DualGAN, the `model.py`/`ops.py` of the ICCV version):
    5×5 kernels, instance norm with learned scale and shift (its `batch_norm` normalizes over H, W per image), also on
    the innermost 1×1 encoder level, dropout 0.5 on the three decoder layers next to the bottleneck, biases everywhere,
    and the 5-layer critic ending in a stride-1 map (32×32 scores for 256² images). Differences: the official
    repository's history holds several objectives (sigmoid cross-entropy in the ICCV-era `model.py`, which never calls
    its clipping; 'wgan' with clip 0.01, n_critic 3 and λ = 200 in an earlier `main.py`; 'wgan-gp' with a global
    critic later); this class implements the paper's Wasserstein objective with clipping. Dropout is off at
    inference (`training=False`).

    Args:
        image_size: 256 in the paper (a power of two >= 8). channels: 1 or 3 (both domains; 1 for sketch ↔ photo).
        g_base_filters, d_base_filters: 64 and 64 (the official `fcn_filter_dim`). kernel_size: 5 (official).
        dropout: 0.5 on the first `num_dropout` = 3 decoder layers.
        cycle_weight_a, cycle_weight_b: λ_U and λ_V, the weights of the A → B → A and B → A → B L1 reconstructions
            (the paper: "suitable values in [100, 1000]"; 200 by default, the official WGAN-era default).
        clip_value: c (0.01; the paper: "normally in [0.01, 0.1]"). n_critic: critic updates per generator update (2).
        learning_rate: RMSProp learning rate (5e-5; decay ρ = 0.9 as the official `RMSPropOptimizer(decay=0.9)`).
        seed: seed of the dropout noise.

    Example:
        >>> import numpy as np, tfgan_zoo
        >>> m = tfgan_zoo.build_model("dualgan", image_size=16, channels=1, g_base_filters=2, d_base_filters=2)
        >>> m.translate(np.zeros((1, 16, 16, 1), "float32"), direction="b_to_a").shape
        (1, 16, 16, 1)
        >>> float(max(abs(v.numpy()).max() for v in m.discriminator_a.trainable_variables)) <= 0.01
        True

    Reference:
        Yi, Zhang, Tan & Gong, "DualGAN: Unsupervised Dual Learning for Image-to-Image Translation", ICCV 2017,
        arXiv:1704.02510.
    """

    default_optimizer = "rmsprop"

    def __init__(
        self,
        image_size=256,
        channels=3,
        g_base_filters=64,
        d_base_filters=64,
        kernel_size=5,
        dropout=0.5,
        num_dropout=3,
        cycle_weight_a=200.0,
        cycle_weight_b=200.0,
        clip_value=0.01,
        n_critic=2,
        learning_rate=5e-5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if n_critic < 1:
            raise ValueError(f"n_critic must be >= 1, got {n_critic}.")
        if clip_value <= 0:
            raise ValueError(f"clip_value must be positive, got {clip_value}.")
        self.image_size = image_size
        self.channels = channels
        self.g_base_filters = g_base_filters
        self.d_base_filters = d_base_filters
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.num_dropout = num_dropout
        self.cycle_weight_a = float(cycle_weight_a)
        self.cycle_weight_b = float(cycle_weight_b)
        self.clip_value = clip_value
        self.n_critic = n_critic
        self.learning_rate = learning_rate

        def generator(name):
            return dualgan_networks.build_generator(image_size, channels, channels, g_base_filters, kernel_size,
                                                    dropout, num_dropout, name=name)

        self.generator = TwoWayGenerator(generator("generator_a_to_b"), generator("generator_b_to_a"))
        self.discriminator_a = dualgan_networks.build_critic(image_size, channels, d_base_filters, kernel_size,
                                                             name="discriminator_a")
        self.discriminator_b = dualgan_networks.build_critic(image_size, channels, d_base_filters, kernel_size,
                                                             name="discriminator_b")
        clip_weights([self.discriminator_a, self.discriminator_b], clip_value)
        self._finish_init()

    def discriminator_loss(self, real_outputs, fake_outputs):
        return wasserstein_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return wasserstein_generator_loss(fake_outputs)
