"""StarGAN's networks, layer by layer as the official code (yunjey/stargan `model.py`), which the converter
(`stargan_convert`) loads official checkpoints into.

Generator G(x, c): the label vector c is replicated over the image and concatenated to it as extra channels, then

    Conv7×7(ngf, stride 1, pad 3) - IN - ReLU
    2 × [Conv4×4 stride 2, pad 1 (2·ngf, 4·ngf) - IN - ReLU]
    repeat_num × ResidualBlock(4·ngf): x + [Conv3×3 - IN - ReLU - Conv3×3 - IN](x)
    2 × [ConvTranspose4×4 stride 2, pad 1 (2·ngf, ngf) - IN - ReLU]
    Conv7×7(channels, stride 1, pad 3) - Tanh

every convolution without bias; IN is instance norm with a learned scale and shift (`InstanceNorm2d(affine=True)`,
epsilon 1e-5). Discriminator: `repeat_num` × [Conv4×4 stride 2, pad 1 - LeakyReLU 0.01] (ndf doubling each time)
followed by two heads on the last feature map: D_src = Conv3×3(1, stride 1, pad 1, no bias), a PatchGAN map of
realness, and D_cls = Conv(k×k, no bias) with k = image_size / 2^repeat_num, the logits of the domain labels.
PyTorch's symmetric padding of the strided convolutions is explicit zero padding + 'valid' convolutions; the
transposed convolutions are 'same' (for stride 2 and kernel 4 TensorFlow crops one pixel on each side, as
PyTorch's padding 1).
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class SpatialLabels(keras.layers.Layer):
    """Labels `[B, L]` → `[B, size, size, L]`: each label replicated over every pixel (StarGAN's input)."""

    def __init__(self, size: int, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def call(self, labels):
        labels = keras.ops.cast(labels, self.compute_dtype)
        return keras.ops.tile(labels[:, None, None, :], [1, self.size, self.size, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def _instance_norm(name):
    return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=True, scale=True, name=name)


def build_generator(image_size: int = 128, channels: int = 3, label_dim: int = 5, conv_dim: int = 64,
                    repeat_num: int = 6, name: str = "generator"):
    """The official StarGAN generator as a functional Keras model: inputs `[images, labels]`, images in [-1, 1]."""
    if image_size % 4:
        raise ValueError(f"StarGAN's generator downsamples twice: image_size must be divisible by 4, got {image_size}.")
    images = keras.Input((image_size, image_size, channels), name="images")
    labels = keras.Input((label_dim,), name="labels")
    c = SpatialLabels(image_size, name="labels_spatial")(labels)
    x = keras.layers.Concatenate(name="image_and_labels")([images, c])
    x = keras.layers.Conv2D(conv_dim, 7, padding="same", use_bias=False, name="conv_in")(x)
    x = keras.layers.ReLU(name="relu_in")(_instance_norm("norm_in")(x))
    dim = conv_dim
    for i in range(2):
        dim *= 2
        x = keras.layers.ZeroPadding2D(1, name=f"down{i + 1}_pad")(x)
        x = keras.layers.Conv2D(dim, 4, strides=2, use_bias=False, name=f"down{i + 1}_conv")(x)
        x = keras.layers.ReLU(name=f"down{i + 1}_relu")(_instance_norm(f"down{i + 1}_norm")(x))
    for b in range(repeat_num):
        y = keras.layers.Conv2D(dim, 3, padding="same", use_bias=False, name=f"block{b + 1}_conv1")(x)
        y = keras.layers.ReLU(name=f"block{b + 1}_relu")(_instance_norm(f"block{b + 1}_norm1")(y))
        y = keras.layers.Conv2D(dim, 3, padding="same", use_bias=False, name=f"block{b + 1}_conv2")(y)
        y = _instance_norm(f"block{b + 1}_norm2")(y)
        x = keras.layers.Add(name=f"block{b + 1}_add")([x, y])
    for i in range(2):
        dim //= 2
        x = keras.layers.Conv2DTranspose(dim, 4, strides=2, padding="same", use_bias=False, name=f"up{i + 1}_conv")(x)
        x = keras.layers.ReLU(name=f"up{i + 1}_relu")(_instance_norm(f"up{i + 1}_norm")(x))
    x = keras.layers.Conv2D(channels, 7, padding="same", use_bias=False, name="conv_out")(x)
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model([images, labels], x, name=name)


def build_discriminator(image_size: int = 128, channels: int = 3, num_attributes: int = 5, conv_dim: int = 64,
                        repeat_num: int = 6, name: str = "discriminator"):
    """The official StarGAN discriminator: images → `[D_src map [B, s, s, 1], D_cls logits [B, num_attributes]]`."""
    if repeat_num < 1 or image_size % 2**repeat_num:
        raise ValueError(f"StarGAN's discriminator halves the image {repeat_num} times: image_size must be divisible "
                         f"by 2**d_repeat_num = {2 ** repeat_num}, got {image_size}.")
    images = keras.Input((image_size, image_size, channels), name="images")
    x = images
    dim = conv_dim
    for i in range(repeat_num):
        x = keras.layers.ZeroPadding2D(1, name=f"conv{i + 1}_pad")(x)
        x = keras.layers.Conv2D(dim, 4, strides=2, name=f"conv{i + 1}")(x)
        x = keras.layers.LeakyReLU(0.01, name=f"conv{i + 1}_lrelu")(x)
        dim *= 2
    kernel = image_size // 2**repeat_num
    src = keras.layers.Conv2D(1, 3, padding="same", use_bias=False, name="src_conv")(x)
    src = keras.layers.Activation("linear", dtype="float32", name="src")(src)
    cls = keras.layers.Conv2D(num_attributes, kernel, use_bias=False, name="cls_conv")(x)
    cls = keras.layers.Reshape((num_attributes,), name="cls_flat")(cls)
    cls = keras.layers.Activation("linear", dtype="float32", name="cls")(cls)
    return keras.Model(images, [src, cls], name=name)
