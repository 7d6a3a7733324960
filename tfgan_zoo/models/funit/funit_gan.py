"""FUNIT: few-shot unsupervised image-to-image translation (Liu et al. 2019)."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_zoo.base.few_shot import FewShotTranslationGAN
from tfgan_zoo.base.gan import _reduce_with_penalty
from tfgan_zoo.losses.reduction import per_example_mean
from tfgan_zoo.models.funit import funit_networks
from tfgan_zoo.registry import register_model


@register_model("funit")
class FUNIT(FewShotTranslationGAN):
    """FUNIT: a content encoder, a class encoder whose codes of the K class images are averaged, and a decoder whose
    AdaIN residual blocks take their scales and shifts from an MLP on the class code; a multi-task patch
    discriminator with one output map per training class, judged at the image's class. Per example (D at class c
    means its map for c, averaged over patches; x content of class c_x, y class image of class c_y, x̄ = G(x, {y}),
    x̂ = G(x, {x}); F the discriminator's spatially averaged features):

        D:  gan_w·[max(0, 1 − D(y)_{c_y}) + max(0, 1 + D(x̄)_{c_y})] + r1_weight·‖∇_y D(y)_{c_y}‖²
        G:  gan_w·½·[−D(x̄)_{c_y} − D(x̂)_{c_x}] + r_w·|x̂ − x|₁ + fm_w·(|F(x̂) − F(x)|₁ + |F(x̄) − F(y)|₁)

    with the official hyper-parameters (NVlabs/FUNIT `configs/funit_animals.yaml`): gan_w 1, fm_w 1, r_w 0.1, R1
    weight 10, RMSprop(1e-4) for both players with weight decay 1e-4 (coupled L2, as `torch.optim.RMSprop`'s
    `weight_decay`: added here as ½·wd·‖θ‖² to each player's loss), Kaiming-normal initialization, batch 64, K = 1
    while training, and an exponential moving average of the generator (β 0.999) that inference and export use.

    Where it departs from the official code: the official R1 term is the gradient of D's response averaged over the
    *batch*, squared and divided by the batch size, i.e. a per-example ‖∇D‖² scaled by 1/B² (10/64² = 0.0024 at batch
    64); here `r1_weight` multiplies the per-example ‖∇D‖², so the paper configuration sets `r1_weight: 0.00244` to
    train as the official code at batch 64. Keras' RMSprop adds ε inside the square root (PyTorch outside); ρ = 0.99
    as PyTorch's default `alpha`.

    Args:
        image_size: 128 in the paper (divisible by 2**content_downs and 2**class_downs). channels: 3.
        num_classes: training classes the discriminator judges (119 animal-face classes).
        g_filters: nf 64. g_res_blks: residual blocks of the content encoder and of the decoder (2).
        mlp_filters: 256. mlp_blks: 3. latent_dim: class code size (64).
        content_downs: 3 (content code 16×16 at 128²). class_downs: 4.
        d_filters: 64. d_res_blks: 10 (5 stages, 4 average pools: 8×8 patch maps at 128²).
        gan_weight, feature_matching_weight, reconstruction_weight, r1_weight: 1, 1, 0.1, 10 (see above).
        weight_decay: 1e-4 (0 disables it). learning_rate: 1e-4. rho, epsilon: RMSprop's (0.99, 1e-8).
        ema_decay: 0.999 (0: no moving average; the trained generator is the inference one).
        seed: unused by the step (no random draws), kept for the zoo's constructor contract.

    Example:
        >>> import numpy as np, tfgan_zoo
        >>> m = tfgan_zoo.build_model("funit", image_size=32, channels=1, num_classes=3, g_filters=4, mlp_filters=8,
        ...                           latent_dim=4, content_downs=2, class_downs=2, d_filters=4, d_res_blks=2)
        >>> m.translate(np.zeros((2, 32, 32, 1), "float32"), np.zeros((2, 5, 32, 32, 1), "float32")).shape
        (2, 32, 32, 1)

    Reference:
        Liu, Huang, Mallya, Karras, Aila, Lehtinen & Kautz, "Few-Shot Unsupervised Image-to-Image Translation",
        ICCV 2019, arXiv:1905.01723; code github.com/NVlabs/FUNIT.
    """

    loss_names = ("d_loss", "g_loss", "d_adversarial", "d_r1", "g_adversarial", "g_reconstruction",
                  "g_feature_matching")
    default_optimizer = "rmsprop"
    tflite_quantization_bounds = {
        "dynamic": {"max_abs_error": 0.25, "min_psnr_db": 38.0,
                    "why": "every AdaIN scale and shift comes out of the class MLP, so the 8-bit error of its weights "
                           "multiplies whole normalized feature maps, after instance norm has already magnified the "
                           "error of low-variance channels (measured on the tiny config with randomized weights: "
                           "max 0.082, mean 0.010, 43.8 dB)"},
        "int8": {"max_abs_error": 0.9, "min_psnr_db": 24.0,
                 "why": "instance norm and AdaIN divide by each image's own channel spread, so 8-bit activation error "
                        "in low-variance channels is magnified at every norm of the encoder and decoder, and the "
                        "AdaIN parameters themselves are quantized (measured on the tiny config with randomized "
                        "weights: max 0.31-0.33, mean 0.051, 29.4 dB; use float16 for quality)"},
    }
    optimizer_params = FewShotTranslationGAN.optimizer_params + ("rho",)

    def __init__(
        self,
        image_size=128,
        channels=3,
        num_classes=119,
        g_filters=64,
        g_res_blks=2,
        mlp_filters=256,
        mlp_blks=3,
        latent_dim=64,
        content_downs=3,
        class_downs=4,
        d_filters=64,
        d_res_blks=10,
        gan_weight=1.0,
        feature_matching_weight=1.0,
        reconstruction_weight=0.1,
        r1_weight=10.0,
        weight_decay=1e-4,
        learning_rate=1e-4,
        rho=0.99,
        epsilon=1e-8,
        ema_decay=0.999,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels}.")
        if int(num_classes) < 1:
            raise ValueError(f"num_classes (training classes) must be >= 1, got {num_classes}.")
        if not 0.0 <= float(ema_decay) < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1) (0: no moving average), got {ema_decay}.")
        self.image_size, self.channels, self.num_classes = int(image_size), int(channels), int(num_classes)
        self.g_filters, self.g_res_blks = g_filters, g_res_blks
        self.mlp_filters, self.mlp_blks, self.latent_dim = mlp_filters, mlp_blks, latent_dim
        self.content_downs, self.class_downs = content_downs, class_downs
        self.d_filters, self.d_res_blks = d_filters, d_res_blks
        self.gan_weight = float(gan_weight)
        self.feature_matching_weight = float(feature_matching_weight)
        self.reconstruction_weight = float(reconstruction_weight)
        self.r1_weight = float(r1_weight)
        self.weight_decay = float(weight_decay)
        self.learning_rate, self.rho, self.epsilon = learning_rate, rho, epsilon
        self.ema_decay = float(ema_decay)

        def generator(name):
            return funit_networks.build_generator(image_size, channels, g_filters, g_res_blks, mlp_filters, latent_dim,
                                                  mlp_blks, content_downs, class_downs, name=name)

        self.generator = generator("generator")
        self.discriminator = funit_networks.build_discriminator(image_size, channels, self.num_classes, d_filters,
                                                                d_res_blks)
        if self.ema_decay:
            self.generator_ema = generator("generator_ema")
            self.generator_ema.set_weights(self.generator.get_weights())
            self.generator_ema.trainable = False
        self._finish_init()

    def make_optimizer(self, player, learning_rate=None):
        lr = self.learning_rate if learning_rate is None else learning_rate
        return keras.optimizers.RMSprop(lr, rho=self.rho, epsilon=self.epsilon)

    # ----------------------------------------------------------------------------------------- the step's hooks
    def _judge(self, images, labels):
        """(D's response at each image's class, averaged over patches: [B], spatially averaged features [B, F])."""
        maps, features = self.discriminator(images, training=True)
        maps = tf.cast(maps, tf.float32)
        picked = tf.reduce_sum(maps * tf.one_hot(labels, self.num_classes)[:, None, None, :], axis=-1)
        return per_example_mean(picked), tf.reduce_mean(tf.cast(features, tf.float32), axis=[1, 2])

    def generate_fake(self, batch):
        return self.generator((batch["content"], batch["class_images"]), training=True)

    def discriminator_objective(self, batch, fake):
        real = batch["class_images"][:, 0]
        labels = batch["class_labels"]
        with tf.GradientTape() as tape:
            tape.watch(real)
            real_response, _ = self._judge(real, labels)
            total = tf.reduce_sum(real_response)
        grads = tf.cast(tape.gradient(total, real), tf.float32)
        r1 = tf.reduce_sum(tf.square(tf.reshape(grads, [tf.shape(grads)[0], -1])), axis=1)
        fake_response, _ = self._judge(fake, labels)
        adversarial = self.gan_weight * (tf.nn.relu(1.0 - real_response) + tf.nn.relu(1.0 + fake_response))
        logs = {}
        loss = _reduce_with_penalty(adversarial, (self.r1_weight * r1, {"d_r1": r1}), logs, "d")
        loss = self._add_extra_terms("discriminator", loss, logs, batch, real=real, fake=fake)
        return loss, logs

    def generator_objective(self, batch, inputs, fake=None):
        g = self.generator
        content, content_labels = batch["content"], batch["content_labels"]
        class_images, class_labels = batch["class_images"], batch["class_labels"]
        content_code = g.content_encoder(content, training=True)
        translated = g.decode(content_code, g.class_code(class_images, training=True), training=True)
        reconstructed = g.decode(content_code, g.class_code(content[:, None], training=True), training=True)
        t_response, t_features = self._judge(translated, class_labels)
        r_response, r_features = self._judge(reconstructed, content_labels)
        _, content_features = self._judge(content, content_labels)
        shape = tf.shape(class_images)
        flat = tf.reshape(class_images, tf.concat([[-1], shape[2:]], axis=0))
        _, class_features = self._judge(flat, tf.repeat(class_labels, shape[1]))
        class_features = tf.reduce_mean(tf.reshape(class_features, [shape[0], shape[1], -1]), axis=1)
        adversarial = self.gan_weight * 0.5 * (-t_response - r_response)
        reconstruction = per_example_mean(tf.abs(tf.cast(reconstructed, tf.float32) - tf.cast(content, tf.float32)))
        matching = (tf.reduce_mean(tf.abs(r_features - content_features), axis=1)
                    + tf.reduce_mean(tf.abs(t_features - class_features), axis=1))
        weighted = self.reconstruction_weight * reconstruction + self.feature_matching_weight * matching
        logs = {}
        loss = _reduce_with_penalty(adversarial, (weighted, {"g_reconstruction": reconstruction,
                                                             "g_feature_matching": matching}), logs, "g")
        loss = self._add_extra_terms("generator", loss, logs, batch, fake=translated)
        return loss, logs

    def weight_penalty(self, player):
        """PyTorch's coupled weight decay (`RMSprop(weight_decay=wd)` adds wd·θ to each gradient): ½·wd·‖θ‖²."""
        if not self.weight_decay:
            return None
        total = tf.add_n([tf.reduce_sum(tf.square(tf.cast(v, tf.float32))) for v in self.player_variables(player)])
        return 0.5 * self.weight_decay * total, f"{player[0]}_weight_decay"
