"""Parts shared by the semantic-synthesis families (pix2pixHD, GauGAN): the label-map encoding their networks start
with, PyTorch-exact resampling and padding layers, and the multi-scale PatchGAN discriminator.

* `LabelMapEncoding`: int label map `[B, H, W]` (+ int instance map) → one-hot `[B, H, W, num_classes]` followed by
  pix2pixHD's instance **boundary map** (1 where a pixel's instance id differs from a 4-neighbour's, marked on both
  sides as the official `get_edges`). Computed inside the networks, so exported models take the int maps.
* `AvgPoolNoPad`: PyTorch's `AvgPool2d(3, stride=2, padding=1, count_include_pad=False)` (TensorFlow's 'same' pooling
  puts the odd pixel on the other side, so it is reproduced with explicit padding and a count of valid pixels).
* `build_multiscale_discriminator`: `num_d` PatchGANs over concat(label encoding, image) at full, ½, ¼... resolution,
  each returning every intermediate activation (for the feature-matching loss) and its logits. Convolutions are 4×4
  with padding 2, LeakyReLU 0.2, instance norm (no affine) on all but the first and the last; `spectral=True` wraps
  the normalized convolutions in spectral normalization and drops their bias (SPADE's 'spectralinstance').
  Layout as the official `NLayerDiscriminator`s: pix2pixHD's `n_layers` = SPADE's `n_layers_D` - 1 (pix2pixHD adds
  one stride-1 layer after its strided ones; SPADE makes its last loop layer stride 1).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.spectral import spectral_norm

INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class LabelMapEncoding(keras.layers.Layer):
    """One-hot label map (+ instance boundary map) from int maps: `call(labels[, instances])`."""

    def __init__(self, num_classes: int, use_instances: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.use_instances = bool(use_instances)

    def call(self, labels, instances=None):
        labels = tf.cast(labels, tf.int32)
        onehot = tf.one_hot(labels, self.num_classes, dtype=self.compute_dtype)
        if not self.use_instances:
            return onehot
        return tf.concat([onehot, tf.cast(instance_boundaries(instances)[..., None], self.compute_dtype)], axis=-1)

    def compute_output_shape(self, labels_shape, instances_shape=None):
        return tuple(labels_shape) + (self.num_classes + int(self.use_instances),)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "use_instances": self.use_instances}


def instance_boundaries(instances):
    """pix2pixHD's `get_edges`: bool `[B, H, W]`, True where a pixel's id differs from its right/left/lower/upper
    neighbour's."""
    t = tf.cast(instances, tf.int32)
    dx = tf.not_equal(t[:, :, 1:], t[:, :, :-1])
    dy = tf.not_equal(t[:, 1:, :], t[:, :-1, :])
    zx = tf.zeros_like(dx[:, :, :1])
    zy = tf.zeros_like(dy[:, :1, :])
    horizontal = tf.logical_or(tf.concat([zx, dx], 2), tf.concat([dx, zx], 2))
    vertical = tf.logical_or(tf.concat([zy, dy], 1), tf.concat([dy, zy], 1))
    return tf.logical_or(horizontal, vertical)


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ReflectionPad(keras.layers.Layer):
    """PyTorch's `nn.ReflectionPad2d(padding)` on NHWC tensors."""

    def __init__(self, padding: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, input_shape):
        grow = lambda d: None if d is None else d + 2 * self.padding  # noqa: E731
        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class AvgPoolNoPad(keras.layers.Layer):
    """PyTorch's `AvgPool2d(3, stride=2, padding=1, count_include_pad=False)`: output side ceil(side / 2)."""

    def call(self, x):
        padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
        total = tf.nn.avg_pool2d(padded, 3, 2, "VALID")
        ones = tf.pad(tf.ones_like(x[:1, :, :, :1]), [[0, 0], [1, 1], [1, 1], [0, 0]])
        count = tf.nn.avg_pool2d(ones, 3, 2, "VALID")
        return total / count

    def compute_output_shape(self, input_shape):
        half = lambda d: None if d is None else (d + 1) // 2  # noqa: E731
        return (input_shape[0], half(input_shape[1]), half(input_shape[2]), input_shape[3])


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class NearestDownsample(keras.layers.Layer):
    """PyTorch's `F.interpolate(x, size, mode='nearest')` for integer factors: every `factor`-th pixel from the top
    left (TensorFlow's nearest resize samples block centres instead)."""

    def __init__(self, factor_h: int = 1, factor_w: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.factor_h, self.factor_w = int(factor_h), int(factor_w)

    def call(self, x):
        return x[:, :: self.factor_h, :: self.factor_w, :]

    def compute_output_shape(self, input_shape):
        div = lambda d, f: None if d is None else -(-d // f)  # noqa: E731
        return (input_shape[0], div(input_shape[1], self.factor_h), div(input_shape[2], self.factor_w),
                input_shape[3])

    def get_config(self):
        return {**super().get_config(), "factor_h": self.factor_h, "factor_w": self.factor_w}


def instance_norm(name, affine=False):
    """PyTorch's `InstanceNorm2d(affine=False)` (eps 1e-5), the official default of both families."""
    return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=affine, scale=affine, name=name)


def label_inputs(image_shape, use_instances, prefix=""):
    """`keras.Input`s of the int label map (and the instance map when used): a list."""
    h, w = image_shape
    inputs = [keras.Input((h, w), dtype="int32", name=f"{prefix}labels")]
    if use_instances:
        inputs.append(keras.Input((h, w), dtype="int32", name=f"{prefix}instances"))
    return inputs


def encode_labels(inputs, num_classes, use_instances, name="label_encoding"):
    layer = LabelMapEncoding(num_classes, use_instances, name=name)
    return layer(inputs[0], inputs[1]) if use_instances else layer(inputs[0])


def _patch_gan(x, prefix, ndf, n_layers, layout, spectral):
    """One PatchGAN; returns [intermediate activations..., logits]."""
    if layout == "pix2pixhd":  # n_layers stride-2 convs (first without norm), then a stride-1 norm conv
        strides = [2] * n_layers + [1]
    else:  # SPADE: n_layers convs, all stride 2 but the last
        strides = [2] * (n_layers - 1) + [1]
    outputs, nf = [], ndf
    for i, stride in enumerate(strides):
        filters = ndf if i == 0 else min(nf * 2, 512)
        nf = filters
        normed = i > 0
        x = keras.layers.ZeroPadding2D(2, name=f"{prefix}_conv{i}_pad")(x)
        sn = normed and spectral  # spectral-norm convs: default init (see gaugan_networks._conv)
        conv = keras.layers.Conv2D(filters, 4, strides=stride, use_bias=not sn, name=f"{prefix}_conv{i}",
                                   kernel_initializer=PerCall(keras.initializers.GlorotUniform()) if sn else INIT)
        if normed and spectral:
            conv = spectral_norm(conv, name=f"{prefix}_conv{i}")
        x = conv(x)
        if normed:
            x = instance_norm(f"{prefix}_norm{i}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"{prefix}_lrelu{i}")(x)
        outputs.append(x)
    x = keras.layers.ZeroPadding2D(2, name=f"{prefix}_logits_pad")(x)
    x = keras.layers.Conv2D(1, 4, kernel_initializer=INIT, name=f"{prefix}_logits")(x)
    outputs.append(keras.layers.Activation("linear", dtype="float32", name=f"{prefix}_out")(x))
    return outputs


def build_multiscale_discriminator(num_classes, use_instances, channels, image_shape, ndf=64, n_layers=3, num_d=3,
                                   layout="pix2pixhd", spectral=False, name="discriminator"):
    """The multi-scale discriminator: inputs `[labels, (instances,) images]`; output a list with, per scale (full
    resolution first), the list of that PatchGAN's intermediate activations followed by its logits map."""
    if layout not in ("pix2pixhd", "spade"):
        raise ValueError(f"layout must be 'pix2pixhd' or 'spade', got {layout!r}.")
    inputs = label_inputs(image_shape, use_instances)
    images = keras.Input(tuple(image_shape) + (channels,), name="images")
    semantic = encode_labels(inputs, num_classes, use_instances)
    x = keras.layers.Concatenate(name="d_input")([semantic, keras.layers.Activation("linear", name="d_images")(images)])
    scales = []
    for s in range(num_d):
        if s > 0:
            x = AvgPoolNoPad(name=f"downsample{s}")(x)
        scales.append(_patch_gan(x, f"scale{s}", ndf, n_layers, layout, spectral))
    return keras.Model(inputs + [images], scales, name=name)
