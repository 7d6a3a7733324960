"""LAPGAN networks (Denton et al. 2015): an MLP GAN at the coarsest pyramid level, a conditional convnet pair
(G_k, D_k) per finer level, and the sampling cascade that chains them into one Keras model.

Layer widths follow the paper's §4 text: the coarse G_K/D_K are MLPs with two ReLU hidden layers (1200 units in
G, 600 with dropout in D, z_K ∈ U(-1, 1)^100); each finer G_k is a 3-layer convnet taking the upsampled low-pass
l_k with the noise z_k as an extra colour plane and producing the band-pass residual h_k; each D_k is a 2-layer
convnet (then a linear unit) judging (h_k, l_k) stacked along channels.
"""

from __future__ import annotations

import keras

from tfgan_zoo.layers.laplacian_pyramid import PyramidUpsample
from tfgan_zoo.layers.random import ConsistentDropout


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class LatentSlice(keras.layers.Layer):
    """`latents[:, start:stop]`, optionally reshaped to a `[size, size, 1]` noise plane."""

    def __init__(self, start, stop, plane_size=None, **kwargs):
        super().__init__(**kwargs)
        self.start, self.stop, self.plane_size = int(start), int(stop), plane_size

    def call(self, inputs):
        x = inputs[:, self.start : self.stop]
        if self.plane_size:
            x = keras.ops.reshape(x, (-1, self.plane_size, self.plane_size, 1))
        return x

    def compute_output_shape(self, input_shape):
        if self.plane_size:
            return (input_shape[0], self.plane_size, self.plane_size, 1)
        return (input_shape[0], self.stop - self.start)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop, "plane_size": self.plane_size}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ClipToImageRange(keras.layers.Layer):
    """Clips a reconstructed pyramid level to the image range [-1, 1]."""

    def call(self, inputs):
        return keras.ops.clip(inputs, -1.0, 1.0)


def _condition_plane(y, size, name):
    """The class-conditional variant's conditioning: one-hot c → linear → reshaped to one size×size feature map."""
    plane = keras.layers.Dense(size * size, name=f"{name}_linear")(y)
    return keras.layers.Reshape((size, size, 1), name=f"{name}_plane")(plane)


def build_coarse_generator(latent_dim, size, channels, units, num_layers=2, name="coarse_generator", num_classes=0):
    z = keras.Input((latent_dim,), name="latents")
    inputs = [z]
    x = z
    if num_classes:
        y = keras.Input((num_classes,), name="conditions")
        inputs.append(y)
        x = keras.layers.Concatenate(name="z_and_y")([z, y])
    for i in range(num_layers):
        x = keras.layers.Dense(units, activation="relu", name=f"hidden{i + 1}")(x)
    x = keras.layers.Dense(size * size * channels, activation="tanh", name="to_image", dtype="float32")(x)
    x = keras.layers.Reshape((size, size, channels), name="to_hwc")(x)
    return keras.Model(inputs if num_classes else z, x, name=name)


def build_coarse_discriminator(size, channels, units, dropout, num_layers=2, name="coarse_discriminator",
                               num_classes=0):
    x_in = keras.Input((size, size, channels), name="images")
    inputs = [x_in]
    x = keras.layers.Flatten(name="flatten")(x_in)
    if num_classes:
        y = keras.Input((num_classes,), name="conditions")
        inputs.append(y)
        x = keras.layers.Concatenate(name="x_and_y")([x, y])
    for i in range(num_layers):
        x = keras.layers.Dense(units, activation="relu", name=f"hidden{i + 1}")(x)
        if dropout:
            x = ConsistentDropout(dropout, name=f"hidden{i + 1}_dropout")(x)
    x = keras.layers.Dense(1, name="logit")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(inputs if num_classes else x_in, x, name=name)


def build_level_generator(size, channels, filters, num_layers, kernel_size, name, num_classes=0):
    """G_k: (l_k, z_k plane[, c]) → h_k. ReLU hidden convs, a linear output conv (band-pass values are signed).
    With classes, c's plane joins the first layer's maps."""
    low = keras.Input((size, size, channels), name="low_pass")
    noise = keras.Input((size, size, 1), name="noise")
    inputs = [low, noise]
    x = keras.layers.Concatenate(name="low_and_noise")([low, noise])
    for i in range(num_layers - 1):
        x = keras.layers.Conv2D(filters, kernel_size, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        if i == 0 and num_classes:
            y = keras.Input((num_classes,), name="conditions")
            inputs.append(y)
            x = keras.layers.Concatenate(name="features_and_y")([x, _condition_plane(y, size, "condition")])
    x = keras.layers.Conv2D(channels, kernel_size, padding="same", name="to_band_pass", dtype="float32")(x)
    return keras.Model(inputs, x, name=name)


def build_level_discriminator(size, channels, filters, num_layers, kernel_size, dropout, name, num_classes=0):
    """D_k: (h_k, l_k[, c]) → logit. Convs with ReLU (the last one strided), dropout, then a linear unit. With
    classes, c's plane joins the first layer's maps."""
    band = keras.Input((size, size, channels), name="band_pass")
    low = keras.Input((size, size, channels), name="low_pass")
    inputs = [band, low]
    x = keras.layers.Concatenate(name="band_and_low")([band, low])
    for i in range(num_layers):
        stride = 2 if i == num_layers - 1 else 1
        x = keras.layers.Conv2D(
            filters, kernel_size, strides=stride, padding="same", activation="relu", name=f"conv{i + 1}"
        )(x)
        if i == 0 and num_classes:
            y = keras.Input((num_classes,), name="conditions")
            inputs.append(y)
            plane_size = x.shape[1]
            x = keras.layers.Concatenate(name="features_and_y")([x, _condition_plane(y, plane_size, "condition")])
    if dropout:
        x = ConsistentDropout(dropout, name="dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(1, name="logit")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(inputs, x, name=name)


def build_cascade(coarse_generator, level_generators, coarse_latent_dim, coarse_size, name="generator",
                  num_classes=0):
    """The sampling cascade as one model: latents = [z_K | z_{K-1} plane | ... | z_0 plane] (flattened, coarse to
    fine) → I_K = G_K(z_K); I_k = clip(u(I_{k+1}) + G_k(u(I_{k+1}), z_k)) → I_0. With classes the model takes
    `[latents, labels]` (int class ids) and every level gets the one-hot c."""
    total = coarse_latent_dim + sum((coarse_size * 2 ** (j + 1)) ** 2 for j in range(len(level_generators)))
    z = keras.Input((total,), name="latents")
    inputs, cond = z, []
    if num_classes:
        labels = keras.Input((), dtype="int32", name="labels")
        inputs = [z, labels]
        cond = [keras.layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot", name="one_hot")(labels)]
    image = coarse_generator([LatentSlice(0, coarse_latent_dim, name="coarse_latents")(z), *cond] if cond
                             else LatentSlice(0, coarse_latent_dim, name="coarse_latents")(z))
    offset, size = coarse_latent_dim, coarse_size
    for j, g in enumerate(level_generators):
        size *= 2
        noise = LatentSlice(offset, offset + size * size, plane_size=size, name=f"level{j}_noise")(z)
        offset += size * size
        low = PyramidUpsample(name=f"level{j}_upsample")(image)
        band = g([low, noise, *cond])
        image = ClipToImageRange(name=f"level{j}_image")(keras.layers.Add(name=f"level{j}_add")([low, band]))
    return keras.Model(inputs, image, name=name)
