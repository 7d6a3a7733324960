"""FUNIT's networks, layer by layer as the official NVlabs/FUNIT `FewShotGen` and `GPPatchMcResDis` (NHWC).

Generator (`FewShotGenerator`):

    content encoder: Conv7×7(nf) - IN - ReLU; n_downs_content × [Conv4×4 stride 2 (×2 filters) - IN - ReLU];
                     n_res_blks × ResBlock(IN)                                            (reflection padding)
    class encoder:   Conv7×7(nf) - ReLU; 2 × [Conv4×4 s2 (×2) - ReLU]; (n_downs_class − 2) × [Conv4×4 s2 - ReLU];
                     global average pool - Conv1×1(latent_dim)     → one code per image, averaged over the K images
    MLP:             Linear(nf_mlp) - ReLU; (n_mlp_blks − 2) × [Linear(nf_mlp) - ReLU]; Linear(AdaIN parameters)
    decoder:         n_res_blks × ResBlock(AdaIN); n_downs_content × [Upsample×2 (nearest) - Conv5×5 (/2) - IN -
                     ReLU]; Conv7×7(channels) - tanh

ResBlock: x + Norm(Conv3×3(ReLU(Norm(Conv3×3(x))))). IN is instance norm without affine parameters (ε 1e-5); AdaIN
normalizes each image's channels the same way and then scales and shifts them by the MLP's outputs, which are laid
out per AdaIN layer in decoder order as [shift (the official `bias`, `mean`) | scale (`weight`, `std`)].

Discriminator (`build_discriminator`): Conv7×7(nf); (n_res_blks/2 − 1) × [ActFirstResBlock(nf, nf),
ActFirstResBlock(nf, 2nf), ReflectionPad(1), AvgPool3×3 stride 2]; ActFirstResBlock(nf, nf), ActFirstResBlock(nf,
2nf) → features; LeakyReLU(0.2) - Conv1×1(num_classes) → one patch map per training class. ActFirstResBlock(fin,
fout): shortcut Conv1×1 without bias when fin ≠ fout, plus Conv3×3(LReLU(Conv3×3(LReLU(x)))), hidden min(fin, fout).
Filters are capped at 1024. Convolutions are Kaiming-normal (fan in), biases 0 (the official `init: kaiming`).
"""

from __future__ import annotations

import keras
import tensorflow as tf


