"""CycleGAN's networks: the ResNet generator (Johnson et al. 2016 as used by Zhu et al. 2017) and the 70×70
PatchGAN discriminator (`tfgan_zoo.networks.translation.build_image_patch_discriminator`).

The generator, layer by layer as in the official `ResnetGenerator` (`--netG resnet_9blocks` / `resnet_6blocks`), which
the converter (`cyclegan_convert`) loads official PyTorch checkpoints into:

    ReflectionPad(3) - Conv7×7(ngf) - Norm - ReLU
    2 × [Conv3×3 stride 2, padding 1 (2·ngf, 4·ngf) - Norm - ReLU]
    n_blocks × ResnetBlock(4·ngf): x + [ReflectionPad(1) - Conv3×3 - Norm - ReLU - ReflectionPad(1) - Conv3×3 - Norm](x)
    2 × [ConvTranspose3×3 stride 2, padding 1, output_padding 1 (2·ngf, ngf) - Norm - ReLU]
    ReflectionPad(3) - Conv7×7(out) - Tanh

Norm is instance norm without affine parameters (the official default for CycleGAN: GroupNormalization with one
group per channel, epsilon 1e-5, no scale/shift; `affine=True` adds them for checkpoints trained with affine instance
norm) or batch norm (moving statistics at inference). Convolutions have biases only with instance norm, as in the
official code. PyTorch's symmetric
padding of the strided convolutions is reproduced with explicit zero padding + 'valid' convolutions, and the
transposed convolutions with 'valid' + a one-pixel crop at the top/left, because TensorFlow's 'same' padding puts
the odd pixel on the other side.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class ReflectionPadding2D(keras.layers.Layer):
    """Reflection padding of H and W by `padding` pixels on every side (PyTorch's `nn.ReflectionPad2d`)."""

    def __init__(self, padding: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return keras.ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        grow = lambda d: None if d is None else d + 2 * self.padding  # noqa: E731
        return (n, grow(h), grow(w), c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def _init():
    """N(0, 0.02) for every convolution (the official `init_type normal`, gain 0.02); a new initializer per layer so
    each draws its own values from Keras' global seed."""
    return keras.initializers.RandomNormal(0.0, 0.02)


def _norm(kind, name, affine=False):
    if kind == "batch":
        return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=affine, scale=affine, name=name)
    raise ValueError(f"norm must be 'instance' or 'batch', got {kind!r}.")


def build_resnet_generator(in_channels: int = 3, out_channels: int = 3, ngf: int = 64, n_blocks: int = 9,
                           norm: str = "instance", image_size: int | None = None, name: str = "resnet_generator",
                           affine: bool = False):
    """The official CycleGAN ResNet generator as a functional Keras model (NHWC, images in [-1, 1]).

    Args:
        in_channels, out_channels: image channels (3 and 3).
        ngf: filters of the first convolution (64).
        n_blocks: residual blocks (9 for 256×256 `resnet_9blocks`, 6 for 128×128).
        norm: 'instance' (official CycleGAN) or 'batch'.
        image_size: fixed input side, or None for any size divisible by 4.
        affine: instance norm with a learned scale and shift (official: False).
    """
    if image_size is not None and image_size % 4:
        raise ValueError(
            f"The ResNet generator downsamples twice; image_size must be divisible by 4, got {image_size}.")
    bias = norm == "instance"
    x_in = keras.Input((image_size, image_size, in_channels), name="images")
    x = ReflectionPadding2D(3, name="pad_in")(x_in)
    x = keras.layers.Conv2D(ngf, 7, use_bias=bias, kernel_initializer=_init(), name="conv_in")(x)
    x = keras.layers.ReLU(name="relu_in")(_norm(norm, "norm_in", affine)(x))
    for i in range(2):
        x = keras.layers.ZeroPadding2D(1, name=f"down{i + 1}_pad")(x)
        x = keras.layers.Conv2D(ngf * 2 ** (i + 1), 3, strides=2, use_bias=bias, kernel_initializer=_init(),
                                name=f"down{i + 1}_conv")(x)
        x = keras.layers.ReLU(name=f"down{i + 1}_relu")(_norm(norm, f"down{i + 1}_norm", affine)(x))
    dim = ngf * 4
    for b in range(n_blocks):
        y = ReflectionPadding2D(1, name=f"block{b + 1}_pad1")(x)
        y = keras.layers.Conv2D(dim, 3, use_bias=bias, kernel_initializer=_init(), name=f"block{b + 1}_conv1")(y)
        y = keras.layers.ReLU(name=f"block{b + 1}_relu")(_norm(norm, f"block{b + 1}_norm1", affine)(y))
        y = ReflectionPadding2D(1, name=f"block{b + 1}_pad2")(y)
        y = keras.layers.Conv2D(dim, 3, use_bias=bias, kernel_initializer=_init(), name=f"block{b + 1}_conv2")(y)
        y = _norm(norm, f"block{b + 1}_norm2", affine)(y)
        x = keras.layers.Add(name=f"block{b + 1}_add")([x, y])
    for i in range(2):
        x = keras.layers.Conv2DTranspose(ngf * 2 ** (1 - i), 3, strides=2, padding="valid", use_bias=bias,
                                         kernel_initializer=_init(), name=f"up{i + 1}_conv")(x)
        x = keras.layers.Cropping2D(((1, 0), (1, 0)), name=f"up{i + 1}_crop")(x)
        x = keras.layers.ReLU(name=f"up{i + 1}_relu")(_norm(norm, f"up{i + 1}_norm", affine)(x))
    x = ReflectionPadding2D(3, name="pad_out")(x)
    x = keras.layers.Conv2D(out_channels, 7, kernel_initializer=_init(), name="conv_out")(x)
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(x_in, x, name=name)
