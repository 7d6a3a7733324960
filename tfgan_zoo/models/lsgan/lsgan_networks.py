"""LSGAN networks (Mao et al. 2017, Fig. 3: the LSUN 112×112 architecture).

G: z → fc (s×s×4b) → [deconv3×3 4b s2, deconv3×3 4b s1] ×2 → deconv 2b s2 → deconv b s2 → deconv C s1 → tanh,
with s = image_size/16 and b = base_filters (64 in the paper). D: conv5×5 b, 2b, 4b, 8b (stride 2, BN after the
first, LeakyReLU 0.2) → fc → one linear output.
"""

import keras

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.normalization import normalization

INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))


def build_generator(latent_dim, image_size, channels, base_filters, name="generator"):
    if image_size % 16:
        raise ValueError(f"LSGAN's generator upsamples 16×: image_size must be a multiple of 16, got {image_size}.")
    s = image_size // 16
    b = base_filters
    z = keras.Input((latent_dim,), name="latents")
    x = keras.layers.Dense(s * s * 4 * b, use_bias=False, kernel_initializer=INIT, name="project")(z)
    x = keras.layers.Reshape((s, s, 4 * b), name="reshape")(x)
    x = keras.layers.ReLU(name="project_relu")(normalization("batch", "project_norm")(x))
    layers = [(4 * b, 2), (4 * b, 1), (4 * b, 2), (4 * b, 1), (2 * b, 2), (b, 2)]
    for i, (filters, stride) in enumerate(layers):
        x = keras.layers.Conv2DTranspose(
            filters, 3, strides=stride, padding="same", use_bias=False, kernel_initializer=INIT,
            name=f"deconv{i + 1}",
        )(x)
        x = keras.layers.ReLU(name=f"deconv{i + 1}_relu")(normalization("batch", f"deconv{i + 1}_norm")(x))
    x = keras.layers.Conv2DTranspose(channels, 3, padding="same", kernel_initializer=INIT, name="to_image")(x)
    x = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, x, name=name)


def build_discriminator(image_size, channels, base_filters, name="discriminator"):
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = x_in
    for i, mult in enumerate((1, 2, 4, 8)):
        x = keras.layers.Conv2D(
            base_filters * mult, 5, strides=2, padding="same", use_bias=(i == 0), kernel_initializer=INIT,
            name=f"conv{i + 1}",
        )(x)
        if i > 0:
            x = normalization("batch", f"conv{i + 1}_norm")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"conv{i + 1}_lrelu")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(1, kernel_initializer=INIT, name="fc")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="outputs")(x)
    return keras.Model(x_in, x, name=name)
