"""AC-GAN networks (Odena et al. 2016, appendix tables for ImageNet 128×128 and CIFAR-10 32×32).

Generator: [z, one_hot(c)] → Linear (as Dense(z) + Embedding(c)) to s×s×g_filters[0] (ReLU, no BN) → stride-2 5×5
transposed convs with BN and ReLU through g_filters[1:] → a stride-2 5×5 transposed conv to the image, tanh. The
tables give the Linear layer's channel count only; its spatial size s is what the stride-2 stack needs to reach the
image size (8×8 for 128×128 with four transposed convs, 4×4 for 32×32 with three).

Discriminator: 3×3 convs whose strides alternate 2, 1, 2, 1, ... (BN on all but the first, LeakyReLU 0.2, dropout
0.5 after each) → two linear heads on the flattened features: the source logit (real/fake) and the class logits.
Together they are the table's single "Linear, 1 + K outputs, soft-sigmoid" layer (same parameter count).
Weights ~ N(0, 0.02), biases 0 (the tables' initialisation).
"""

import keras

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.normalization import normalization
from tfgan_zoo.layers.random import ConsistentDropout

INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))


def start_size(image_size, g_filters):
    n = len(g_filters)
    size = image_size // 2**n
    if size < 1 or size * 2**n != image_size:
        raise ValueError(
            f"image_size {image_size} must be a multiple of 2^{n} (one doubling per transposed conv: "
            f"g_filters={list(g_filters)} gives {n}); change image_size or the number of g_filters."
        )
    return size


def build_generator(latent_dim, num_classes, image_size, channels, g_filters, kernel_size=5, name="generator"):
    z = keras.Input((latent_dim,), name="latents")
    y = keras.Input((), dtype="int32", name="labels")
    s = start_size(image_size, g_filters)
    units = s * s * g_filters[0]
    # Linear([z, one_hot(c)]) = W_z·z + b + W_c[c]: the class columns of the Linear layer are an embedding table.
    # Same function and parameter count; the lookup form keeps int8 TFLite exact for the one-hot part.
    hz = keras.layers.Dense(units, kernel_initializer=INIT, name="project")(z)
    hc = keras.layers.Embedding(num_classes, units, embeddings_initializer=INIT, name="project_class")(y)
    h = keras.layers.Add(name="join")([hz, hc])
    h = keras.layers.Reshape((s, s, g_filters[0]), name="reshape")(h)
    h = keras.layers.ReLU(name="project_relu")(h)
    for i, f in enumerate(g_filters[1:]):
        h = keras.layers.Conv2DTranspose(
            f, kernel_size, strides=2, padding="same", use_bias=False, kernel_initializer=INIT, name=f"up{i + 1}_conv"
        )(h)
        h = normalization("batch", f"up{i + 1}_norm")(h)
        h = keras.layers.ReLU(name=f"up{i + 1}_relu")(h)
    h = keras.layers.Conv2DTranspose(
        channels, kernel_size, strides=2, padding="same", kernel_initializer=INIT, name="to_image"
    )(h)
    out = keras.layers.Activation("tanh", dtype="float32", name="tanh")(h)
    return keras.Model([z, y], out, name=name)


def build_discriminator(num_classes, image_size, channels, d_filters, dropout=0.5, name="discriminator"):
    x_in = keras.Input((image_size, image_size, channels), name="images")
    h = x_in
    for i, f in enumerate(d_filters):
        stride = 2 if i % 2 == 0 else 1
        h = keras.layers.Conv2D(
            f, 3, strides=stride, padding="same", use_bias=(i == 0), kernel_initializer=INIT, name=f"conv{i + 1}"
        )(h)
        if i > 0:
            h = normalization("batch", f"conv{i + 1}_norm")(h)
        h = keras.layers.LeakyReLU(0.2, name=f"conv{i + 1}_lrelu")(h)
        if dropout:
            h = ConsistentDropout(dropout, name=f"conv{i + 1}_dropout")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    source = keras.layers.Dense(1, kernel_initializer=INIT, name="source_logits")(h)
    classes = keras.layers.Dense(num_classes, kernel_initializer=INIT, name="class_logits")(h)
    source = keras.layers.Activation("linear", dtype="float32", name="source")(source)
    classes = keras.layers.Activation("linear", dtype="float32", name="classes")(classes)
    return keras.Model(x_in, [source, classes], name=name)
