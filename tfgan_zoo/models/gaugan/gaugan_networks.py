"""GauGAN / SPADE networks (Park et al. 2019), layer by layer as the official NVlabs/SPADE `models/networks/`.

SPADE(x, m) (`spadesyncbatch3x3`): parameter-free synchronized batch norm of x (no γ/β of its own; Keras
`BatchNormalization(synchronized=True, center=False, scale=False)`), then `x̂ · (1 + γ(m)) + β(m)` with
`γ, β = Conv3×3(ReLU(Conv3×3_{nhidden=128}(m')))`, m' the label encoding resized (nearest, PyTorch's top-left
sampling) to x's resolution.

SPADEResnetBlock(fin → fout), fmiddle = min(fin, fout):
    dx = Conv3×3(LReLU(SPADE(Conv3×3(LReLU(SPADE(x))))))     (LeakyReLU 0.2, spectral norm on both convs)
    out = shortcut + dx, shortcut = x, or Conv1×1_no_bias(SPADE(x)) (spectral) when fin != fout.

SPADEGenerator (nf = ngf = 64, num_upsampling_layers 'normal' = 5 → a sw × sh = W/32 × H/32 start):
    z (VAE): Linear(z_dim=256 → 16nf·sh·sw), viewed as NCHW;  no VAE: Conv3×3(m' at sh × sw → 16nf)
    head_0 (16nf) - up - G_middle_0 (16nf) - [up if 'more'/'most'] - G_middle_1 (16nf) - up - up_0 (8nf) - up -
    up_1 (4nf) - up - up_2 (2nf) - up - up_3 (nf) - [up - up_4 (nf/2) if 'most'] - LReLU - Conv3×3(3) - Tanh
    ('up' = nearest ×2).

ConvEncoder (VAE, `spectralinstance`): the image resized (bilinear) to `encoder_size` (256) - 6 × [Conv3×3 stride 2,
padding 1, spectral, no bias - InstanceNorm - (LReLU before the next)] with ndf·(1, 2, 4, 8, 8, 8) filters -
LReLU - flatten (NCHW order) - Linear → μ (256) and Linear → log σ² (256).

Discriminator: `tfgan_zoo.networks.semantic.build_multiscale_discriminator(layout='spade', spectral=True)`, 2
scales, n_layers_D = 4.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.spectral import spectral_norm
from tfgan_zoo.networks.semantic import NearestDownsample, encode_labels, instance_norm, label_inputs

#: the official `init_type xavier` (xavier_normal_), gain 0.02
INIT = PerCall(keras.initializers.VarianceScaling(0.02**2, "fan_avg", "untruncated_normal"))
UPSAMPLINGS = {"normal": 5, "more": 6, "most": 7}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class SpadeModulation(keras.layers.Layer):
    """`x̂ · (1 + γ) + β`."""

    def call(self, normalized, gamma, beta):
        return normalized * (1.0 + gamma) + beta

    def compute_output_shape(self, normalized_shape, gamma_shape, beta_shape):
        return normalized_shape


def _conv(filters, kernel, name, sn=False, use_bias=True, strides=1):
    # Spectrally normalized convs keep the framework's default init: the official `init_weights` writes xavier
    # values into the *computed* `weight` of a spectral-norm module, not into `weight_orig`, so they keep
    # PyTorch's default; tiny (gain 0.02) weights would also underflow the power iteration in float16.
    layer = keras.layers.Conv2D(filters, kernel, strides=strides, padding="same" if strides == 1 else "valid",
                                use_bias=use_bias, kernel_initializer=PerCall(keras.initializers.GlorotUniform())
                                if sn else INIT, name=name)
    return spectral_norm(layer, name=name) if sn else layer


class _Segmaps:
    """The label encoding at each resolution the generator needs (computed once per resolution)."""

    def __init__(self, seg, image_shape):
        self.seg, self.shape, self.cache = seg, image_shape, {}

    def at(self, h, w):
        if (h, w) == tuple(self.shape):
            return self.seg
        if (h, w) not in self.cache:
            fh, fw = self.shape[0] // h, self.shape[1] // w
            self.cache[(h, w)] = NearestDownsample(fh, fw, name=f"seg_{h}x{w}")(self.seg)
        return self.cache[(h, w)]


def _spade(x, segmaps, hidden, name):
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    normalized = keras.layers.BatchNormalization(synchronized=True, center=False, scale=False, momentum=0.9,
                                                 epsilon=1e-5, name=f"{name}_bn")(x)
    actv = _conv(hidden, 3, f"{name}_shared")(segmaps.at(h, w))
    actv = keras.layers.ReLU(name=f"{name}_shared_relu")(actv)
    gamma = _conv(c, 3, f"{name}_gamma")(actv)
    beta = _conv(c, 3, f"{name}_beta")(actv)
    return SpadeModulation(name=f"{name}_mod")(normalized, gamma, beta)


def _lrelu(x, name):
    return keras.layers.LeakyReLU(0.2, name=name)(x)


def _spade_block(x, fout, segmaps, hidden, name):
    fin = x.shape[-1]
    fmiddle = min(fin, fout)
    if fin != fout:
        shortcut = _conv(fout, 1, f"{name}_conv_s", sn=True, use_bias=False)(_spade(x, segmaps, hidden,
                                                                                    f"{name}_norm_s"))
    else:
        shortcut = x
    dx = _conv(fmiddle, 3, f"{name}_conv_0", sn=True)(_lrelu(_spade(x, segmaps, hidden, f"{name}_norm_0"),
                                                             f"{name}_act_0"))
    dx = _conv(fout, 3, f"{name}_conv_1", sn=True)(_lrelu(_spade(dx, segmaps, hidden, f"{name}_norm_1"),
                                                          f"{name}_act_1"))
    return keras.layers.Add(name=f"{name}_add")([shortcut, dx])


def latent_size(image_shape, num_upsampling_layers):
    """(sh, sw): the generator's starting resolution (the official `compute_latent_vector_size`)."""
    if num_upsampling_layers not in UPSAMPLINGS:
        raise ValueError(f"num_upsampling_layers must be one of {sorted(UPSAMPLINGS)}, got {num_upsampling_layers!r}.")
    n = UPSAMPLINGS[num_upsampling_layers]
    h, w = image_shape
    sw = w // 2**n
    sh = round(sw / (w / h))
    if sw < 1 or sh < 1 or sh * 2**n != h or sw * 2**n != w:
        raise ValueError(f"The SPADE generator upsamples {n} times ('{num_upsampling_layers}'): height and width "
                         f"must be multiples of {2**n}; got {h}×{w}.")
    return sh, sw


