"""The original Generative Adversarial Network."""


from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.losses.adversarial import (
    minimax_discriminator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
)
from tfgan_zoo.models.gan import gan_networks
from tfgan_zoo.registry import register_model
from tfgan_zoo.utils.schedules import ExponentialDecayToFloor, RampedMomentumSGD


@register_model("gan")
class GAN(UnconditionalGAN):
    """Goodfellow et al.'s GAN: MLP generator and maxout discriminator, minimax game.

    Args:
        latent_dim: size of z (100 in the paper's MNIST setup).
        latent_distribution: 'uniform' (the paper's U(-1, 1)) or 'normal'.
        image_size, channels: output images are `[image_size, image_size, channels]` in [-1, 1].
        generator_units: ReLU hidden layer widths of G (1200, 1200).
        maxout_units, maxout_pieces: D's maxout layers (240 units × 5 pieces, twice).
        dropout, input_dropout: D's hidden and input dropout rates (0.5 and 0.2).
        generator_loss_type: 'non_saturating' (what the paper trains with, §3) or 'minimax' (log(1 - D(G(z)))).
        learning_rate, momentum: SGD with momentum, as in the paper (0.1, 0.5).
        lr_decay, min_learning_rate, final_momentum, momentum_ramp_start, momentum_ramp_end: the released recipe's
            schedules: the rate divided by 1.000004 per update down to 1e-6; momentum linear from `momentum` to 0.7
            between these optimizer steps (`MomentumAdjustor` epochs 1 → 250, here at 600 steps per epoch: MNIST's
            60,000 images at batch 100; pylearn2 steps it once per epoch).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> gan = tfgan_zoo.build_model("gan", image_size=8, generator_units=[32], maxout_units=[16])
        >>> gan.generate(4, seed=0).shape
        (4, 8, 8, 1)

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, arXiv:1406.2661.
    """

    default_optimizer = "sgd"

    def __init__(
        self,
        latent_dim=100,
        latent_distribution="uniform",
        image_size=28,
        channels=1,
        generator_units=(1200, 1200),
        maxout_units=(240, 240),
        maxout_pieces=5,
        dropout=0.5,
        input_dropout=0.2,
        generator_loss_type="non_saturating",
        learning_rate=0.1,
        momentum=0.5,
        lr_decay=1.000004,
        min_learning_rate=1e-6,
        final_momentum=0.7,
        momentum_ramp_start=600,
        momentum_ramp_end=150000,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if generator_loss_type not in ("non_saturating", "minimax"):
            raise ValueError(f"generator_loss_type must be 'non_saturating' or 'minimax', got {generator_loss_type!r}.")
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.image_size = image_size
        self.channels = channels
        self.generator_units = list(generator_units)
        self.maxout_units = list(maxout_units)
        self.maxout_pieces = maxout_pieces
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.generator_loss_type = generator_loss_type
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.lr_decay = lr_decay
        self.min_learning_rate = min_learning_rate
        self.final_momentum = final_momentum
        self.momentum_ramp_start = momentum_ramp_start
        self.momentum_ramp_end = momentum_ramp_end
        self.generator = gan_networks.build_generator(latent_dim, image_size, channels, self.generator_units)
        self.discriminator = gan_networks.build_discriminator(
            image_size, channels, self.maxout_units, maxout_pieces, dropout, input_dropout
        )
        self._finish_init()

    optimizer_params = UnconditionalGAN.optimizer_params + (
        "min_learning_rate", "final_momentum", "momentum_ramp_start", "momentum_ramp_end")

    def default_optimizers(self):
        """The released MNIST recipe (goodfeli/adversarial `mnist.yaml`): SGD from 0.1, divided by 1.000004 after every
        update down to 1e-6, momentum 0.5 rising to 0.7 (pylearn2's ExponentialDecay and MomentumAdjustor)."""
        def make():
            schedule = ExponentialDecayToFloor(self.learning_rate, self.lr_decay, self.min_learning_rate)
            return RampedMomentumSGD(schedule, momentum=self.momentum, final_momentum=self.final_momentum,
                                     ramp_start=self.momentum_ramp_start, ramp_end=self.momentum_ramp_end)

        return {"generator": make(), "discriminator": make()}

    def discriminator_loss(self, real_outputs, fake_outputs):
        return minimax_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        if self.generator_loss_type == "minimax":
            return minimax_generator_loss(fake_outputs)
        return non_saturating_generator_loss(fake_outputs)
