"""StackGAN networks (Zhang et al. 2017; hanzhanggit/StackGAN-Pytorch `code/model.py`).

* Conditioning Augmentation (`CA_NET`): dense(text → 2·c_dim) + ReLU → (μ, log σ²); ĉ = μ + σ·ε. Here ε is part of
  the generator's latent input (`[z, ε]`), so a seed fixes the whole sample and replicas draw the same noise.
* Stage-I G (`STAGE1_G`): [z, ĉ] → dense (no bias) + BN + ReLU to ngf·8 × 4 × 4 → upsampling blocks (nearest ×2,
  3×3 conv without bias, BN, ReLU) halving the channels → 3×3 conv → tanh.
* Stage-I D (`STAGE1_D`): 4×4 stride-2 convs (no bias; BN after all but the first; LeakyReLU 0.2) down to 4 × 4,
  then the conditional logits (`D_GET_LOGITS`): μ replicated over 4 × 4 and concatenated, 3×3 conv + BN + LeakyReLU,
  a 4×4 stride-4 conv with bias.
* Stage-II G (`STAGE2_G`): the Stage-I image encoded (3×3 conv + ReLU, two 4×4 stride-2 convs + BN + ReLU) to
  ngf·4 at a quarter of its size, ĉ replicated and concatenated, 3×3 conv + BN + ReLU, `residual_blocks` residual
  blocks, four upsampling blocks (×16) and a 3×3 conv + tanh.
* Stage-II D (`STAGE2_D`): down to 4 × 4 (channels doubling), two 3×3 convs halving them, and both a conditional and
  an unconditional logit.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfgan_zoo.layers.initializers import PerCall

INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))
GAMMA_INIT = PerCall(keras.initializers.RandomNormal(1.0, 0.02))


def _bn(name):
    return keras.layers.BatchNormalization(synchronized=True, momentum=0.9, epsilon=1e-5,
                                           gamma_initializer=GAMMA_INIT, name=name)


def _conv(filters, kernel, name, strides=1, use_bias=False, padding="same"):
    return keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=use_bias,
                               kernel_initializer=INIT, name=name)


def _log2_stages(size, what):
    n = int(round(math.log2(size / 4)))
    if size < 8 or 4 * 2**n != size:
        raise ValueError(f"StackGAN {what} must be 4·2^k ≥ 8; got {size}.")
    return n


def build_conditioning(embedding_dim, condition_dim, name):
    """Conditioning Augmentation: text embedding → (μ, log σ²), each `[B, condition_dim]`."""
    t = keras.Input((embedding_dim,), name="embeddings")
    x = keras.layers.Dense(2 * condition_dim, kernel_initializer=INIT, name="fc")(t)
    x = keras.layers.ReLU(name="relu")(x)  # the official CA_NET applies ReLU to both halves
    mu, logvar = x[:, :condition_dim], x[:, condition_dim:]
    return keras.Model(t, [mu, logvar], name=name)


class Reparameterize(keras.layers.Layer):
    """ĉ = μ + exp(½ log σ²) · ε, with ε given (float32 statistics)."""

    def call(self, mu, logvar, eps):
        mu, logvar, eps = (tf.cast(v, tf.float32) for v in (mu, logvar, eps))
        return tf.cast(mu + tf.exp(0.5 * logvar) * eps, self.compute_dtype)


def _up_block(x, filters, name):
    x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_up")(x)
    x = _conv(filters, 3, f"{name}_conv")(x)
    x = _bn(f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def build_stage1_generator(z_dim, embedding_dim, condition_dim, image_size, channels, gf_dim, name="stage1_generator"):
    """([z, ε] `[B, z_dim + condition_dim]`, text embedding) → Stage-I images. `gf_dim` is the config's GF_DIM (the
    4 × 4 map has gf_dim·8 channels)."""
    n = _log2_stages(image_size, "Stage-I image_size")
    ngf = gf_dim * 8
    latents = keras.Input((z_dim + condition_dim,), name="latents")
    t = keras.Input((embedding_dim,), name="embeddings")
    mu, logvar = build_conditioning(embedding_dim, condition_dim, "ca_net")(t)
    z, eps = latents[:, :z_dim], latents[:, z_dim:]
    c = Reparameterize(name="c_code")(mu, logvar, eps)
    x = keras.layers.Concatenate(name="z_c")([z, c])
    x = keras.layers.Dense(ngf * 16, use_bias=False, kernel_initializer=INIT, name="fc")(x)
    x = keras.layers.BatchNormalization(synchronized=True, momentum=0.9, epsilon=1e-5,
                                           gamma_initializer=GAMMA_INIT, name="fc_bn")(x)
    x = keras.layers.ReLU(name="fc_relu")(x)
    x = keras.layers.Reshape((4, 4, ngf), name="to_4x4")(x)
    filters = ngf
    for i in range(n):
        filters = max(filters // 2, 1)
        x = _up_block(x, filters, f"upsample{i + 1}")
    x = _conv(channels, 3, "img")(x)
    images = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model([latents, t], images, name=name)


def _residual_block(x, filters, name):
    h = _conv(filters, 3, f"{name}_conv1")(x)
    h = _bn(f"{name}_bn1")(h)
    h = keras.layers.ReLU()(h)
    h = _conv(filters, 3, f"{name}_conv2")(h)
    h = _bn(f"{name}_bn2")(h)
    return keras.layers.ReLU()(keras.layers.Add(name=f"{name}_add")([x, h]))


def build_stage2_network(embedding_dim, condition_dim, stage1_size, channels, gf_dim, residual_blocks,
                         name="stage2_generator"):
    """(Stage-I images, ε `[B, condition_dim]`, text embedding) → Stage-II images at 4 × `stage1_size`."""
    _log2_stages(stage1_size, "Stage-I image_size")
    ngf = gf_dim
    low = keras.Input((stage1_size, stage1_size, channels), name="stage1_images")
    eps = keras.Input((condition_dim,), name="eps")
    t = keras.Input((embedding_dim,), name="embeddings")
    x = _conv(ngf, 3, "encoder_conv1")(low)
    x = keras.layers.ReLU()(x)
    x = _conv(ngf * 2, 4, "encoder_conv2", strides=2)(x)
    x = _bn("encoder_bn2")(x)
    x = keras.layers.ReLU()(x)
    x = _conv(ngf * 4, 4, "encoder_conv3", strides=2)(x)
    x = _bn("encoder_bn3")(x)
    x = keras.layers.ReLU()(x)
    mu, logvar = build_conditioning(embedding_dim, condition_dim, "ca_net")(t)
    c = Reparameterize(name="c_code")(mu, logvar, eps)
    side = stage1_size // 4
    c = keras.layers.Reshape((1, 1, condition_dim))(c)
    c = keras.layers.UpSampling2D(side, name="replicate_c")(c)
    x = keras.layers.Concatenate(name="image_c")([x, c])
    x = _conv(ngf * 4, 3, "hr_joint_conv")(x)
    x = _bn("hr_joint_bn")(x)
    x = keras.layers.ReLU()(x)
    for i in range(residual_blocks):
        x = _residual_block(x, ngf * 4, f"residual{i + 1}")
    filters = ngf * 4
    for i in range(4):
        filters = max(filters // 2, 1)
        x = _up_block(x, filters, f"upsample{i + 1}")
    x = _conv(channels, 3, "img")(x)
    images = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model([low, eps, t], images, name=name)


def _conditional_logits(features, condition, filters, condition_dim, name):
    c = keras.layers.Reshape((1, 1, condition_dim))(condition)
    c = keras.layers.UpSampling2D(4, name=f"{name}_replicate")(c)
    x = keras.layers.Concatenate(name=f"{name}_concat")([features, c])
    x = _conv(filters, 3, f"{name}_conv")(x)
    x = _bn(f"{name}_bn")(x)
    x = keras.layers.LeakyReLU(0.2)(x)
    x = _conv(1, 4, f"{name}_logit", strides=4, use_bias=True, padding="valid")(x)
    return keras.layers.Flatten(dtype="float32", name=f"{name}_out")(x)


def build_discriminator(image_size, channels, condition_dim, df_dim, stage, name="discriminator"):
    """(images, μ `[B, condition_dim]`) → the conditional logit `[B, 1]` (Stage-I), or [conditional, unconditional]
    logits (Stage-II)."""
    n = _log2_stages(image_size, "image_size")
    images = keras.Input((image_size, image_size, channels), name="images")
    cond = keras.Input((condition_dim,), name="condition")
    x = images
    filters = df_dim
    for i in range(n):
        filters = df_dim * 2**i
        x = _conv(filters, 4, f"conv{i + 1}", strides=2)(x)
        if i > 0:
            x = _bn(f"bn{i + 1}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
    if stage == 2:
        for j in range(2):
            filters //= 2
            x = _conv(filters, 3, f"conv{n + j + 1}")(x)
            x = _bn(f"bn{n + j + 1}")(x)
            x = keras.layers.LeakyReLU(0.2)(x)
    conditional = _conditional_logits(x, cond, filters, condition_dim, "cond_logits")
    if stage == 1:
        return keras.Model([images, cond], conditional, name=name)
    unconditional = _conv(1, 4, "uncond_logits_logit", strides=4, use_bias=True, padding="valid")(x)
    unconditional = keras.layers.Flatten(dtype="float32", name="uncond_logits_out")(unconditional)
    return keras.Model([images, cond], [conditional, unconditional], name=name)
