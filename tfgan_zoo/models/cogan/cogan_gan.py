"""Coupled GAN (CoGAN)."""

from __future__ import annotations

from tfgan_zoo.base.two_domain import CoupledGenerator, PairGenerationGAN
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.models.cogan import cogan_networks
from tfgan_zoo.registry import register_model

#: the official objective's normalization: Caffe's SoftmaxWithLoss averages over the 4·B labels of (real A, fake A,
#: real B, fake B); the PyTorch port's cross-entropy over the 2·B of (A, B) for real and for fake. Both are this
#: fraction of the base step's sum D_A + D_B (each real + fake) and G_A + G_B. It sets the weight decay's strength
#: relative to the adversarial gradient (Adam itself is invariant to the loss scale).
LOSS_SCALES = {"caffe": 0.25, "pytorch": 0.5}


class CoGANGenerator(CoupledGenerator):
    """The coupled generators plus their joint two-output network: `pair(z)` runs the shared trunk once (as the
    official single Caffe/PyTorch network does: one forward, one update of the batch-norm statistics)."""

    def __init__(self, generator_a, generator_b, joint, name="generator", **kwargs):
        super().__init__(generator_a, generator_b, name=name, **kwargs)
        self.joint = joint

    def pair(self, latents, training=False):
        a, b = self.joint(latents, training=training)
        return a, b


@register_model("cogan")
class CoGAN(PairGenerationGAN):
    """CoGAN: two GANs, one per domain, whose generators share their first layers (the high-level semantics) and
    whose discriminators share their last layers; trained on unpaired sets, one z gives a corresponding pair.

    Follows the authors' Caffe code (mingyuliutw/CoGAN, the paper's implementation), which differs from the paper:
      * D ends in a two-way softmax (fake, real), not one sigmoid unit; here its two logits become one,
        l_real − l_fake, so the loss is the same softmax cross-entropy and the parameter count the official one;
      * dropout 0.5 after D's 500-unit layer (digits; 0.1–0.5 in the face net), not in the paper's tables;
      * BN has no scale, a learned bias follows it, and PReLU has one slope per channel;
      * the loss is averaged over all 4·B (real/fake, A/B) outputs (`LOSS_SCALES`), and weight decay 5e-4 (L2 in
        the gradient, as Caffe's solver) applies to kernels only; the D and G updates draw their own z (Caffe
        alternates D and G iterations).
    `reference="pytorch"` gives the authors' PyTorch port of the digit net instead (normal z in its script, a 4×4
    transposed-conv projection, BN without β, one PReLU slope per layer, no dropout, decay on every weight, loss
    averaged over 2·B). Not in either: Caffe's doubled learning rate on D's dense biases, its unbiased running BN
    statistics (Keras keeps an EMA), truncated He-normal initialization (Caffe's msra is untruncated).

    Args:
        latent_dim: size of z (100).
        latent_distribution: 'uniform' (U(-1, 1), the paper and the Caffe code) or 'normal' (the PyTorch script).
        image_size: 28 (the paper's digits), 128 (faces) or any 4·2^k; channels: 1 or 3.
        architecture: 'digits' (the paper's digit net: transposed convs with BN and PReLU; a LeNet-like D with
            max-pooling) or 'faces' (the Caffe face net: 4×4 transposed convs up to 128², a 7-layer BN/PReLU D).
        reference: 'caffe' (the paper's code) or 'pytorch' (the authors' port of the digit net).
        g_filters: G's last trunk width; the projection has 8·g_filters channels (128 → 1024).
        d_filters: D's first-layer filters (digits: 20, then 50 and 500 = 2.5× and 25×; faces: 32, doubling).
        d_dropout: D's dropout as in the Caffe nets (None: on for 'caffe', off for 'pytorch').
        output_activation: 'sigmoid' (the digit nets', as 2·sigmoid − 1 for [-1, 1] images) or 'tanh' (faces).
        weight_decay: L2 coefficient added to the gradient (5e-4).
        learning_rate, beta_1, beta_2: Adam (2e-4, 0.5, 0.999).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("cogan", image_size=16, channels=1, latent_dim=8, g_filters=2, d_filters=2)
        >>> a, b = m.generate(3, seed=1)
        >>> a.shape, b.shape
        ((3, 16, 16, 1), (3, 16, 16, 1))

    Reference:
        Liu & Tuzel, "Coupled Generative Adversarial Networks", NIPS 2016, arXiv:1606.07536; code
        https://github.com/mingyuliutw/CoGAN (Caffe, and `cogan_pytorch/`).
    """

    def __init__(
        self,
        latent_dim=100,
        latent_distribution="uniform",
        image_size=28,
        channels=1,
        architecture="digits",
        reference="caffe",
        g_filters=128,
        d_filters=20,
        d_dropout=None,
        output_activation="sigmoid",
        weight_decay=5e-4,
        learning_rate=2e-4,
        beta_1=0.5,
        beta_2=0.999,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels}.")
        if output_activation not in ("sigmoid", "tanh"):
            raise ValueError(f"output_activation must be 'sigmoid' or 'tanh', got {output_activation!r}.")
        if latent_distribution not in ("uniform", "normal"):
            raise ValueError(f"latent_distribution must be 'uniform' or 'normal', got {latent_distribution!r}.")
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.image_size = image_size
        self.channels = channels
        self.architecture = architecture
        self.reference = reference
        self.g_filters = g_filters
        self.d_filters = d_filters
        self.d_dropout = d_dropout
        self.output_activation = output_activation
        self.weight_decay = float(weight_decay)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        dropout = (reference == "caffe") if d_dropout is None else bool(d_dropout)
        g_a, g_b, joint = cogan_networks.build_generators(
            latent_dim, image_size, channels, g_filters, architecture, reference, output_activation
        )
        self.generator = CoGANGenerator(g_a, g_b, joint)
        self.discriminator_a, self.discriminator_b = cogan_networks.build_discriminators(
            image_size, channels, d_filters, architecture, reference, dropout
        )
        self._finish_init()

    @property
    def loss_scale(self):
        return LOSS_SCALES[self.reference]

    def discriminator_loss(self, real_outputs, fake_outputs):
        return self.loss_scale * minimax_discriminator_loss(real_outputs, fake_outputs)

    def generator_loss(self, fake_outputs):
        return self.loss_scale * non_saturating_generator_loss(fake_outputs)

    def decayed_variables(self, player):
        """The weights the official weight decay reaches: kernels (Caffe's `decay_mult: 1`) or all (PyTorch)."""
        variables = self.player_variables(player)
        if self.reference == "caffe":
            variables = [v for v in variables if v.path.endswith("kernel")]
        return variables

    def weight_penalty(self, player):
        if not self.weight_decay:
            return None
        import tensorflow as tf

        total = tf.add_n([0.5 * tf.reduce_sum(tf.square(tf.cast(v, tf.float32)))
                          for v in self.decayed_variables(player)])
        return self.weight_decay * total, f"{player[0]}_weight_decay"
