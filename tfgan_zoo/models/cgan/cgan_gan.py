"""Conditional GAN: the class label is fed to both players."""

from tfgan_zoo.base.conditional import ConditionalGAN
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.models.cgan import cgan_networks
from tfgan_zoo.registry import register_model
from tfgan_zoo.utils.schedules import ExponentialDecayToFloor, RampedMomentumSGD


@register_model("cgan")
class CGAN(ConditionalGAN):
    """Mirza & Osindero's conditional GAN with the paper's MNIST MLPs.

    Args:
        latent_dim: size of z (100, uniform).
        num_classes: number of classes (10 for digits).
        image_size, channels: image shape.
        g_z_units, g_y_units, g_joint_units: G's layer widths (200, 1000, 1200).
        d_x_units, d_y_units, d_joint_units: D's maxout widths (240, 50, 240).
        d_pieces, d_joint_pieces: maxout pieces (5, 4).
        dropout: dropout in both players (0.5).
        learning_rate, lr_decay, min_learning_rate: the paper's SGD learning rate, 0.1 divided by 1.00004 after every
            update down to 1e-6 (pylearn2's ExponentialDecay).
        momentum, final_momentum, momentum_ramp_start, momentum_ramp_end: the paper's momentum, 0.5 increased to 0.7
            (pylearn2's MomentumAdjustor), linearly between these optimizer steps. The paper does not give the ramp's
            length; the defaults are the GAN paper's released MNIST recipe (epochs 1 → 250 of MNIST at batch 100 =
            steps 600 → 150,000).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("cgan", image_size=8, g_joint_units=32, d_joint_units=16)
        >>> m.generate(3, seed=0, labels=[0, 1, 2]).shape
        (3, 8, 8, 1)

    Reference:
        Mirza & Osindero, "Conditional Generative Adversarial Nets", arXiv:1411.1784, 2014.
    """

    def __init__(
        self,
        latent_dim=100,
        latent_distribution="uniform",
        num_classes=10,
        image_size=28,
        channels=1,
        g_z_units=200,
        g_y_units=1000,
        g_joint_units=1200,
        d_x_units=240,
        d_y_units=50,
        d_joint_units=240,
        d_pieces=5,
        d_joint_pieces=4,
        dropout=0.5,
        learning_rate=0.1,
        lr_decay=1.00004,
        momentum=0.5,
        min_learning_rate=1e-6,
        final_momentum=0.7,
        momentum_ramp_start=600,
        momentum_ramp_end=150000,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.num_classes = num_classes
        self.image_size = image_size
        self.channels = channels
        self.g_z_units = g_z_units
        self.g_y_units = g_y_units
        self.g_joint_units = g_joint_units
        self.d_x_units = d_x_units
        self.d_y_units = d_y_units
        self.d_joint_units = d_joint_units
        self.d_pieces = d_pieces
        self.d_joint_pieces = d_joint_pieces
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.lr_decay = lr_decay
        self.momentum = momentum
        self.min_learning_rate = min_learning_rate
        self.final_momentum = final_momentum
        self.momentum_ramp_start = momentum_ramp_start
        self.momentum_ramp_end = momentum_ramp_end
        self.generator = cgan_networks.build_generator(
            latent_dim, num_classes, image_size, channels, g_z_units, g_y_units, g_joint_units, dropout
        )
        self.discriminator = cgan_networks.build_discriminator(
            num_classes, image_size, channels, d_x_units, d_y_units, d_joint_units, d_pieces, d_joint_pieces, dropout
        )
        self._finish_init()

    optimizer_params = ConditionalGAN.optimizer_params + (
        "min_learning_rate", "final_momentum", "momentum_ramp_start", "momentum_ramp_end")

    def default_optimizers(self):
        def make():
            schedule = ExponentialDecayToFloor(self.learning_rate, self.lr_decay, self.min_learning_rate)
            return RampedMomentumSGD(schedule, momentum=self.momentum, final_momentum=self.final_momentum,
                                     ramp_start=self.momentum_ramp_start, ramp_end=self.momentum_ramp_end)

        return {"generator": make(), "discriminator": make()}

    def discriminator_loss(self, real_outputs, fake_outputs):
        return minimax_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return non_saturating_generator_loss(fake_outputs)
