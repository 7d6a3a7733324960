"""StarGAN: one generator for image-to-image translation between many domains."""

from __future__ import annotations

import tensorflow as tf

from tfgan_zoo.base.gan import _reduce_with_penalty
from tfgan_zoo.base.multi_domain import MultiDomainTranslationGAN
from tfgan_zoo.losses.adversarial import wasserstein_discriminator_loss, wasserstein_generator_loss
from tfgan_zoo.losses.penalties import gradient_penalty
from tfgan_zoo.losses.reconstruction import l1_loss
from tfgan_zoo.models.stargan.stargan_networks import build_discriminator, build_generator
from tfgan_zoo.registry import register_model
from tfgan_zoo.utils.schedules import ConstantThenLinearDecay

#: the paper's five CelebA attributes (hair colour, gender, age).
CELEBA_ATTRIBUTES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")


@register_model("stargan")
class StarGAN(MultiDomainTranslationGAN):
    """StarGAN: G(x, c) translates an image into the domains of the label vector c (replicated over the image and
    concatenated to it); D has two heads on a shared PatchGAN body, D_src (real or fake, per patch) and D_cls (the
    domain labels). Per example:

        D:  -D_src(x) + D_src(G(x, c')) + λ_cls·L_cls(D_cls(x), c) + λ_gp·(‖∇D_src(x̂)‖₂ − 1)²
        G:  -D_src(G(x, c')) + λ_cls·L_cls(D_cls(G(x, c')), c') + λ_rec·|G(G(x, c'), c) − x|₁

    with c the image's labels and c' the target labels (the batch's labels shuffled, as the official code), L_cls the
    sigmoid cross-entropy summed over attributes ('multi_label' datasets such as CelebA) or the softmax cross-entropy
    ('one_hot' datasets such as RaFD), WGAN-GP with λ_gp = 10, λ_cls = 1, λ_rec = 10, `n_critic` = 5 D updates per
    G update, Adam(1e-4, β 0.5, 0.999) for both, batch 16, the learning rates constant and then linearly to 0.

    Several datasets train one model through the mask vector: the label vector holds every dataset's block and ends
    with a one-hot mask naming the dataset whose block is known; D_cls's loss counts only that block. The official
    code alternates whole batches of CelebA and RaFD; here a batch may mix both and each example's target is drawn
    from its own dataset's labels, which gives the same per-dataset objective.

    As the official code (yunjey/stargan): the gradient penalty takes the norm of the gradient of the summed D_src map,
    the classification loss of a multi-label dataset is summed over attributes and averaged over the batch, and the
    learning-rate decay is counted in D updates (G, updated every `n_critic` of them, decays over the same span).
    `constant_steps` / `decay_steps` give the paper's schedule (10 + 10 epochs; the official CelebA run: 100,000
    constant iterations, then 100,000 decaying). Here the zoo follows the paper, not the official code: that code
    lowers each rate by lr / num_iters_decay every `lr_update_step` = 1,000 iterations, i.e. by only 0.1 % in all.

    Args:
        image_size: 128 for CelebA (divisible by 4 and by 2**d_repeat_num). channels: 3.
        attribute_names: the label names, dataset after dataset (the paper's 5 CelebA attributes by default).
        dataset_sizes: names per dataset (`[5]`; `[5, 8]` for CelebA + RaFD); None: one dataset.
        dataset_kinds: per dataset 'multi_label' or 'one_hot'; None: all 'multi_label'.
        g_conv_dim, d_conv_dim: 64 and 64. g_repeat_num: residual blocks (6). d_repeat_num: strided D layers (6).
        lambda_cls, lambda_rec, lambda_gp: 1, 10, 10. n_critic: 5.
        g_learning_rate, d_learning_rate, beta_1, beta_2: Adam (1e-4, 1e-4, 0.5, 0.999).
        constant_steps, decay_steps: D updates at the constant rate, then to 0 over `decay_steps` (0, 0: constant).
        seed: seed of the target-label draws and the gradient penalty's interpolation.

    Example:
        >>> import numpy as np, tfgan_zoo
        >>> m = tfgan_zoo.build_model("stargan", image_size=32, channels=1, attribute_names=["printed", "bold"],
        ...                           g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=3)
        >>> m.translate(np.zeros((2, 32, 32, 1), "float32"), [1.0, 0.0]).shape
        (2, 32, 32, 1)
        >>> m.edit(np.zeros((2, 32, 32, 1), "float32"), set={"bold": 1}).shape
        (2, 32, 32, 1)

    Reference:
        Choi, Choi, Kim, Ha, Kim & Choo, "StarGAN: Unified Generative Adversarial Networks for Multi-Domain
        Image-to-Image Translation", CVPR 2018, arXiv:1711.09020.
    """

    loss_names = ("d_loss", "g_loss", "d_adversarial", "d_cls", "d_gp", "g_adversarial", "g_cls", "g_rec")
    optimizer_params = MultiDomainTranslationGAN.optimizer_params + ("constant_steps", "decay_steps")
    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.1, "min_psnr_db": 40.0,
                    "why": "instance norm divides by each image's own channel spread, so int8 weight error in "
                           "low-variance channels is magnified at each of the generator's norms (tiny config, "
                           "randomized weights: max 0.042, mean 0.0074, 46.2 dB)"},
        "int8": {"max_abs_error": 0.8, "min_psnr_db": 24.0,
                 "why": "as for dynamic, with 8-bit activations too, and the label channels spread over the image "
                        "enter the first convolution unnormalized (tiny config, randomized weights: max 0.458, mean "
                        "0.057, 28.1 dB); use float16 or dynamic-range for quality"},
    }

    def __init__(
        self,
        image_size=128,
        channels=3,
        attribute_names=CELEBA_ATTRIBUTES,
        dataset_sizes=None,
        dataset_kinds=None,
        g_conv_dim=64,
        d_conv_dim=64,
        g_repeat_num=6,
        d_repeat_num=6,
        lambda_cls=1.0,
        lambda_rec=10.0,
        lambda_gp=10.0,
        n_critic=5,
        g_learning_rate=1e-4,
        d_learning_rate=1e-4,
        beta_1=0.5,
        beta_2=0.999,
        constant_steps=0,
        decay_steps=0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels}.")
        if int(n_critic) < 1:
            raise ValueError(f"n_critic must be >= 1, got {n_critic}.")
        self._set_label_layout(attribute_names, dataset_sizes, dataset_kinds)
        self.attribute_names = list(attribute_names)
        self.dataset_sizes = None if dataset_sizes is None else [int(v) for v in dataset_sizes]
        self.dataset_kinds = None if dataset_kinds is None else [str(v) for v in dataset_kinds]
        self.image_size = int(image_size)
        self.channels = int(channels)
        self.g_conv_dim = int(g_conv_dim)
        self.d_conv_dim = int(d_conv_dim)
        self.g_repeat_num = int(g_repeat_num)
        self.d_repeat_num = int(d_repeat_num)
        self.lambda_cls = float(lambda_cls)
        self.lambda_rec = float(lambda_rec)
        self.lambda_gp = float(lambda_gp)
        self.n_critic = int(n_critic)
        self.g_learning_rate = g_learning_rate
        self.d_learning_rate = d_learning_rate
        self.learning_rate = None
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)
        self.generator = build_generator(self.image_size, self.channels, self.label_dim, self.g_conv_dim,
                                         self.g_repeat_num)
        self.discriminator = build_discriminator(self.image_size, self.channels, self.num_attributes, self.d_conv_dim,
                                                 self.d_repeat_num)
        self._finish_init()

    def make_optimizer(self, player, learning_rate=None):
        if learning_rate is None and self.decay_steps:
            scale = self.n_critic if player == "generator" else 1
            base = self.g_learning_rate if player == "generator" else self.d_learning_rate
            learning_rate = ConstantThenLinearDecay(base, self.constant_steps // scale,
                                                    max(1, self.decay_steps // scale))
        return super().make_optimizer(player, learning_rate)

    def classify(self, images):
        return self.discriminator(images, training=False)[1]

    # ----------------------------------------------------------------------------------------- the step's hooks
    def discriminator_objective(self, batch, fake):
        real, labels = batch["images"], batch["labels"]
        src_real, cls_real = self.discriminator(real, training=True)
        src_fake, _ = self.discriminator(fake, training=True)
        adversarial = wasserstein_discriminator_loss(src_real, src_fake)
        cls = self.classification_loss(cls_real, labels)
        alpha = self.random_uniform([tf.shape(real)[0]])
        gp = gradient_penalty(lambda x: self.discriminator(x, training=True)[0], real, fake, alpha)
        logs = {}
        penalty = (self.lambda_cls * cls + self.lambda_gp * gp, {"d_cls": cls, "d_gp": gp})
        loss = _reduce_with_penalty(adversarial, penalty, logs, "d")
        loss = self._add_extra_terms("discriminator", loss, logs, batch, real=real, fake=fake)
        return loss, logs

    def generator_objective(self, batch, inputs, fake=None):
        images, targets = inputs
        fake = self.generator([images, targets], training=True)
        src_fake, cls_fake = self.discriminator(fake, training=True)
        adversarial = wasserstein_generator_loss(src_fake)
        cls = self.classification_loss(cls_fake, targets)
        rec = l1_loss(self.generator([fake, batch["labels"]], training=True), images)
        logs = {}
        penalty = (self.lambda_cls * cls + self.lambda_rec * rec, {"g_cls": cls, "g_rec": rec})
        loss = _reduce_with_penalty(adversarial, penalty, logs, "g")
        loss = self._add_extra_terms("generator", loss, logs, batch, fake=fake)
        return loss, logs
