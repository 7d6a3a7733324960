"""CycleGAN: unpaired image-to-image translation with cycle consistency."""

from __future__ import annotations

import keras

from tfgan_zoo.base.two_domain import TwoDomainTranslationGAN, TwoWayGenerator
from tfgan_zoo.losses.adversarial import least_squares_discriminator_loss
from tfgan_zoo.losses.reduction import per_example_mean
from tfgan_zoo.models.cyclegan.cyclegan_networks import build_resnet_generator
from tfgan_zoo.networks.translation import build_image_patch_discriminator
from tfgan_zoo.registry import register_model
from tfgan_zoo.utils.schedules import ConstantThenLinearDecay


@register_model("cyclegan")
class CycleGAN(TwoDomainTranslationGAN):
    """CycleGAN: G: A → B and F: B → A (ResNet generators), D_A and D_B (70×70 PatchGANs), least-squares adversarial
    losses, cycle consistency λ·|F(G(a)) − a|₁ + λ·|G(F(b)) − b|₁ with λ = 10, optional identity loss 0.5·λ, a
    history pool of the 50 latest fakes per discriminator, Adam(2e-4, β1 0.5), batch size 1, the learning rate constant
    and then linearly to 0.

    As the official code (junyanz/pytorch-CycleGAN-and-pix2pix): each discriminator's objective is halved
    ((real + fake) · ½ of the squared errors), the generators' adversarial terms are the plain squared error
    (D(G(a)) − 1)², instance norm has no affine parameters, convolutions are initialised N(0, 0.02), the two
    generators share one optimizer and so do the two discriminators. One difference in order: the official code
    updates the generators first and then the discriminators on the same step's fakes; the zoo's shared step updates
    the discriminators first (on the pool's answer to the same fakes), then the generators.

    Naming: `discriminator_a` judges images of domain A (the official `netD_B`), `discriminator_b` those of B
    (`netD_A`); `generator.a_to_b` is the official `netG_A`.

    Args:
        image_size: 256 in the paper (divisible by 4). channels: 3 (both domains).
        g_base_filters, d_base_filters: 64 and 64. n_blocks: residual blocks (9 at 256², 6 at 128²).
        d_layers: 3 (70×70 patches). normalization_kind: 'instance' (official) or 'batch'.
        instance_norm_affine: instance norm with a learned scale and shift (official default False; True for
            checkpoints trained with `InstanceNorm2d(affine=True)`).
        cycle_weight_a, cycle_weight_b: λ_A = λ_B = 10. identity_weight: 0.5 (official default; 0 disables it).
        pool_size: 50 fakes per discriminator (0 disables the pool).
        learning_rate, beta_1, beta_2: Adam (2e-4, 0.5, 0.999).
        constant_steps, decay_steps: the learning rate stays constant for `constant_steps` optimizer steps, then
            falls linearly to 0 over `decay_steps` (the paper: 100 + 100 epochs; 0 and 0 keep it constant).
        seed: seed of the pool's draws.

    Example:
        >>> import numpy as np, tfgan_zoo
        >>> m = tfgan_zoo.build_model("cyclegan", image_size=32, channels=1, g_base_filters=4, d_base_filters=4,
        ...                           n_blocks=1)
        >>> m.translate(np.zeros((2, 32, 32, 1), "float32"), direction="b_to_a").shape
        (2, 32, 32, 1)

    Reference:
        Zhu, Park, Isola & Efros, "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks",
        ICCV 2017, arXiv:1703.10593.
    """

    loss_names = TwoDomainTranslationGAN.loss_names + ("g_identity",)
    tflite_quantization_bounds = {
        "int8": {"max_abs_error": 0.6, "min_psnr_db": 29.0,
                 "why": "instance norm divides by each image's own channel spread, so 8-bit activation error in "
                        "low-variance channels is magnified, at every one of the generator's norms (measured on the "
                        "tiny config with randomized weights: max 0.372, mean 0.033, 32.6 dB; use float16 or "
                        "dynamic-range for quality)"},
    }

    def __init__(
        self,
        image_size=256,
        channels=3,
        g_base_filters=64,
        d_base_filters=64,
        n_blocks=9,
        d_layers=3,
        normalization_kind="instance",
        instance_norm_affine=False,
        cycle_weight_a=10.0,
        cycle_weight_b=10.0,
        identity_weight=0.5,
        pool_size=50,
        learning_rate=2e-4,
        beta_1=0.5,
        beta_2=0.999,
        constant_steps=0,
        decay_steps=0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if image_size % 4:
            raise ValueError(f"CycleGAN's ResNet generator downsamples twice: image_size must be divisible by 4, got "
                             f"{image_size}.")
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels}.")
        self.image_size = image_size
        self.channels = channels
        self.g_base_filters = g_base_filters
        self.d_base_filters = d_base_filters
        self.n_blocks = n_blocks
        self.d_layers = d_layers
        self.normalization_kind = normalization_kind
        self.instance_norm_affine = bool(instance_norm_affine)
        self.cycle_weight_a = float(cycle_weight_a)
        self.cycle_weight_b = float(cycle_weight_b)
        self.identity_weight = float(identity_weight)
        self.pool_size = int(pool_size)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)

        def generator(name):
            return build_resnet_generator(channels, channels, g_base_filters, n_blocks, normalization_kind,
                                          image_size, name=name, affine=instance_norm_affine)

        def discriminator(name):
            return build_image_patch_discriminator(image_size, channels, d_base_filters, d_layers, normalization_kind,
                                                   affine=instance_norm_affine, name=name)

        self.generator = TwoWayGenerator(generator("generator_a_to_b"), generator("generator_b_to_a"))
        self.discriminator_a = discriminator("discriminator_a")
        self.discriminator_b = discriminator("discriminator_b")
        self._finish_init()

    optimizer_params = TwoDomainTranslationGAN.optimizer_params + ("constant_steps", "decay_steps")

    def make_optimizer(self, player, learning_rate=None):
        if learning_rate is None and self.decay_steps:
            learning_rate = ConstantThenLinearDecay(self.learning_rate, self.constant_steps, self.decay_steps)
        return super().make_optimizer(player, learning_rate)

    def discriminator_loss(self, real_outputs, fake_outputs):
        # ½(D(x) − 1)² + ½D(G(z))²: the official (MSE(real, 1) + MSE(fake, 0)) · 0.5
        return least_squares_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return per_example_mean(keras.ops.square(keras.ops.cast(fake_outputs, "float32") - 1.0))
