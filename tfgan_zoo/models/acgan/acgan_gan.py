"""Auxiliary Classifier GAN."""

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.conditional import ConditionalGAN
from tfgan_zoo.layers.random import consistent_random
from tfgan_zoo.losses.adversarial import (
    minimax_discriminator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
)
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.models.acgan import acgan_networks
from tfgan_zoo.registry import register_model

GENERATOR_SOURCE_LOSSES = ("minimax", "non_saturating")


def class_cross_entropy(labels, class_logits):
    """−log P(C = c | x) per example (the negative of one term of L_C)."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.int32), logits=tf.cast(class_logits, tf.float32)
    )


@register_model("acgan")
class ACGAN(ConditionalGAN):
    """AC-GAN: G(z, c) → x; D(x) → (P(S | x), P(C | x)); the class is never fed to D.

    With L_S = E[log P(S=real | x_real)] + E[log P(S=fake | x_fake)] and
    L_C = E[log P(C=c | x_real)] + E[log P(C=c | x_fake)], D maximizes L_S + L_C and G maximizes L_C − L_S
    (the paper's equations 2–3). `generator_source_loss='minimax'` is that objective literally
    (G minimizes log P(S=fake | G(z, c)) = log(1 − D(G(z, c)))); 'non_saturating' swaps in −log D(G(z, c)), the usual
    practical form (Goodfellow et al. 2014 §3). Fake images get classes c ~ p_c (uniform), drawn per step.

    Args:
        latent_dim: size of z (100; G's input is [z, one_hot(c)], 110-d with 10 classes).
        latent_distribution: 'normal' or 'uniform'.
        num_classes: K (10: the paper trains its ImageNet models on groups of 10 classes, and CIFAR-10).
        image_size, channels: output shape.
        g_filters: channels of the Linear projection then of each stride-2 transposed conv before the output
            layer ((768, 384, 256, 192) at 128×128; (384, 192, 96) at 32×32).
        d_filters: channels of D's 3×3 convs, strides 2, 1, 2, 1, ... ((16, 32, 64, 128, 256, 512)).
        kernel_size: G's transposed-conv kernel (5).
        dropout: D's dropout after every conv (0.5).
        generator_source_loss: 'minimax' (the paper's L_C − L_S) or 'non_saturating'.
        learning_rate, beta_1, beta_2: Adam for both players (2e-4, 0.5, 0.999).
        seed: seed of the training-time noise, fake classes and dropout.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("acgan", image_size=8, g_filters=[8, 4], d_filters=[4, 8], latent_dim=4)
        >>> m.generate(3, seed=0, labels=[0, 1, 2]).shape
        (3, 8, 8, 3)
        >>> m.classify(m.generate(2, seed=0)).shape
        (2, 10)

    Reference:
        Odena, Olah & Shlens, "Conditional Image Synthesis With Auxiliary Classifier GANs", ICML 2017,
        arXiv:1610.09585.
    """

    loss_names = ("d_loss", "g_loss", "d_source_loss", "d_class_loss", "g_class_loss")

    def __init__(
        self,
        latent_dim=100,
        latent_distribution="normal",
        num_classes=10,
        image_size=32,
        channels=3,
        g_filters=(384, 192, 96),
        d_filters=(16, 32, 64, 128, 256, 512),
        kernel_size=5,
        dropout=0.5,
        generator_source_loss="minimax",
        learning_rate=2e-4,
        beta_1=0.5,
        beta_2=0.999,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if generator_source_loss not in GENERATOR_SOURCE_LOSSES:
            raise ValueError(
                f"generator_source_loss must be one of {GENERATOR_SOURCE_LOSSES}, got {generator_source_loss!r}."
            )
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2 for an auxiliary classifier, got {num_classes}.")
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.num_classes = num_classes
        self.image_size = image_size
        self.channels = channels
        self.g_filters = tuple(g_filters)
        self.d_filters = tuple(d_filters)
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.generator_source_loss = generator_source_loss
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.generator = acgan_networks.build_generator(
            latent_dim, num_classes, image_size, channels, self.g_filters, kernel_size
        )
        self.discriminator = acgan_networks.build_discriminator(
            num_classes, image_size, channels, self.d_filters, dropout
        )
        self._finish_init()

    def sample_labels(self, batch):
        """c ~ p_c (uniform over the classes), the same per example on one device or many."""
        u = consistent_random("uniform", [batch], self.seed_generator)
        return tf.minimum(tf.cast(tf.floor(u * self.num_classes), tf.int32), self.num_classes - 1)

    def discriminator_losses(self, real_outputs, fake_outputs, real_labels, fake_labels):
        """Per-example (−L_S, −L_C) for D."""
        (rs, rc), (fs, fc) = real_outputs, fake_outputs
        source = minimax_discriminator_loss(rs, fs)
        classes = class_cross_entropy(real_labels, rc) + class_cross_entropy(fake_labels, fc)
        return source, classes

    def generator_losses(self, fake_outputs, fake_labels):
        """Per-example (source part, −log P(C=c | G(z, c))) for G; their sum is −(L_C − L_S) up to G-free terms."""
        fs, fc = fake_outputs
        if self.generator_source_loss == "minimax":
            source = minimax_generator_loss(fs)  # log(1 - D(G(z, c))) = -softplus(logit)
        else:
            source = non_saturating_generator_loss(fs)
        return source, class_cross_entropy(fake_labels, fc)

    # ------------------------------------------------------------------------------------------ shared-step hooks
    def generator_inputs(self, batch):
        """[z, c] with classes c ~ p_c drawn per step (not the batch's labels)."""
        size = tf.shape(self.task.real_images(batch))[0]
        labels = self.sample_labels(size)
        return [self.sample_latents(size), labels]

    def generate_fake(self, batch):
        """The fake batch {images, labels}: D's class loss needs the classes the fakes were generated with."""
        inputs = self.generator_inputs(batch)
        return {"images": self.generator(inputs, training=True), "labels": inputs[1]}

    def discriminator_objective(self, batch, fake):
        """−(L_S + L_C): D's source and class losses on the real batch and the fake batch."""
        source, classes = self.discriminator_losses(
            self.discriminator(batch["images"], training=True),
            self.discriminator(fake["images"], training=True),
            batch["labels"],
            fake["labels"],
        )
        loss = reduce_global_batch(source + classes)
        return loss, {"d_loss": loss, "d_source_loss": reduce_global_batch(source),
                      "d_class_loss": reduce_global_batch(classes)}

    def generator_objective(self, batch, inputs, fake=None):
        """−(L_C − L_S) for G on G(z, c)."""
        fake = self.generator(inputs, training=True) if fake is None else fake
        source, classes = self.generator_losses(self.discriminator(fake, training=True), inputs[1])
        loss = reduce_global_batch(source + classes)
        return loss, {"g_loss": loss, "g_class_loss": reduce_global_batch(classes)}

    def classify(self, images, batch_size=256):
        """D's auxiliary classifier: class probabilities `[N, num_classes]` for images in [-1, 1]."""
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.channels)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images must have shape [N, {', '.join(map(str, expected))}], got {images.shape}.")
        outs = [
            tf.nn.softmax(self.discriminator(images[i : i + batch_size], training=False)[1]).numpy()
            for i in range(0, len(images), batch_size)
        ]
        return np.concatenate(outs, axis=0)
