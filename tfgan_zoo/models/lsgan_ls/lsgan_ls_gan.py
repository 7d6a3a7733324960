"""Loss-Sensitive GAN (LS-GAN) and its generalization GLS-GAN."""

import tensorflow as tf

from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.layers.random import replica_info
from tfgan_zoo.losses.loss_sensitive import (
    loss_sensitive_discriminator_loss,
    loss_sensitive_generator_loss,
    loss_sensitive_margin,
    weight_decay_penalty,
)
from tfgan_zoo.losses.penalties import r1_penalty
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.models.lsgan_ls import lsgan_ls_networks
from tfgan_zoo.registry import register_model


@register_model("lsgan_ls")
class LossSensitiveGAN(UnconditionalGAN):
    """Loss-Sensitive GAN (Qi 2017): a learned non-negative loss L_θ with a data-dependent margin, and GLS-GAN.

    This is *not* the least-squares GAN of Mao et al. (registered as `lsgan`); the two share an acronym only.
    The "discriminator" player is the loss function L_θ (`model.loss_function`): a DCGAN-style convnet with a ReLU
    output. Per step, with x and z paired by batch index and Δ = τ·‖x - G(z)‖₁:

        L_θ:  γ·L_θ(x) + C_ν(Δ + L_θ(x) - L_θ(G(z)))  [+ decay·½‖θ‖² + gp·‖∇ₓL_θ(x)‖²]
        G:    L_θ(G(z))                              [+ decay·½‖φ‖²]

    C_ν(a) = max(a, ν·a): `slope` ν = 0 is LS-GAN's hinge; 0 < ν < 1 is GLS-GAN's leaky rectifier; ν = 1 gives WGAN
    (with f = -L_θ). Lipschitz regularity is imposed, as in the paper's experiments, by weight decay (added to the
    gradient, like the authors' Torch code, for both players); `gradient_penalty_weight` instead (or also)
    penalises the input-gradient norm of L_θ on real data, the alternative the paper names.

    Defaults follow the authors' lsgan.lua: PyTorch-reference DCGAN-64 networks (ngf = ndf = 64, 4×4 kernels,
    bias-free convs, batch norm), z ∈ U(-1, 1)^100, τ = 2e-4 on the L1 pixel distance, γ = 0, Adam(1e-4, β1 0.5),
    batch 64. The paper's λ corresponds to 1/γ.

    Args:
        latent_dim: size of z (100).
        latent_distribution: 'uniform' (code default) or 'normal'.
        image_size, channels: 64×64×3 in the paper's CelebA experiments.
        g_base_filters, d_base_filters: ngf / ndf (64).
        margin_scale: τ, the scale of the L1 margin Δ (2e-4).
        margin_norm: 'l1' (paper) or 'l2'.
        real_loss_weight: γ, the weight of E L_θ(x) (0 in the code; 1/λ in the paper's form).
        slope: ν of GLS-GAN in [0, 1] (0 = LS-GAN).
        weight_decay: coefficient of the L2 weight decay on both players (0 in the code's defaults, 5e-5 its
            suggested value).
        gradient_penalty_weight: weight of ‖∇ₓL_θ(x)‖² on real data (0 = off).
        learning_rate, beta_1: Adam (1e-4, 0.5).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("lsgan_ls", image_size=16, g_base_filters=4, d_base_filters=4, latent_dim=8)
        >>> m.generate(2, seed=0).shape
        (2, 16, 16, 3)
        >>> float(m.learned_loss(m.generate(2, seed=0)).numpy().min()) >= 0.0
        True

    Reference:
        Guo-Jun Qi, "Loss-Sensitive Generative Adversarial Networks on Lipschitz Densities", IJCV 2019,
        arXiv:1701.06264; authors' code github.com/guojunq/lsgan (lsgan.lua) and guojunq/glsgan.
    """

    loss_names = ("d_loss", "g_loss", "margin", "real_loss", "fake_loss")

    def __init__(
        self,
        latent_dim=100,
        latent_distribution="uniform",
        image_size=64,
        channels=3,
        g_base_filters=64,
        d_base_filters=64,
        margin_scale=2e-4,
        margin_norm="l1",
        real_loss_weight=0.0,
        slope=0.0,
        weight_decay=0.0,
        gradient_penalty_weight=0.0,
        learning_rate=1e-4,
        beta_1=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if not 0.0 <= slope <= 1.0:
            raise ValueError(f"slope (GLS-GAN's ν) must be in [0, 1]: 0 = LS-GAN, 1 = WGAN; got {slope}.")
        if margin_norm not in ("l1", "l2"):
            raise ValueError(f"margin_norm must be 'l1' or 'l2', got {margin_norm!r}.")
        for key, value in (("margin_scale", margin_scale), ("real_loss_weight", real_loss_weight),
                           ("weight_decay", weight_decay), ("gradient_penalty_weight", gradient_penalty_weight)):
            if value < 0:
                raise ValueError(f"{key} must be >= 0, got {value}.")
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.image_size = image_size
        self.channels = channels
        self.g_base_filters = g_base_filters
        self.d_base_filters = d_base_filters
        self.margin_scale = float(margin_scale)
        self.margin_norm = margin_norm
        self.real_loss_weight = float(real_loss_weight)
        self.slope = float(slope)
        self.weight_decay = float(weight_decay)
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.generator = lsgan_ls_networks.build_generator(latent_dim, image_size, channels, g_base_filters)
        self.discriminator = lsgan_ls_networks.build_loss_network(image_size, channels, d_base_filters)
        self._finish_init()

    @property
    def loss_function(self):
        """The learned loss L_θ (the 'discriminator' player)."""
        return self.discriminator

    def learned_loss(self, images):
        """L_θ(images) as a `[N]` tensor of non-negative losses (lower = more real-looking)."""
        images = tf.convert_to_tensor(images, self.compute_dtype)
        return tf.reshape(tf.cast(self.discriminator(images, training=False), tf.float32), [-1])

    def _decay(self, model):
        """decay·½‖w‖² over the model's trainable weights, divided by the replica count: the optimizer sums the
        replicas' gradients, and this term is not a per-example loss."""
        if not self.weight_decay:
            return 0.0
        n, _ = replica_info()
        return self.weight_decay * weight_decay_penalty(model.trainable_variables) / n

    # ------------------------------------------------------------------------------------------ shared-step hooks
    #: the G update reuses the D update's z and G(z), as the authors' code (one G forward per step).
    reuse_fake_for_generator_step = True

    def discriminator_objective(self, batch, fake):
        """γ·L_θ(x) + C_ν(Δ(x, G(z)) + L_θ(x) − L_θ(G(z))) [+ gp·‖∇ₓL_θ(x)‖²] + decay·½‖θ‖²."""
        real = batch["images"]
        margins = loss_sensitive_margin(real, fake, self.margin_scale, self.margin_norm)
        real_l = self.discriminator(real, training=True)
        fake_l = self.discriminator(fake, training=True)
        per_example = loss_sensitive_discriminator_loss(real_l, fake_l, margins, self.real_loss_weight, self.slope)
        if self.gradient_penalty_weight:
            per_example += self.gradient_penalty_weight * r1_penalty(
                lambda x: self.discriminator(x, training=True), real
            )
        loss = reduce_global_batch(per_example) + self._decay(self.discriminator)
        return loss, {
            "d_loss": loss,
            "margin": reduce_global_batch(margins),
            "real_loss": reduce_global_batch(tf.reshape(tf.cast(real_l, tf.float32), [-1])),
            "fake_loss": reduce_global_batch(tf.reshape(tf.cast(fake_l, tf.float32), [-1])),
        }

    def generator_objective(self, batch, inputs, fake=None):
        """L_θ(G(z)) + decay·½‖φ‖²."""
        fake = self.generator(inputs, training=True) if fake is None else fake
        fake_l = self.discriminator(fake, training=True)
        loss = reduce_global_batch(loss_sensitive_generator_loss(fake_l)) + self._decay(self.generator)
        return loss, {"g_loss": loss}
