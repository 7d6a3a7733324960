"""BigBiGAN networks (Donahue & Simonyan 2019).

* G: the BigGAN generator, unconditional: skip-z chunks alone condition every BN (no class embedding).
* E: a pre-activation (v2) bottleneck ResNet (ResNet-50: stages [3, 4, 6, 3], widths 64·[1, 2, 4, 8], ×4 expansion)
  on images resized to `encoder_image_size`, global average pooling, then an MLP to the mean and (softplus) scale
  of a Gaussian over z; `encode` uses the mean, training samples z = μ + σ·ε.
* D: F (the BigGAN discriminator trunk on x → pooled features → s_x), H (an MLP on z → features → s_z) and J (an MLP
  on [F(x), H(z)] → s_xz), all spectrally normalized; D outputs [s_x, s_z, s_xz].
"""

import keras
from keras import ops

from tfgan_zoo.layers.spectral import sn_dense
from tfgan_zoo.networks.resnet_gan import resnet_discriminator, resnet_generator


def build_generator(latent_dim, image_size, channels, base_channels, channel_mults, attention, init):
    return resnet_generator(
        latent_dim, image_size, channels, base_channels, channel_mults, num_classes=0, conditioning="shared",
        hierarchical=True, attention_resolutions=tuple(attention), sn=True, init=init,
    )


def _bn(name):
    return keras.layers.BatchNormalization(synchronized=True, momentum=0.9, epsilon=1e-5, name=name)


def _bottleneck_v2(x, width, stride, name):
    """Pre-activation bottleneck: BN-ReLU-1×1(width)-BN-ReLU-3×3(width, stride)-BN-ReLU-1×1(4·width)."""
    out = 4 * width
    pre = keras.layers.ReLU(name=f"{name}_preact_relu")(_bn(f"{name}_preact_bn")(x))
    if stride != 1 or x.shape[-1] != out:
        shortcut = keras.layers.Conv2D(out, 1, strides=stride, use_bias=False, name=f"{name}_sc")(pre)
    else:
        shortcut = x
    h = keras.layers.Conv2D(width, 1, use_bias=False, name=f"{name}_conv1")(pre)
    h = keras.layers.ReLU(name=f"{name}_relu1")(_bn(f"{name}_bn1")(h))
    h = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv2")(h)
    h = keras.layers.ReLU(name=f"{name}_relu2")(_bn(f"{name}_bn2")(h))
    h = keras.layers.Conv2D(out, 1, use_bias=False, name=f"{name}_conv3")(h)
    return keras.layers.Add(name=f"{name}_add")([shortcut, h])


def build_encoder(latent_dim, image_size, channels, encoder_image_size, base_width, stage_blocks, mlp_units,
                  mlp_layers, name="encoder"):
    """E: images `[B, H, W, C]` → `[B, 2·latent_dim]` = [μ, pre-softplus σ]; also exposes the pooled features."""
    images = keras.Input((image_size, image_size, channels), name="images")
    h = images
    if encoder_image_size != image_size:
        h = keras.layers.Resizing(encoder_image_size, encoder_image_size, interpolation="bilinear", name="resize")(h)
    stem_stride = 2 if encoder_image_size >= 64 else 1
    # no conv biases in E: every conv output reaches a batch norm (a bias there has zero gradient)
    h = keras.layers.Conv2D(base_width, 7 if stem_stride == 2 else 3, strides=stem_stride, padding="same",
                            use_bias=False, name="stem_conv")(h)
    if stem_stride == 2:
        h = keras.layers.MaxPooling2D(3, 2, padding="same", name="stem_pool")(h)
    for s, blocks in enumerate(stage_blocks):
        for b in range(blocks):
            stride = 2 if (b == 0 and s > 0) else 1
            h = _bottleneck_v2(h, base_width * 2**s, stride, f"stage{s + 1}_block{b + 1}")
    h = keras.layers.ReLU(name="post_relu")(_bn("post_bn")(h))
    features = keras.layers.GlobalAveragePooling2D(name="features")(h)
    m = features
    for i in range(mlp_layers):
        m = keras.layers.Dense(mlp_units, activation="relu", name=f"mlp{i + 1}")(m)
    out = keras.layers.Dense(2 * latent_dim, name="gaussian_params")(m)
    return keras.Model(images, [out, features], name=name)


def _sn_mlp(x, units, layers, name):
    """SN MLP with residual connections between equal-width layers."""
    h = sn_dense(units, f"{name}1")(x)
    for i in range(1, layers):
        nxt = sn_dense(units, f"{name}{i + 1}")(keras.layers.ReLU(name=f"{name}{i}_relu")(h))
        h = keras.layers.Add(name=f"{name}{i + 1}_skip")([h, nxt])
    return keras.layers.ReLU(name=f"{name}_out_relu")(h)


def build_discriminator(latent_dim, image_size, channels, base_channels, channel_mults, downsample, attention, init,
                        mlp_units, mlp_layers, name="discriminator"):
    """D(x, z) → `[B, 3]` = [s_x, s_z, s_xz]."""
    trunk = resnet_discriminator(
        image_size, channels, base_channels, channel_mults, downsample, num_classes=0,
        attention_resolutions=tuple(attention), sn=True, init=init, wide=True, name="f_trunk",
    )
    fx = trunk.get_layer("global_sum_pool").output  # F(x): pooled features before the linear head
    images = trunk.inputs[0]
    s_x = trunk.output
    z = keras.Input((latent_dim,), name="latents")
    hz = _sn_mlp(z, mlp_units, mlp_layers, "h_mlp")
    s_z = sn_dense(1, "h_score")(hz)
    joint = keras.layers.Concatenate(name="j_input")([fx, hz])
    hj = _sn_mlp(joint, mlp_units, mlp_layers, "j_mlp")
    s_xz = sn_dense(1, "j_score")(hj)
    scores = keras.layers.Concatenate(name="scores")([s_x, s_z, s_xz])
    return keras.Model([images, z], scores, name=name)


def split_gaussian(params, latent_dim):
    """[μ, pre-softplus σ] → (μ, σ = softplus + 1e-4)."""
    mean = params[:, :latent_dim]
    scale = ops.softplus(params[:, latent_dim:]) + 1e-4
    return mean, scale