def build_generator(num_classes, use_instances, channels, image_shape, ngf=64, z_dim=256, use_vae=True,
                    num_upsampling_layers="normal", spade_hidden=128, name="generator"):
    """Inputs `[labels, (instances,) (latents [B, z_dim] if use_vae)]`; output images in [-1, 1]."""
    sh, sw = latent_size(image_shape, num_upsampling_layers)
    inputs = label_inputs(image_shape, use_instances)
    seg = encode_labels(inputs, num_classes, use_instances)
    segmaps = _Segmaps(seg, image_shape)
    nf = ngf
    if use_vae:
        z = keras.Input((z_dim,), name="latents")
        inputs.append(z)
        x = keras.layers.Dense(16 * nf * sh * sw, kernel_initializer=INIT, name="fc")(z)
        x = keras.layers.Reshape((16 * nf, sh, sw), name="fc_view")(x)
        x = keras.layers.Permute((2, 3, 1), name="fc_nhwc")(x)
    else:
        x = _conv(16 * nf, 3, "fc")(segmaps.at(sh, sw))
    up = iter(range(100))

    def upsample(t):
        return keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up{next(up)}")(t)

    x = _spade_block(x, 16 * nf, segmaps, spade_hidden, "head_0")
    x = upsample(x)
    x = _spade_block(x, 16 * nf, segmaps, spade_hidden, "G_middle_0")
    if num_upsampling_layers in ("more", "most"):
        x = upsample(x)
    x = _spade_block(x, 16 * nf, segmaps, spade_hidden, "G_middle_1")
    for i, mult in enumerate((8, 4, 2, 1)):
        x = upsample(x)
        x = _spade_block(x, mult * nf, segmaps, spade_hidden, f"up_{i}")
    if num_upsampling_layers == "most":
        x = upsample(x)
        x = _spade_block(x, nf // 2, segmaps, spade_hidden, "up_4")
    x = _conv(channels, 3, "conv_img")(_lrelu(x, "act_img"))
    return keras.Model(inputs, keras.layers.Activation("tanh", dtype="float32", name="tanh")(x), name=name)


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class BilinearResize(keras.layers.Layer):
    """PyTorch's `F.interpolate(x, size, mode='bilinear', align_corners=False)` (no antialiasing)."""

    def __init__(self, size: int = 256, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def call(self, x):
        if x.shape[1] == self.size and x.shape[2] == self.size:
            return x
        return tf.cast(tf.image.resize(x, (self.size, self.size), method="bilinear"), x.dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def build_encoder(channels, image_shape, ngf=64, z_dim=256, encoder_size=256, name="encoder"):
    """The VAE style encoder: images → `[mu, logvar]`, each `[B, z_dim]`."""
    n_layers = int(math.log2(encoder_size)) - 2
    if 2 ** (n_layers + 2) != encoder_size or n_layers < 1:
        raise ValueError(f"encoder_size must be a power of two >= 8 (256 official), got {encoder_size}.")
    images = keras.Input(tuple(image_shape) + (channels,), name="images")
    x = BilinearResize(encoder_size, name="resize")(images)
    for i in range(n_layers):
        if i > 0:
            x = _lrelu(x, f"layer{i + 1}_act")
        x = keras.layers.ZeroPadding2D(1, name=f"layer{i + 1}_pad")(x)
        x = _conv(ngf * min(2**i, 8), 3, f"layer{i + 1}", sn=True, use_bias=False, strides=2)(x)
        x = instance_norm(f"layer{i + 1}_norm")(x)
    x = _lrelu(x, "act_out")
    x = keras.layers.Permute((3, 1, 2), name="nchw")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    mu = keras.layers.Dense(z_dim, kernel_initializer=INIT, name="fc_mu")(x)
    logvar = keras.layers.Dense(z_dim, kernel_initializer=INIT, name="fc_var")(x)
    mu = keras.layers.Activation("linear", dtype="float32", name="mu")(mu)
    logvar = keras.layers.Activation("linear", dtype="float32", name="logvar")(logvar)
    return keras.Model(images, [mu, logvar], name=name)
