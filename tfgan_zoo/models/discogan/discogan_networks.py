"""DiscoGAN's networks, after the official PyTorch code (SKTBrain/DiscoGAN, `discogan/model.py`, the `Generator`
without `extra_layers`, which `image_translation.py` uses, and the `Discriminator`).

Generator (encoder-decoder, no skips): four 4×4 stride-2 convolutions C(b) - C(2b) - C(4b) - C(8b), LeakyReLU 0.2,
batch norm on all but the first; four 4×4 stride-2 transposed convolutions T(4b) - T(2b) - T(b) - T(channels), batch
norm and ReLU on all but the last; no biases anywhere. 64 → 4 → 64 pixels in the paper.
Discriminator: the same four strided convolutions (batch norm on all but the first, LeakyReLU 0.2), then one
convolution over the remaining (image_size / 16)² map (4×4 at 64²) to a single logit; no biases. The official code
returns sigmoid(logit) for `BCELoss`; here the logit goes to the zoo's logit-based losses (the same loss).

Initialization is PyTorch's default, which the official code keeps: U(±1/√fan_in) for every kernel (fan_in as
PyTorch computes it, which for a transposed convolution counts its output channels, as Keras's does).
"""

import keras

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.normalization import normalization

TORCH_INIT = PerCall(keras.initializers.VarianceScaling(1.0 / 3.0, "fan_in", "uniform"))  # kaiming_uniform(a=√5)


def _check_size(image_size):
    if image_size < 16 or image_size % 16:
        raise ValueError(f"DiscoGAN's networks halve the image four times: image_size must be a multiple of 16 (64 "
                         f"in the paper), got {image_size}.")


def _encoder(x, base_filters, prefix):
    for i in range(4):
        x = keras.layers.Conv2D(base_filters * 2**i, 4, strides=2, padding="same", use_bias=False,
                                kernel_initializer=TORCH_INIT, name=f"{prefix}conv{i + 1}")(x)
        if i > 0:
            x = normalization("batch", f"{prefix}bn{i + 1}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"{prefix}lrelu{i + 1}")(x)
    return x


def build_generator(image_size, channels, base_filters=64, name="generator"):
    _check_size(image_size)
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = _encoder(x_in, base_filters, "enc_")
    for i, filters in enumerate((base_filters * 4, base_filters * 2, base_filters, channels)):
        x = keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
                                         kernel_initializer=TORCH_INIT, name=f"dec_deconv{i + 1}")(x)
        if i < 3:
            x = normalization("batch", f"dec_bn{i + 1}")(x)
            x = keras.layers.ReLU(name=f"dec_relu{i + 1}")(x)
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(x_in, x, name=name)


def build_discriminator(image_size, channels, base_filters=64, name="discriminator"):
    _check_size(image_size)
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = _encoder(x_in, base_filters, "")
    x = keras.layers.Conv2D(1, image_size // 16, use_bias=False, kernel_initializer=TORCH_INIT, name="conv5")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(x_in, x, name=name)