def _kaiming():
    return keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal")


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ReflectPad(keras.layers.Layer):
    """Reflection padding of H and W by `padding` pixels (PyTorch's `nn.ReflectionPad2d`)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        grow = lambda d: None if d is None else d + 2 * self.padding  # noqa: E731
        return (n, grow(h), grow(w), c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class InstanceNorm(keras.layers.Layer):
    """Instance norm without affine parameters (biased variance, ε 1e-5), computed in float32."""

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, x):
        dtype = x.dtype
        x = tf.cast(x, tf.float32)
        mean, var = tf.nn.moments(x, axes=[1, 2], keepdims=True)
        return tf.cast((x - mean) * tf.math.rsqrt(var + self.epsilon), dtype)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class AdaptiveInstanceNorm(keras.layers.Layer):
    """Instance-normalizes `x` and applies a per-image scale and shift read from `params` at `offset`: shift =
    params[:, offset : offset + C], scale = params[:, offset + C : offset + 2C] (FUNIT's AdaIN layout). Inputs
    `[x, params]`."""

    def __init__(self, offset=0, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.offset = int(offset)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        x, params = inputs
        dtype = x.dtype
        c = x.shape[-1]
        x = tf.cast(x, tf.float32)
        params = tf.cast(params, tf.float32)
        mean, var = tf.nn.moments(x, axes=[1, 2], keepdims=True)
        shift = params[:, self.offset : self.offset + c][:, None, None, :]
        scale = params[:, self.offset + c : self.offset + 2 * c][:, None, None, :]
        return tf.cast((x - mean) * tf.math.rsqrt(var + self.epsilon) * scale + shift, dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "offset": self.offset, "epsilon": self.epsilon}


def _conv(x, filters, kernel, stride, padding, name, use_bias=True):
    if padding:
        x = ReflectPad(padding, name=f"{name}_pad")(x)
    return keras.layers.Conv2D(filters, kernel, stride, use_bias=use_bias, kernel_initializer=_kaiming(),
                               name=f"{name}_conv")(x)


def _conv_block(x, filters, kernel, stride, padding, name, norm=True, activation="relu"):
    x = _conv(x, filters, kernel, stride, padding, name)
    if norm:
        x = InstanceNorm(name=f"{name}_norm")(x)
    if activation == "relu":
        x = keras.layers.ReLU(name=f"{name}_relu")(x)
    return x


def build_content_encoder(image_size, channels, nf, n_downs, n_res_blks, name="content_encoder"):
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = _conv_block(x_in, nf, 7, 1, 3, "conv_in")
    dim = nf
    for i in range(n_downs):
        dim *= 2
        x = _conv_block(x, dim, 4, 2, 1, f"down{i + 1}")
    for b in range(n_res_blks):
        y = _conv_block(x, dim, 3, 1, 1, f"res{b + 1}_1")
        y = _conv_block(y, dim, 3, 1, 1, f"res{b + 1}_2", activation=None)
        x = keras.layers.Add(name=f"res{b + 1}_add")([x, y])
    return keras.Model(x_in, x, name=name)


def build_class_encoder(image_size, channels, nf, n_downs, latent_dim, name="class_encoder"):
    if n_downs < 2:
        raise ValueError(f"FUNIT's class encoder downsamples at least twice: n_downs_class must be >= 2, got "
                         f"{n_downs}.")
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = _conv_block(x_in, nf, 7, 1, 3, "conv_in", norm=False)
    dim = nf
    for i in range(n_downs):
        dim = dim * 2 if i < 2 else dim
        x = _conv_block(x, dim, 4, 2, 1, f"down{i + 1}", norm=False)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(latent_dim, kernel_initializer=_kaiming(), name="code")(x)
    return keras.Model(x_in, x, name=name)


def adain_parameter_count(content_dim, n_res_blks):
    """AdaIN parameters the decoder reads: shift and scale per channel, two AdaIN layers per residual block."""
    return 2 * content_dim * 2 * n_res_blks


def build_mlp(latent_dim, out_dim, nf_mlp, n_blks, name="mlp"):
    if n_blks < 2:
        raise ValueError(f"FUNIT's MLP has at least an input and an output layer: n_mlp_blks >= 2, got {n_blks}.")
    x_in = keras.Input((latent_dim,), name="class_code")
    x = x_in
    for i in range(n_blks - 1):
        x = keras.layers.Dense(nf_mlp, activation="relu", kernel_initializer=_kaiming(), name=f"fc{i + 1}")(x)
    x = keras.layers.Dense(out_dim, kernel_initializer=_kaiming(), name=f"fc{n_blks}")(x)
    return keras.Model(x_in, x, name=name)


def build_decoder(content_size, content_dim, channels, n_ups, n_res_blks, name="decoder"):
    x_in = keras.Input((content_size, content_size, content_dim), name="content_code")
    p_in = keras.Input((adain_parameter_count(content_dim, n_res_blks),), name="adain_params")
    x, dim, offset = x_in, content_dim, 0
    for b in range(n_res_blks):
        y = x
        for j in (1, 2):
            y = _conv(y, dim, 3, 1, 1, f"res{b + 1}_{j}")
            y = AdaptiveInstanceNorm(offset, name=f"res{b + 1}_{j}_adain")([y, p_in])
            offset += 2 * dim
            if j == 1:
                y = keras.layers.ReLU(name=f"res{b + 1}_{j}_relu")(y)
        x = keras.layers.Add(name=f"res{b + 1}_add")([x, y])
    for i in range(n_ups):
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up{i + 1}_upsample")(x)
        dim //= 2
        x = _conv_block(x, dim, 5, 1, 2, f"up{i + 1}")
    x = _conv(x, channels, 7, 1, 3, "conv_out")
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model([x_in, p_in], x, name=name)


class FewShotGenerator(keras.Model):
    """FUNIT's generator: `call((content_images [B, H, W, C], class_images [B, K, H, W, C]))` → `[B, H, W, C]`.
    The K class codes of each example are averaged (any K ≥ 1)."""

    def __init__(self, content_encoder, class_encoder, mlp, decoder, name="generator", **kwargs):
        super().__init__(name=name, **kwargs)
        self.content_encoder = content_encoder
        self.class_encoder = class_encoder
        self.mlp = mlp
        self.decoder = decoder
        self.built = True

    def class_code(self, class_images, training=False):
        """The averaged class code of `[B, K, H, W, C]` class images: `[B, latent_dim]`."""
        shape = tf.shape(class_images)
        flat = tf.reshape(class_images, tf.concat([[-1], shape[2:]], axis=0))
        codes = self.class_encoder(flat, training=training)
        codes = tf.reshape(codes, [shape[0], shape[1], codes.shape[-1]])
        return tf.reduce_mean(codes, axis=1)

    def decode(self, content_code, class_code, training=False):
        return self.decoder([content_code, self.mlp(class_code, training=training)], training=training)

    def call(self, inputs, training=False):
        content_images, class_images = inputs
        content = self.content_encoder(content_images, training=training)
        return self.decode(content, self.class_code(class_images, training=training), training=training)


def build_generator(image_size, channels, nf=64, n_res_blks=2, nf_mlp=256, latent_dim=64, n_mlp_blks=3,
                    n_downs_content=3, n_downs_class=4, name="generator"):
    if image_size % (2 ** n_downs_content) or image_size % (2 ** n_downs_class):
        raise ValueError(f"image_size {image_size} must be divisible by 2**n_downs_content and 2**n_downs_class "
                         f"({2 ** n_downs_content}, {2 ** n_downs_class}).")
    content = build_content_encoder(image_size, channels, nf, n_downs_content, n_res_blks, name=f"{name}_content")
    content_dim = nf * 2 ** n_downs_content
    klass = build_class_encoder(image_size, channels, nf, n_downs_class, latent_dim, name=f"{name}_class")
    mlp = build_mlp(latent_dim, adain_parameter_count(content_dim, n_res_blks), nf_mlp, n_mlp_blks,
                    name=f"{name}_mlp")
    decoder = build_decoder(image_size // 2 ** n_downs_content, content_dim, channels, n_downs_content, n_res_blks,
                            name=f"{name}_decoder")
    return FewShotGenerator(content, klass, mlp, decoder, name=name)


def _act_first_block(x, fin, fout, name):
    hidden = min(fin, fout)
    shortcut = x
    if fin != fout:
        shortcut = keras.layers.Conv2D(fout, 1, use_bias=False, kernel_initializer=_kaiming(),
                                       name=f"{name}_shortcut")(x)
    y = keras.layers.LeakyReLU(0.2, name=f"{name}_act0")(x)
    y = _conv(y, hidden, 3, 1, 1, f"{name}_0")
    y = keras.layers.LeakyReLU(0.2, name=f"{name}_act1")(y)
    y = _conv(y, fout, 3, 1, 1, f"{name}_1")
    return keras.layers.Add(name=f"{name}_add")([shortcut, y])


def build_discriminator(image_size, channels, num_classes, nf=64, n_res_blks=10, name="discriminator"):
    """The multi-task patch discriminator: image → (class maps [B, h, w, num_classes], features [B, h, w, F])."""
    if n_res_blks < 2 or n_res_blks % 2:
        raise ValueError(f"FUNIT's discriminator has pairs of residual blocks: d_res_blks must be even and >= 2, got "
                         f"{n_res_blks}.")
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = _conv(x_in, nf, 7, 1, 3, "conv_in")
    n_layers = n_res_blks // 2
    for i in range(n_layers - 1):
        out = min(nf * 2, 1024)
        x = _act_first_block(x, nf, nf, f"block{i + 1}a")
        x = _act_first_block(x, nf, out, f"block{i + 1}b")
        x = ReflectPad(1, name=f"pool{i + 1}_pad")(x)
        x = keras.layers.AveragePooling2D(3, 2, name=f"pool{i + 1}")(x)
        nf = out
    out = min(nf * 2, 1024)
    x = _act_first_block(x, nf, nf, f"block{n_layers}a")
    features = _act_first_block(x, nf, out, f"block{n_layers}b")
    y = keras.layers.LeakyReLU(0.2, name="classes_act")(features)
    y = keras.layers.Conv2D(num_classes, 1, kernel_initializer=_kaiming(), name="classes_conv")(y)
    y = keras.layers.Activation("linear", dtype="float32", name="class_maps")(y)
    return keras.Model(x_in, [y, features], name=name)
