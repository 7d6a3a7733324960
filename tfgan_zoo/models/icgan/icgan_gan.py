"""IcGAN: a conditional DCGAN inverted by two encoders, for editing real images' attributes."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.base.conditional import ConditionalGAN
from tfgan_zoo.losses.adversarial import minimax_discriminator_loss, non_saturating_generator_loss
from tfgan_zoo.losses.reconstruction import l2_loss
from tfgan_zoo.losses.reduction import reduce_global_batch
from tfgan_zoo.models.icgan import icgan_networks
from tfgan_zoo.registry import register_model

ATTRIBUTE_MODES = ("class", "binary")
TRAINING_STAGES = ("joint", "gan", "encoders")


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ICGANInference(keras.Model):
    """What IcGAN serves: the generator and both encoders (E_z, E_y) behind one object.

    `call((latents, labels))` generates; `encode(images)` inverts; `edit(images, labels)` re-generates an image with
    its encoded z and new conditions. Labels are int class ids (`attribute_mode='class'`) or `[B, ny]` float
    attribute vectors in {0, 1} ('binary').
    """

    def __init__(self, generator, encoder_z, encoder_y, num_classes, attribute_mode, **kwargs):
        super().__init__(name=kwargs.pop("name", "icgan_inference"), **kwargs)
        self.generator = generator
        self.encoder_z = encoder_z
        self.encoder_y = encoder_y
        self.num_classes = num_classes
        self.attribute_mode = attribute_mode
        self.built = True

    def conditions(self, labels):
        if self.attribute_mode == "class":
            return tf.one_hot(tf.cast(tf.reshape(labels, [-1]), tf.int32), self.num_classes, dtype=self.compute_dtype)
        return tf.cast(labels, self.compute_dtype)

    def call(self, inputs, training=False):
        latents, labels = inputs
        return self.generator([latents, self.conditions(labels)], training=training)

    def encode(self, images, training=False):
        """(z, y): E_z's latents and E_y's condition probabilities (softmax for classes, sigmoid for attributes)."""
        z = self.encoder_z(images, training=training)
        logits = tf.cast(self.encoder_y(images, training=training), tf.float32)
        y = tf.nn.softmax(logits) if self.attribute_mode == "class" else tf.sigmoid(logits)
        return z, y

    def edit(self, images, labels, training=False):
        z = self.encoder_z(images, training=training)
        return self.generator([z, self.conditions(labels)], training=training)


@register_model("icgan")
class ICGAN(ConditionalGAN):
    """IcGAN: a conditional DCGAN plus encoders E_z: x → z and E_y: x → y that invert it, so that a real image can be
    reconstructed and edited: x' = G(E_z(x), y').

    The cGAN feeds y at G's input (concatenated to z) and at D's first conv layer (tiled and concatenated to its
    feature maps), the placement the paper found best. The encoders are trained as in the paper, on the cGAN and
    never into it: E_z on generated pairs, min ‖z - E_z(G(z, y'))‖² with y' from the data's label distribution; E_y on
    real labelled images (the option the paper found better than generated ones), with cross-entropy (softmax over
    classes, or sigmoid per binary attribute). `training_stage` chooses what a `fit` step trains: 'gan' (cGAN only),
    'encoders' (E_z, E_y only, against the current G in inference mode: the paper's second stage) or 'joint' (both
    in one step; the encoders still see G only through stop-gradient samples, so the cGAN's training is unchanged).
    `set_training_stage` switches between stages of one run.

    API: `encode(images) → (z, y)`, `edit(images, labels) → images`, `reconstruct(images)`; the SavedModel serves
    `serving_default` (latents, labels), `sample` (seed, labels), `edit` (images, labels) and `encode` (images).

    Args:
        latent_dim: size of z (100, uniform U(-1, 1) as in the DCGAN baseline).
        num_classes: number of classes (`attribute_mode='class'`: labels are int ids, y is their one-hot) or of
            binary attributes (`'binary'`: labels are {0, 1} float vectors, 18 for the paper's CelebA setup).
        attribute_mode: 'class' or 'binary'.
        image_size, channels: 64×64×3 for CelebA, 32×32×1 for digits.
        g_base_filters, d_base_filters: DCGAN ngf / ndf (64).
        encoder_filters: first conv width of both encoders (32 → 256 over four 5×5 stride-2 convs at 64×64).
        encoder_units: the encoders' dense hidden layer (4096).
        training_stage: 'joint', 'gan' or 'encoders' (see above).
        learning_rate, beta_1: Adam for all four players (2e-4, 0.5).
        seed: seed of the training-time noise.

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("icgan", image_size=16, channels=1, latent_dim=8, g_base_filters=4,
        ...                           d_base_filters=4, encoder_filters=4, encoder_units=16)
        >>> images = m.generate(2, seed=0, labels=[3, 5])
        >>> z, y = m.encode(images)
        >>> z.shape, y.shape, m.edit(images, [1, 2]).shape
        ((2, 8), (2, 10), (2, 16, 16, 1))

    Reference:
        Perarnau, Van de Weijer, Raducanu & Álvarez, "Invertible Conditional GANs for image editing", NeurIPS 2016
        Workshop on Adversarial Training, arXiv:1611.06355.
    """

    player_names = ("generator", "discriminator", "encoder_z", "encoder_y")
    loss_names = ("d_loss", "g_loss", "ez_loss", "ey_loss")

    def __init__(
        self,
        latent_dim=100,
        latent_distribution="uniform",
        num_classes=10,
        attribute_mode="class",
        image_size=64,
        channels=3,
        g_base_filters=64,
        d_base_filters=64,
        encoder_filters=32,
        encoder_units=4096,
        training_stage="joint",
        learning_rate=2e-4,
        beta_1=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if attribute_mode not in ATTRIBUTE_MODES:
            raise ValueError(f"attribute_mode must be one of {ATTRIBUTE_MODES}, got {attribute_mode!r}.")
        if training_stage not in TRAINING_STAGES:
            raise ValueError(f"training_stage must be one of {TRAINING_STAGES}, got {training_stage!r}.")
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.num_classes = num_classes
        self.attribute_mode = attribute_mode
        self.image_size = image_size
        self.channels = channels
        self.g_base_filters = g_base_filters
        self.d_base_filters = d_base_filters
        self.encoder_filters = encoder_filters
        self.encoder_units = encoder_units
        self.training_stage = training_stage
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.generator = icgan_networks.build_generator(latent_dim, num_classes, image_size, channels, g_base_filters)
        self.discriminator = icgan_networks.build_discriminator(num_classes, image_size, channels, d_base_filters)
        self.encoder_z = icgan_networks.build_encoder(
            latent_dim, image_size, channels, encoder_filters, encoder_units, name="encoder_z"
        )
        self.encoder_y = icgan_networks.build_encoder(
            num_classes, image_size, channels, encoder_filters, encoder_units, name="encoder_y"
        )
        self.inference_model = ICGANInference(
            self.generator, self.encoder_z, self.encoder_y, num_classes, attribute_mode
        )
        self._finish_init()

    # --------------------------------------------------------------------------------------------- players
    @property
    def inference_generator(self):
        return self.inference_model

    def player_models(self):
        return {
            "generator": [self.generator],
            "discriminator": [self.discriminator],
            "encoder_z": [self.encoder_z],
            "encoder_y": [self.encoder_y],
        }

    def set_training_stage(self, stage):
        """Switches what the next `fit` trains ('joint', 'gan', 'encoders'); the train step is re-traced."""
        if stage not in TRAINING_STAGES:
            raise ValueError(f"training_stage must be one of {TRAINING_STAGES}, got {stage!r}.")
        self.training_stage = stage
        self.train_function = None  # `fit` re-traces the step for the new stage

    # --------------------------------------------------------------------------------------------- training
    def split_batch(self, data):
        if self.attribute_mode == "class":
            return super().split_batch(data)
        if isinstance(data, dict):
            images, labels = data["images"], data["labels"]
        elif isinstance(data, (tuple, list)) and len(data) >= 2:
            images, labels = data[0], data[1]
        else:
            raise ValueError("IcGAN with binary attributes trains on (images, attributes [B, ny]) batches.")
        shape = labels.shape
        if shape.rank is not None and (shape.rank != 2 or shape[-1] not in (None, self.num_classes)):
            raise ValueError(
                f"IcGAN with attribute_mode='binary' trains on attribute vectors of shape [B, {self.num_classes}] "
                f"(0/1 floats); the batch's labels have shape {shape}. With TFDS CelebA set data.attributes to the "
                f"{self.num_classes} attribute names; for int class ids use attribute_mode='class'."
            )
        return tf.cast(images, self.compute_dtype), tf.cast(labels, tf.float32)

    def _ey_loss(self, labels, logits):
        logits = tf.cast(logits, tf.float32)
        if self.attribute_mode == "class":
            return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=-1)

    def train_step(self, data):
        """Staged training with four players: the cGAN step plus the two encoders (z from G's own samples, y from
        real images), switched by `training_stage`; the encoders have no adversary, so the step is its own.
        """
        images, labels = self.split_batch(data)
        y = self.inference_model.conditions(labels)
        batch = tf.shape(images)[0]
        logs = {}
        if self.training_stage in ("joint", "gan"):
            fake = tf.stop_gradient(self.generator([self.sample_latents(batch), y], training=True))

            def d_loss_fn():
                per_example = minimax_discriminator_loss(
                    self.discriminator([images, y], training=True), self.discriminator([fake, y], training=True)
                )
                return reduce_global_batch(per_example), {}

            logs["d_loss"], _ = self.update_player("discriminator", d_loss_fn)
            z = self.sample_latents(batch)

            def g_loss_fn():
                out = self.discriminator([self.generator([z, y], training=True), y], training=True)
                return reduce_global_batch(non_saturating_generator_loss(out)), {}

            logs["g_loss"], _ = self.update_player("generator", g_loss_fn)
        if self.training_stage in ("joint", "encoders"):
            z = self.sample_latents(batch)
            generated = tf.stop_gradient(self.generator([z, y], training=False))

            def ez_loss_fn():
                return reduce_global_batch(l2_loss(self.encoder_z(generated, training=True), z)), {}

            logs["ez_loss"], _ = self.update_player("encoder_z", ez_loss_fn)

            def ey_loss_fn():
                return reduce_global_batch(self._ey_loss(labels, self.encoder_y(images, training=True))), {}

            logs["ey_loss"], _ = self.update_player("encoder_y", ey_loss_fn)
        self.track(**logs)
        return self.logs()

    # --------------------------------------------------------------------------------------------- inference
    def call(self, inputs, training=False):
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise ValueError("ICGAN expects (latents, labels) as inputs.")
        return self.inference_model(inputs, training=training)

    def example_labels(self, n):
        if self.attribute_mode == "binary":
            return (np.arange(n * self.num_classes).reshape(n, self.num_classes) % 2).astype(np.float32)
        return super().example_labels(n)

    def random_labels(self, n, rng):
        if self.attribute_mode == "binary":  # {0, 1} attribute vectors (CelebA)
            return rng.integers(0, 2, (n, self.num_classes)).astype(np.float32)
        return super().random_labels(n, rng)

    def check_labels(self, labels):
        if self.attribute_mode == "class":
            return super().check_labels(labels)
        labels = np.asarray(labels, np.float32)
        if labels.ndim != 2 or labels.shape[1] != self.num_classes:
            raise ValueError(
                f"attributes must be a [N, {self.num_classes}] array of 0/1 values, got shape {labels.shape}."
            )
        return labels

    def _check_images(self, images):
        images = np.asarray(images, np.float32)
        expected = (self.image_size, self.image_size, self.channels)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(
                f"images must have shape [N, {', '.join(map(str, expected))}] in [-1, 1], got {images.shape}."
            )
        return images

    def encode(self, images, batch_size=64):
        """Inverts the cGAN: `(z [N, latent_dim], y [N, num_classes])` as numpy, y being E_y's probabilities."""
        images = self._check_images(images)
        zs, ys = [], []
        for i in range(0, len(images), batch_size):
            z, y = self.inference_model.encode(tf.constant(images[i : i + batch_size]))
            zs.append(tf.cast(z, tf.float32).numpy())
            ys.append(y.numpy())
        return np.concatenate(zs), np.concatenate(ys)

    def edit(self, images, labels, batch_size=64):
        """G(E_z(x), y'): the images re-generated with new conditions `labels` (class ids, or attribute vectors)."""
        images = self._check_images(images)
        labels = self.check_labels(labels)
        if len(labels) != len(images):
            raise ValueError(f"Got {len(labels)} labels for {len(images)} images.")
        out = [
            tf.cast(self.inference_model.edit(tf.constant(images[i : i + batch_size]),
                                              tf.constant(labels[i : i + batch_size])), tf.float32).numpy()
            for i in range(0, len(images), batch_size)
        ]
        return np.concatenate(out)

    def reconstruct(self, images, batch_size=64):
        """G(E_z(x), ŷ) with ŷ E_y's decision (argmax class, or attributes thresholded at 0.5)."""
        _, y = self.encode(images, batch_size)
        labels = y.argmax(-1).astype(np.int32) if self.attribute_mode == "class" else (y > 0.5).astype(np.float32)
        return self.edit(images, labels, batch_size)

    def label_spec(self):
        if self.attribute_mode == "class":
            return super().label_spec()
        return tf.TensorSpec([None, self.num_classes], tf.float32, name="labels")

    def serving_signatures(self):
        """The conditional task's `serving_default` and `sample`, plus `edit` (x, y') → x' and `encode` x → (z, y)."""
        inf = self.inference_model

        def edit(images, labels):
            return {"images": tf.cast(inf.edit(images, labels, training=False), tf.float32)}

        def encode(images):
            z, y = inf.encode(images, training=False)
            return {"latents": tf.cast(z, tf.float32), "conditions": y}

        image_spec = tf.TensorSpec([None, self.image_size, self.image_size, self.channels], tf.float32, name="images")
        return {
            **self.task.serving_signatures(self),
            "edit": (edit, [image_spec, self.label_spec()]),
            "encode": (encode, [image_spec]),
        }
