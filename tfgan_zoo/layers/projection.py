"""The projection discriminator head (Miyato & Koyama 2018): D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩."""

import keras
from keras import ops

from tfgan_zoo.layers.spectral import sn_dense


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ProjectionHead(keras.layers.Layer):
    """`call([features, labels])` → logits `[B, 1]`; with `num_classes=0`, `call(features)` is the linear ψ only.

    The class embedding is a bias-free Dense layer on one-hot labels (the same matrix as an embedding table), so
    it can be spectrally normalized with Keras' wrapper (see `tfgan_zoo.layers.spectral`).

    Args:
        num_classes: number of classes (0 = unconditional).
        use_sn: spectral normalization on ψ and the embedding (SN-GAN, SAGAN, BigGAN).
        kernel_initializer: initializer name of ψ and the embedding.
    """

    def __init__(self, num_classes=0, use_sn=True, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.use_sn = bool(use_sn)
        self.kernel_initializer = kernel_initializer

    def build(self, input_shape):
        feat_shape = input_shape[0] if self.num_classes else input_shape
        if isinstance(feat_shape, (list, tuple)) and feat_shape and isinstance(feat_shape[0], (list, tuple)):
            raise ValueError(f"{self.name}: num_classes=0 takes the features only, not [features, labels].")
        self.linear = sn_dense(1, "linear", self.use_sn, True, self.kernel_initializer)
        self.linear.build(feat_shape)
        if self.num_classes:
            self.embed = sn_dense(feat_shape[-1], "embed", self.use_sn, False, self.kernel_initializer)
            self.embed.build((None, self.num_classes))

    def _apply(self, layer, x, training):
        if isinstance(layer, keras.layers.SpectralNormalization):
            return layer(x, training=training)
        return layer(x)

    def call(self, inputs, training=False):
        if not self.num_classes:
            return self._apply(self.linear, inputs, training)
        features, labels = inputs
        one_hot = ops.one_hot(ops.cast(ops.reshape(labels, [-1]), "int32"), self.num_classes, dtype=features.dtype)
        embedded = self._apply(self.embed, one_hot, training)
        return self._apply(self.linear, features, training) + ops.sum(embedded * features, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        feat_shape = input_shape[0] if self.num_classes else input_shape
        return (feat_shape[0], 1)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "use_sn": self.use_sn,
                "kernel_initializer": self.kernel_initializer}
