"""DiscoGAN: learning to discover cross-domain relations with two coupled GANs and L2 reconstruction."""

import tensorflow as tf

from tfgan_zoo.base.two_domain import TwoDomainTranslationGAN, TwoWayGenerator
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.losses.reconstruction import l2_loss
from tfgan_zoo.models.discogan import discogan_networks
from tfgan_zoo.registry import register_model


@register_model("discogan")
class DiscoGAN(TwoDomainTranslationGAN):
    """DiscoGAN: G_AB: A → B and G_BA: B → A (encoder-decoders without skips), D_A and D_B (DCGAN-style, one logit per
    image), and the paper's objective (§3.2)

        L_D = L_D_A + L_D_B,   L_D_B = −log D_B(x_B) − log(1 − D_B(G_AB(x_A)))
        L_G = L_GAN_B + L_CONST_A + L_GAN_A + L_CONST_B,   L_GAN_B = −log D_B(G_AB(x_A)),
              L_CONST_A = d(G_BA(G_AB(x_A)), x_A) with d the mean squared error (as the official code's `MSELoss`),

    Adam(2e-4, β = (0.5, 0.999)) with the official code's weight decay 1e-5 on every parameter of both players
    (PyTorch's coupled L2: `decay · ½‖w‖²` added to each objective), 64×64 images.

    Networks follow the official PyTorch code (SKTBrain/DiscoGAN, `model.py`): 4×4 kernels, no biases, batch norm
    after every convolution but the generator's and discriminator's first and the generator's last, PyTorch's default
    initialization. Differences from the official training script (`image_translation.py`), which departs from the
    paper's objective: its generator loss is `(0.1·L_GAN + 0.9·L_FM)·(1 − r) + r·L_CONST` per direction, with L_FM a
    feature-matching hinge term on the means of D's three inner activations and r = 0.01 for the first 10,000
    iterations, then 0.5; its discriminator loss is halved ((real + fake)·½); it updates D on every third iteration
    and G on the other two; its batch size is 64 and its images lie in [0, 1] (sigmoid output) where the zoo's lie in
    [−1, 1] (tanh), which scales the squared reconstruction error by 4. None of these is reproduced: the shared step
    does one D and one G update per batch on the paper's objective (`cycle_weight_a`/`cycle_weight_b` and
    `discriminator_loss_scale` are the knobs that remain).

    Args:
        image_size: 64 in the paper (a multiple of 16). channels: 3 (both domains).
        g_base_filters, d_base_filters: 64 and 64.
        cycle_weight_a, cycle_weight_b: weights of L_CONST_A and L_CONST_B (1 and 1 in the paper).
        weight_decay: 1e-5 (the official `weight_decay` of both Adam optimizers; 0 disables it).
        learning_rate, beta_1, beta_2, epsilon: Adam (2e-4, 0.5, 0.999, 1e-8 as PyTorch).
        seed: seed of the training-time noise (DiscoGAN has none; kept for the API).

    Example:
        >>> import numpy as np, tfgan_zoo
        >>> m = tfgan_zoo.build_model("discogan", image_size=32, channels=1, g_base_filters=2, d_base_filters=2)
        >>> m.translate(np.zeros((2, 32, 32, 1), "float32"), direction="b_to_a").shape
        (2, 32, 32, 1)

    Reference:
        Kim, Cha, Kim, Lee & Kim, "Learning to Discover Cross-Domain Relations with Generative Adversarial
        Networks", ICML 2017, arXiv:1703.05192.
    """

    def __init__(
        self,
        image_size=64,
        channels=3,
        g_base_filters=64,
        d_base_filters=64,
        cycle_weight_a=1.0,
        cycle_weight_b=1.0,
        weight_decay=1e-5,
        learning_rate=2e-4,
        beta_1=0.5,
        beta_2=0.999,
        epsilon=1e-8,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}.")
        self.image_size = image_size
        self.channels = channels
        self.g_base_filters = g_base_filters
        self.d_base_filters = d_base_filters
        self.cycle_weight_a = float(cycle_weight_a)
        self.cycle_weight_b = float(cycle_weight_b)
        self.weight_decay = float(weight_decay)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.generator = TwoWayGenerator(
            discogan_networks.build_generator(image_size, channels, g_base_filters, name="generator_a_to_b"),
            discogan_networks.build_generator(image_size, channels, g_base_filters, name="generator_b_to_a"),
        )
        self.discriminator_a = discogan_networks.build_discriminator(image_size, channels, d_base_filters,
                                                                     name="discriminator_a")
        self.discriminator_b = discogan_networks.build_discriminator(image_size, channels, d_base_filters,
                                                                     name="discriminator_b")
        self._finish_init()

    def discriminator_loss(self, real_outputs, fake_outputs):
        return minimax_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return non_saturating_generator_loss(fake_outputs)

    def reconstruction_loss(self, reconstructed, target):
        """Mean squared error per example (the official `nn.MSELoss`)."""
        return l2_loss(reconstructed, target)

    def weight_penalty(self, player):
        """PyTorch Adam's coupled weight decay: `decay · ½‖w‖²` over all of `player`'s parameters."""
        if not self.weight_decay:
            return None
        total = tf.add_n([0.5 * tf.reduce_sum(tf.square(tf.cast(v, tf.float32)))
                          for v in self.player_variables(player)])
        return self.weight_decay * total, f"{player[0]}_weight_decay"
