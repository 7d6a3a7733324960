"""Improved Techniques for Training GANs: the semi-supervised K+1-class GAN and its training tricks."""

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.unconditional import UnconditionalGAN
from tfgan_zoo.losses.feature_matching import DISTANCES, feature_matching_loss
from tfgan_zoo.losses.historical_averaging import HistoricalAverage
from tfgan_zoo.losses.label_smoothing import one_sided_smoothed_discriminator_loss
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.models.improved_gan import improved_gan_networks as nets
from tfgan_zoo.registry import register_model

GENERATOR_LOSSES = ("feature_matching", "non_saturating")


def real_logit(class_logits):
    """The K+1-class parameterization with the "generated" logit fixed at 0: with Z(x) = Σ_k exp(l_k),
    D(x) = P(real | x) = Z / (Z + 1) = sigmoid(logsumexp_k l_k)."""
    return tf.reduce_logsumexp(tf.cast(class_logits, tf.float32), axis=-1)


@register_model("improved_gan")
class ImprovedGAN(UnconditionalGAN):
    """Salimans et al.'s GAN: D is a K+1-class classifier (logits for the K real classes; the "fake" logit fixed
    at 0), trained semi-supervised; G trained by feature matching (or the non-saturating loss, with minibatch
    discrimination, for sample quality); optional historical averaging, one-sided label smoothing and virtual batch
    normalization in G.

    D's loss is L_supervised + w·L_unsupervised with L_supervised = −log p(y | x, y < K+1) on labelled data and
    L_unsupervised = −log D(x) − log(1 − D(G(z))), D(x) = Z(x)/(Z(x) + 1). Training data is either images (purely
    unsupervised) or `(unlabelled_images, labelled_images, labels)` batches (semi-supervised; see
    `python -m tfgan_zoo.models.improved_gan.semi_supervised`).

    Args:
        latent_dim: size of z (100), ~ U(-1, 1).
        image_size, channels: image shape (28×28×1 MNIST, 32×32×3 CIFAR-10).
        num_classes: K (10).
        architecture: 'mlp' (the MNIST networks) or 'conv' (the CIFAR-10 networks).
        g_units: MLP G widths (500, 500). d_units: MLP D widths (1000, 500, 250, 250, 250).
        d_input_noise, d_hidden_noise: MLP D's Gaussian-noise stddevs (0.3, 0.5).
        g_filters: conv G widths ((512, 256, 128): 4·4·512 projection, then deconvs).
        d_filters: conv D widths ((96, 192)). d_input_dropout, d_dropout: conv D dropout (0.2, 0.5).
        generator_norm: 'batch' or 'virtual_batch' (VBN with a fixed reference batch of `reference_size` latents).
        reference_size: VBN reference batch size.
        minibatch_kernels, minibatch_kernel_dim: minibatch discrimination on D's features (0 = off; 100 × 5 in the
            paper's CIFAR-10 sample-quality model).
        generator_loss: 'feature_matching' (on D's `features` layer) or 'non_saturating'.
        feature_matching_distance: 'sum_squares' (the paper), 'mean_squares' (official CIFAR code), 'mean_abs'
            (official MNIST code).
        unsupervised_weight: w (0.5 in the official code, whose loss_unl carries a factor ½).
        label_smoothing: one-sided: D's real target is 1 − label_smoothing (0 = off).
        historical_averaging_weight: weight of ‖θ − mean of past θ‖² for both players (0 = off).
        learning_rate, beta_1: Adam for both players (0.003 MNIST / 0.0003 CIFAR-10, β1 0.5).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("improved_gan", image_size=8, g_units=[8], d_units=[8, 4], latent_dim=4)
        >>> m.generate(2, seed=0).shape, m.classify(m.generate(2, seed=0)).shape
        ((2, 8, 8, 1), (2, 10))

    Reference:
        Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen, "Improved Techniques for Training GANs",
        NeurIPS 2016, arXiv:1606.03498.
    """

    loss_names = ("d_loss", "g_loss", "d_supervised_loss", "d_unsupervised_loss")

    def __init__(
        self,
        latent_dim=100,
        image_size=28,
        channels=1,
        num_classes=10,
        architecture="mlp",
        g_units=(500, 500),
        d_units=(1000, 500, 250, 250, 250),
        d_input_noise=0.3,
        d_hidden_noise=0.5,
        g_filters=(512, 256, 128),
        d_filters=(96, 192),
        d_input_dropout=0.2,
        d_dropout=0.5,
        generator_norm="batch",
        reference_size=100,
        minibatch_kernels=0,
        minibatch_kernel_dim=5,
        generator_loss="feature_matching",
        feature_matching_distance="sum_squares",
        unsupervised_weight=0.5,
        label_smoothing=0.0,
        historical_averaging_weight=0.0,
        learning_rate=3e-3,
        beta_1=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if architecture not in ("mlp", "conv"):
            raise ValueError(f"architecture must be 'mlp' (MNIST) or 'conv' (CIFAR-10), got {architecture!r}.")
        if generator_norm not in ("batch", "virtual_batch"):
            raise ValueError(f"generator_norm must be 'batch' or 'virtual_batch', got {generator_norm!r}.")
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(f"generator_loss must be one of {GENERATOR_LOSSES}, got {generator_loss!r}.")
        if feature_matching_distance not in DISTANCES:
            raise ValueError(
                f"feature_matching_distance must be one of {DISTANCES}, got {feature_matching_distance!r}."
            )
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}.")
        self.latent_dim = latent_dim
        self.latent_distribution = "uniform"
        self.image_size = image_size
        self.channels = channels
        self.num_classes = num_classes
        self.architecture = architecture
        self.g_units = tuple(g_units)
        self.d_units = tuple(d_units)
        self.d_input_noise = d_input_noise
        self.d_hidden_noise = d_hidden_noise
        self.g_filters = tuple(g_filters)
        self.d_filters = tuple(d_filters)
        self.d_input_dropout = d_input_dropout
        self.d_dropout = d_dropout
        self.generator_norm = generator_norm
        self.reference_size = reference_size
        self.minibatch_kernels = minibatch_kernels
        self.minibatch_kernel_dim = minibatch_kernel_dim
        self.generator_loss_name = generator_loss
        self.feature_matching_distance = feature_matching_distance
        self.unsupervised_weight = unsupervised_weight
        self.label_smoothing = label_smoothing
        self.historical_averaging_weight = historical_averaging_weight
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        if architecture == "mlp":
            self.generator = nets.build_mlp_generator(
                latent_dim, image_size, channels, self.g_units, generator_norm, reference_size, "uniform"
            )
            self.discriminator = nets.build_mlp_discriminator(
                image_size, channels, num_classes, self.d_units, d_input_noise, d_hidden_noise, minibatch_kernels,
                minibatch_kernel_dim,
            )
        else:
            self.generator = nets.build_conv_generator(
                latent_dim, image_size, channels, self.g_filters, generator_norm, reference_size, "uniform"
            )
            self.discriminator = nets.build_conv_discriminator(
                image_size, channels, num_classes, self.d_filters, d_input_dropout, d_dropout, minibatch_kernels,
                minibatch_kernel_dim,
            )
        self.histories = {}
        if historical_averaging_weight:
            self.g_history = HistoricalAverage(self.generator.trainable_variables, "g_historical_average")
            self.d_history = HistoricalAverage(self.discriminator.trainable_variables, "d_historical_average")
            self.history_variables = (self.g_history.averages + [self.g_history.count]
                                       + self.d_history.averages + [self.d_history.count])
            self.histories = {"generator": self.g_history, "discriminator": self.d_history}
        self._finish_init()

    def get_config(self):
        config = super().get_config()
        # stored as `generator_loss_name`: `generator_loss` is the task base's loss method
        config["generator_loss"] = self.generator_loss_name
        return config


    # ------------------------------------------------------------------------------------------ training
    def split_semi_supervised(self, data):
        """(unlabelled images, labelled images or None, labels or None) from a batch."""
        if isinstance(data, dict):
            if "labeled_images" in data:
                return (tf.cast(data["images"], self.compute_dtype),
                        tf.cast(data["labeled_images"], self.compute_dtype),
                        tf.reshape(tf.cast(data["labels"], tf.int32), [-1]))
            return self.images_from_batch(data), None, None
        if isinstance(data, (tuple, list)) and len(data) == 3:
            x, xl, y = data
            return (tf.cast(x, self.compute_dtype), tf.cast(xl, self.compute_dtype),
                    tf.reshape(tf.cast(y, tf.int32), [-1]))
        return self.images_from_batch(data), None, None

    def unsupervised_discriminator_loss(self, real_logits, fake_logits):
        """Per-example −log D(x) − log(1 − D(G(z))) with the K+1 parameterization (and optional smoothing)."""
        return one_sided_smoothed_discriminator_loss(
            real_logit(real_logits), real_logit(fake_logits), 1.0 - self.label_smoothing
        )

    def _penalty(self, player):
        history = self.histories.get(player)
        if history is None:
            return 0.0
        return self.historical_averaging_weight * history.penalty()

    def train_step(self, data):
        """Own step: a semi-supervised batch (unlabelled, labelled, labels) that no task splits, and historical
        averages updated after each player's update.

        D: L_supervised on the labelled part + w·L_unsupervised on (unlabelled, G(z)); G: feature matching against
        the unlabelled batch (or the non-saturating loss).
        """
        real, labeled, labels = self.split_semi_supervised(data)
        batch = tf.shape(real)[0]
        fake = tf.stop_gradient(self.generator(self.sample_latents(batch), training=True))

        def d_loss_fn():
            real_out = self.discriminator(real, training=True)
            fake_out = self.discriminator(fake, training=True)
            unsup = reduce_global_batch(self.unsupervised_discriminator_loss(real_out["logits"], fake_out["logits"]))
            sup = tf.constant(0.0)
            if labeled is not None:
                logits = self.discriminator(labeled, training=True)["logits"]
                sup = reduce_global_batch(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
            loss = sup + self.unsupervised_weight * unsup + self._penalty("discriminator")
            return loss, {"d_supervised_loss": sup, "d_unsupervised_loss": unsup}

        d_loss, d_extras = self.update_player("discriminator", d_loss_fn)
        if "discriminator" in self.histories:
            self.histories["discriminator"].update()
        z = self.sample_latents(batch)

        def g_loss_fn():
            fake_out = self.discriminator(self.generator(z, training=True), training=True)
            if self.generator_loss_name == "feature_matching":
                real_features = self.discriminator(real, training=True)["features"]
                loss = feature_matching_loss(real_features, fake_out["features"], self.feature_matching_distance)
            else:
                loss = reduce_global_batch(tf.nn.softplus(-real_logit(fake_out["logits"])))
            return loss + self._penalty("generator"), {}

        g_loss, _ = self.update_player("generator", g_loss_fn)
        if "generator" in self.histories:
            self.histories["generator"].update()
        self.after_step(None)
        self.track(d_loss=d_loss, g_loss=g_loss, **d_extras)
        return self.logs()

    # ------------------------------------------------------------------------------------------ classifier
    def classify(self, images, batch_size=256):
        """p(y | x, y < K+1): D's class probabilities `[N, K]` for images in [-1, 1]."""
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.channels)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"images must have shape [N, {', '.join(map(str, expected))}], got {images.shape}.")
        outs = [
            tf.nn.softmax(self.discriminator(images[i : i + batch_size], training=False)["logits"]).numpy()
            for i in range(0, len(images), batch_size)
        ]
        return np.concatenate(outs, axis=0)

    def real_probability(self, images):
        """D(x) = Z(x)/(Z(x) + 1)."""
        out = self.discriminator(np.asarray(images, np.float32), training=False)["logits"]
        return tf.sigmoid(real_logit(out)).numpy()
