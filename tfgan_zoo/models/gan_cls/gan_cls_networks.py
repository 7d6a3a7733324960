"""GAN-CLS networks (Reed et al. 2016; reedscot/icml2016 `main_cls_int.lua`, which `scripts/train_cub.sh` runs):
DCGAN-style G and D with the text embedding projected to `projection_dim` (G: dense + LeakyReLU 0.2; D: dense + batch
norm + LeakyReLU 0.2) and concatenated to z at G's input and, replicated over 4 × 4, to D's 4 × 4 features; one
residual block (1×1 → 3×3 → 3×3 convs, batch norm) at G's 4 × 4 and 8 × 8 stages and at D's 4 × 4 stage
(`residual_blocks`). Convolutions have no biases (the official code zeroes them before every update).
Departure: the official D has no LeakyReLU after its third convolution's batch norm (the ndf·4 layer); here it has
one, as its other layers (the parameter count is the same)."""

from __future__ import annotations

import math

import keras

from tfgan_zoo.layers.initializers import PerCall

INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))
GAMMA_INIT = PerCall(keras.initializers.RandomNormal(1.0, 0.02))


def _bn(name):
    return keras.layers.BatchNormalization(synchronized=True, momentum=0.9, epsilon=1e-5,
                                           gamma_initializer=GAMMA_INIT, name=name)


def _conv(filters, kernel, name, strides=1, transpose=False, padding="same", use_bias=False):
    cls = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
    return cls(filters, kernel, strides=strides, padding=padding, use_bias=use_bias, kernel_initializer=INIT, name=name)


def _residual(x, filters, bottleneck, name, activation):
    """The official block: 1×1 conv to `bottleneck`, 3×3, 3×3 back to `filters` (batch norm after each), added."""
    h = x
    for i, (f, k) in enumerate(((bottleneck, 1), (bottleneck, 3), (filters, 3))):
        h = _conv(f, k, f"{name}_conv{i + 1}")(h)
        h = _bn(f"{name}_bn{i + 1}")(h)
        if i < 2:
            h = activation(h)
    return activation(keras.layers.Add(name=f"{name}_add")([x, h]))


def _stages(image_size):
    n = int(round(math.log2(image_size / 4)))
    if image_size < 8 or 4 * 2**n != image_size:
        raise ValueError(f"GAN-CLS image_size must be 4·2^k ≥ 8 (64 in the paper); got {image_size}.")
    return n


def build_generator(latent_dim, embedding_dim, projection_dim, image_size, channels, base_filters,
                    residual_blocks=True, name="image_generator"):
    """(z `[B, latent_dim]`, text embedding `[B, embedding_dim]`) → images `[B, S, S, C]` in [-1, 1]."""
    n = _stages(image_size)
    z = keras.Input((latent_dim,), name="latents")
    t = keras.Input((embedding_dim,), name="embeddings")
    text = keras.layers.Dense(projection_dim, kernel_initializer=INIT, name="text_projection")(t)
    text = keras.layers.LeakyReLU(0.2, name="text_projection_lrelu")(text)
    x = keras.layers.Concatenate(name="z_text")([z, text])
    x = keras.layers.Reshape((1, 1, latent_dim + projection_dim), name="to_1x1")(x)
    relu = keras.layers.ReLU
    filters = base_filters * 8
    x = _conv(filters, 4, "deconv0", padding="valid", transpose=True)(x)  # 1x1 -> 4x4
    x = _bn("bn0")(x)
    for i in range(n):
        if residual_blocks and i < 2:
            x = _residual(x, filters, max(filters // 4, 1), f"res{i}", lambda h: relu()(h))
        else:
            x = relu()(x)
        if i == n - 1:
            break
        filters = max(filters // 2, base_filters)
        x = _conv(filters, 4, f"deconv{i + 1}", strides=2, transpose=True)(x)
        x = _bn(f"bn{i + 1}")(x)
    x = _conv(channels, 4, "to_image", strides=2, transpose=True)(x)
    images = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model([z, t], images, name=name)


def build_discriminator(embedding_dim, projection_dim, image_size, channels, base_filters, residual_blocks=True,
                        name="discriminator"):
    """(images, text embedding) → a logit `[B, 1]`: the image downsampled to 4 × 4, the projected text replicated
    over it and concatenated, a 1×1 conv and a 4×4 conv."""
    n = _stages(image_size)
    x_in = keras.Input((image_size, image_size, channels), name="images")
    t = keras.Input((embedding_dim,), name="embeddings")
    lrelu = lambda h: keras.layers.LeakyReLU(0.2)(h)  # noqa: E731
    x = x_in
    filters = base_filters
    for i in range(n):
        x = _conv(filters, 4, f"conv{i + 1}", strides=2)(x)
        if i > 0:
            x = _bn(f"bn{i + 1}")(x)
        if i < n - 1 or not residual_blocks:
            x = lrelu(x)
        if i < n - 1:
            filters *= 2
    if residual_blocks:
        x = _residual(x, filters, max(filters // 4, 1), "res", lrelu)
    text = keras.layers.Dense(projection_dim, kernel_initializer=INIT, name="text_projection")(t)
    text = _bn("text_bn")(text)
    text = lrelu(text)
    text = keras.layers.Reshape((1, 1, projection_dim))(text)
    text = keras.layers.UpSampling2D(4, name="replicate_4x4")(text)
    x = keras.layers.Concatenate(name="image_text")([x, text])
    x = _conv(filters, 1, "joint_conv")(x)
    x = _bn("joint_bn")(x)
    x = lrelu(x)
    out = _conv(1, 4, "logit", padding="valid")(x)
    out = keras.layers.Flatten(dtype="float32", name="logits")(out)
    return keras.Model([x_in, t], out, name=name)
