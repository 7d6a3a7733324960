"""Batch norm whose per-channel gain and bias come from a condition (class, class embedding + z, or z alone).

* `ConditionalBatchNormalization(num_classes=K)`: per-class γ (init 1) and β (init 0), looked up by int label
  (SN-GAN projection / SAGAN generators).
* `ConditionalBatchNormalization(num_classes=0)`: γ = 1 + W_γ·c and β = W_β·c, bias-free linear projections of a
  condition vector c (BigGAN: c = [shared class embedding, z chunk]; SN on W_γ, W_β as in BigGAN).
* `SelfModulatedBatchNormalization`: γ(z), β(z) from a one-hidden-layer MLP of the latent (Chen et al. 2019), the
  conditional combination by feeding [z, embed(y)] as the condition.

The normalization itself is synchronized `BatchNormalization(center=False, scale=False)`: on one device it is
ordinary batch norm, under a distribution strategy it uses global-batch statistics (BigGAN's cross-replica BN).
"""

import keras
from keras import ops

from tfgan_zoo.layers.spectral import sn_dense


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Conditional batch norm: `call([x, condition])`.

    Args:
        num_classes: > 0: the condition is an int label `[B]` and γ, β are class embeddings; 0: the condition is a
            float vector `[B, D]` projected linearly to γ - 1 and β.
        hidden_units: with `num_classes=0`, an optional ReLU hidden layer before the projections (self-modulation).
        use_sn: spectral normalization on the projections (BigGAN).
        momentum, epsilon: batch-norm moving-average momentum (Keras convention) and epsilon.
        synchronized: cross-replica statistics under a distribution strategy.
    """

    def __init__(self, num_classes=0, hidden_units=0, use_sn=False, momentum=0.9, epsilon=1e-5, synchronized=True,
                 kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if num_classes < 0 or hidden_units < 0:
            raise ValueError(f"num_classes and hidden_units must be >= 0, got {num_classes}, {hidden_units}.")
        if num_classes and hidden_units:
            raise ValueError("hidden_units applies to vector conditions (num_classes=0), not to class labels.")
        self.num_classes = int(num_classes)
        self.hidden_units = int(hidden_units)
        self.use_sn = bool(use_sn)
        self.momentum = momentum
        self.epsilon = epsilon
        self.synchronized = synchronized
        self.kernel_initializer = kernel_initializer
        self.bn = keras.layers.BatchNormalization(
            center=False, scale=False, momentum=momentum, epsilon=epsilon, synchronized=synchronized, name="bn"
        )

    def build(self, input_shape):
        x_shape, c_shape = input_shape
        channels = x_shape[-1]
        self.bn.build(x_shape)
        if self.num_classes:
            self.gamma = keras.layers.Embedding(self.num_classes, channels, embeddings_initializer="ones", name="gamma")
            self.beta = keras.layers.Embedding(self.num_classes, channels, embeddings_initializer="zeros", name="beta")
            self.gamma.build((None,))
            self.beta.build((None,))
            return
        if len(c_shape) != 2 or c_shape[-1] is None:
            raise ValueError(
                f"{self.name}: with num_classes=0 the condition must be a float vector [B, D], got shape {c_shape}; "
                "pass num_classes=K to condition on int labels."
            )
        hidden_shape = c_shape
        if self.hidden_units:
            self.hidden = sn_dense(self.hidden_units, "hidden", self.use_sn, kernel_initializer=self.kernel_initializer)
            self.hidden.build(c_shape)
            hidden_shape = (c_shape[0], self.hidden_units)
        # Bias-free projections: γ = 1 + W_γ c (BigGAN's ccbn); zero-mean init keeps γ ≈ 1 at the start.
        self.gamma = sn_dense(channels, "gamma", self.use_sn, bool(self.hidden_units), self.kernel_initializer)
        self.beta = sn_dense(channels, "beta", self.use_sn, bool(self.hidden_units), self.kernel_initializer)
        self.gamma.build(hidden_shape)
        self.beta.build(hidden_shape)

    def call(self, inputs, training=False):
        x, condition = inputs
        h = self.bn(x, training=training)
        if self.num_classes:
            labels = ops.cast(ops.reshape(condition, [-1]), "int32")
            gamma, beta = self.gamma(labels), self.beta(labels)
        else:
            c = ops.cast(condition, self.compute_dtype)
            if self.hidden_units:
                c = ops.relu(self._apply(self.hidden, c, training))
            gamma = 1.0 + self._apply(self.gamma, c, training)
            beta = self._apply(self.beta, c, training)
        gamma = ops.cast(gamma, h.dtype)[:, None, None, :] if len(x.shape) == 4 else ops.cast(gamma, h.dtype)
        beta = ops.cast(beta, h.dtype)[:, None, None, :] if len(x.shape) == 4 else ops.cast(beta, h.dtype)
        return h * gamma + beta

    def _apply(self, layer, x, training):
        if isinstance(layer, keras.layers.SpectralNormalization):
            return layer(x, training=training)
        return layer(x)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "hidden_units": self.hidden_units,
            "use_sn": self.use_sn,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "synchronized": self.synchronized,
            "kernel_initializer": self.kernel_initializer,
        }


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class SelfModulatedBatchNormalization(ConditionalBatchNormalization):
    """Self-modulated batch norm (Chen et al. 2019): `call([x, z])`, γ(z) = 1 + MLP_γ(z), β(z) = MLP_β(z) with one
    ReLU hidden layer (`hidden_units`, 32 by default). For the conditional variant pass `[z, embed(y)]` as z.
    """

    def __init__(self, hidden_units=32, use_sn=False, momentum=0.9, epsilon=1e-5, synchronized=True,
                 kernel_initializer="glorot_uniform", **kwargs):
        kwargs.pop("num_classes", None)
        if hidden_units <= 0:
            raise ValueError(f"SelfModulatedBatchNormalization needs hidden_units > 0, got {hidden_units}.")
        super().__init__(num_classes=0, hidden_units=hidden_units, use_sn=use_sn, momentum=momentum,
                         epsilon=epsilon, synchronized=synchronized, kernel_initializer=kernel_initializer, **kwargs)
