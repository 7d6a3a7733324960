"""Networks of "Improved Techniques for Training GANs" (Salimans et al. 2016; official code openai/improved-gan).

MNIST (semi-supervised, feature matching): G z(100) → 500 softplus BN → 500 softplus BN → 784 sigmoid (weight
norm); D Gaussian noise 0.3 → weight-normed ReLU layers 1000, 500, 250, 250, 250 each followed by Gaussian noise 0.5
→ weight-normed linear layer to K class logits. Feature matching uses the last 250-unit layer.

CIFAR-10: G z(100) → 4·4·512 BN ReLU → 5×5 stride-2 deconvs 256, 128 (BN, ReLU) → 5×5 stride-2 deconv 3, tanh
(weight norm); D dropout 0.2 → weight-normed 3×3 convs 96, 96, 96/2 → dropout 0.5 → 192, 192, 192/2 → dropout 0.5
→ 192 3×3 valid → two 1×1 "NIN" 192 → global average pool (the feature-matching layer) → [minibatch
discrimination] → weight-normed linear to K logits; LeakyReLU 0.2.

The data-dependent initialisation of weight norm in the official code is not reproduced (g starts at 1).
The discriminator returns {"logits": [B, K], "features": [B, F]}; the generator's output is in [-1, 1].
"""

import keras
import tensorflow as tf

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.minibatch_discrimination import MinibatchDiscrimination
from tfgan_zoo.layers.normalization import normalization
from tfgan_zoo.layers.random import ConsistentDropout, consistent_random
from tfgan_zoo.layers.virtual_batch_norm import DropReference, ReferenceBatch, VirtualBatchNormalization

INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.05))


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ConsistentGaussianNoise(keras.layers.Layer):
    """Additive N(0, σ²) noise at training time whose draw per example does not depend on the replica count."""

    def __init__(self, stddev, **kwargs):
        super().__init__(**kwargs)
        self.stddev = float(stddev)
        self.seed_generator = keras.random.SeedGenerator(None)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0.0:
            return inputs
        noise = consistent_random("normal", tf.unstack(tf.shape(inputs)), self.seed_generator)
        return inputs + tf.cast(self.stddev * noise, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class WeightNormDense(keras.layers.Layer):
    """Dense with weight normalization (Salimans & Kingma 2016): w = g · v / ‖v‖ per output unit."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=INIT, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer=self.kernel_initializer)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros") if self.use_bias else None
        self.g = self.add_weight(name="g", shape=(self.units,), initializer="ones")

    def call(self, inputs):
        v = tf.cast(self.kernel, inputs.dtype)
        w = v * tf.math.rsqrt(tf.reduce_sum(tf.square(v), axis=0) + 1e-12) * tf.cast(self.g, inputs.dtype)
        y = tf.matmul(inputs, w)
        if self.use_bias:
            y = y + tf.cast(self.bias, inputs.dtype)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias, "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class WeightNormConv2D(keras.layers.Conv2D):
    """Conv2D with weight normalization over each filter's (kh, kw, c_in) weights."""

    def build(self, input_shape):
        super().build(input_shape)
        self.g = self.add_weight(name="g", shape=(self.filters,), initializer="ones")

    def call(self, inputs):
        v = tf.cast(self.kernel, inputs.dtype)
        w = v * tf.math.rsqrt(tf.reduce_sum(tf.square(v), axis=[0, 1, 2]) + 1e-12) * tf.cast(self.g, inputs.dtype)
        y = tf.nn.conv2d(inputs, w, strides=self.strides, padding=self.padding.upper())
        if self.use_bias:
            y = y + tf.cast(self.bias, inputs.dtype)
        return self.activation(y) if self.activation is not None else y


def _g_norm(kind, name, reference_size):
    if kind == "virtual_batch":
        return VirtualBatchNormalization(reference_size, name=name)
    return normalization(kind, name)


def build_mlp_generator(latent_dim, image_size, channels, units, norm, reference_size, latent_distribution,
                        name="generator"):
    z = keras.Input((latent_dim,), name="latents")
    h = ReferenceBatch(reference_size, latent_distribution, name="reference_batch")(z) if norm == "virtual_batch" else z
    for i, u in enumerate(units):
        h = keras.layers.Dense(u, use_bias=False, kernel_initializer=INIT, name=f"fc{i + 1}")(h)
        h = _g_norm(norm, f"fc{i + 1}_norm", reference_size)(h)
        h = keras.layers.Activation("softplus", name=f"fc{i + 1}_softplus")(h)
    h = WeightNormDense(image_size * image_size * channels, activation="sigmoid", kernel_initializer=INIT,
                        name="to_image")(h)
    if norm == "virtual_batch":
        h = DropReference(reference_size, name="drop_reference")(h)
    h = keras.layers.Rescaling(2.0, offset=-1.0, dtype="float32", name="to_signed")(h)
    return keras.Model(z, keras.layers.Reshape((image_size, image_size, channels), name="to_hwc")(h), name=name)


def build_conv_generator(latent_dim, image_size, channels, filters, norm, reference_size, latent_distribution,
                         name="generator"):
    n = len(filters)
    s = image_size // 2**n
    if s < 1 or s * 2**n != image_size:
        raise ValueError(f"image_size {image_size} must be a multiple of 2^{n} for g_filters={list(filters)}.")
    z = keras.Input((latent_dim,), name="latents")
    h = ReferenceBatch(reference_size, latent_distribution, name="reference_batch")(z) if norm == "virtual_batch" else z
    h = keras.layers.Dense(s * s * filters[0], use_bias=False, kernel_initializer=INIT, name="project")(h)
    h = _g_norm(norm, "project_norm", reference_size)(h)
    h = keras.layers.ReLU(name="project_relu")(h)
    h = keras.layers.Reshape((s, s, filters[0]), name="reshape")(h)
    for i, f in enumerate(filters[1:]):
        h = keras.layers.Conv2DTranspose(f, 5, strides=2, padding="same", use_bias=False, kernel_initializer=INIT,
                                         name=f"up{i + 1}_conv")(h)
        h = _g_norm(norm, f"up{i + 1}_norm", reference_size)(h)
        h = keras.layers.ReLU(name=f"up{i + 1}_relu")(h)
    h = keras.layers.Conv2DTranspose(channels, 5, strides=2, padding="same", kernel_initializer=INIT,
                                     name="to_image")(h)
    if norm == "virtual_batch":
        h = DropReference(reference_size, name="drop_reference")(h)
    out = keras.layers.Activation("tanh", dtype="float32", name="tanh")(h)
    return keras.Model(z, out, name=name)


def _head(features, num_classes, minibatch_kernels, minibatch_kernel_dim):
    h = features
    if minibatch_kernels:
        h = MinibatchDiscrimination(minibatch_kernels, minibatch_kernel_dim, name="minibatch_discrimination")(h)
    logits = WeightNormDense(num_classes, kernel_initializer=INIT, dtype="float32", name="class_logits")(h)
    return logits


def build_mlp_discriminator(image_size, channels, num_classes, units, input_noise, hidden_noise, minibatch_kernels,
                            minibatch_kernel_dim, name="discriminator"):
    x_in = keras.Input((image_size, image_size, channels), name="images")
    h = keras.layers.Flatten(name="flatten")(x_in)
    h = ConsistentGaussianNoise(input_noise, name="input_noise")(h)
    for i, u in enumerate(units):
        h = WeightNormDense(u, activation="relu", kernel_initializer=INIT, name=f"fc{i + 1}")(h)
        h = ConsistentGaussianNoise(hidden_noise, name=f"fc{i + 1}_noise")(h)
    features = keras.layers.Activation("linear", dtype="float32", name="features")(h)
    logits = _head(features, num_classes, minibatch_kernels, minibatch_kernel_dim)
    return keras.Model(x_in, {"logits": logits, "features": features}, name=name)


def build_conv_discriminator(image_size, channels, num_classes, filters, input_dropout, dropout, minibatch_kernels,
                             minibatch_kernel_dim, name="discriminator"):
    """filters = (f1, f2): three 3×3 convs of f1 (the last stride 2), three of f2 (the last stride 2), then a
    3×3 valid conv and two 1×1 convs of f2."""
    f1, f2 = filters
    x_in = keras.Input((image_size, image_size, channels), name="images")
    h = ConsistentDropout(input_dropout, name="input_dropout")(x_in) if input_dropout else x_in
    specs = [(f1, 3, 1, "same"), (f1, 3, 1, "same"), (f1, 3, 2, "same"), None,
             (f2, 3, 1, "same"), (f2, 3, 1, "same"), (f2, 3, 2, "same"), None,
             (f2, 3, 1, "valid"), (f2, 1, 1, "valid"), (f2, 1, 1, "valid")]
    k = 0
    for spec in specs:
        if spec is None:
            if dropout:
                h = ConsistentDropout(dropout, name=f"dropout{k}")(h)
            continue
        k += 1
        f, ks, st, pad = spec
        h = WeightNormConv2D(f, ks, strides=st, padding=pad, kernel_initializer=INIT, name=f"conv{k}")(h)
        h = keras.layers.LeakyReLU(0.2, name=f"conv{k}_lrelu")(h)
    h = keras.layers.GlobalAveragePooling2D(name="pool")(h)
    features = keras.layers.Activation("linear", dtype="float32", name="features")(h)
    logits = _head(features, num_classes, minibatch_kernels, minibatch_kernel_dim)
    return keras.Model(x_in, {"logits": logits, "features": features}, name=name)
