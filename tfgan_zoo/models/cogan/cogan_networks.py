"""CoGAN networks (Liu & Tuzel 2016): coupled generators that share their first layers and coupled discriminators
that share their last layers, as functional Keras models built from the same layer objects (a shared layer is one
set of variables).

Two architectures, both from the authors' Caffe code (mingyuliutw/CoGAN, `cogan/models/`):

* `digits` (`mnist.edge.cogan.train.ptt`, the paper's Table 1 digit net):
    G: z → dense 4×4×1024 → [BN, PReLU] → 3×3 stride-2 transposed convs 512, 256, 128 (each BN, PReLU) → per
       domain a 6×6 stride-1 transposed conv to the image (pad 1: 25 → 28), sigmoid. Layers 1–4 shared.
    D: per domain a 5×5 conv (20) → max-pool 2 → shared 5×5 conv (50) → max-pool 2 → dense 500, PReLU, dropout
       0.5 → dense 2 (softmax over {fake, real}). Layers 2–4 shared.
  At 28×28 the geometry is the paper's (4 → 7 → 13 → 25 → 28); at 4·2^k the stride-2 layers are 4×4 pad-1
  transposed convs (exact doublings, the face net's geometry) and the head a 3×3 pad-1 one (not in the paper).
* `faces` (`celeba.train.ptt`, 128×128):
    G: z → dense 4×4×1024 → 4×4 stride-2 transposed convs halving the channels up to the image size (512, 256, 128,
       64, 32 at 128²), each BN, PReLU → per domain a 3×3 transposed conv to the image, tanh.
    D: per domain a 5×5 stride-2 conv (32), BN, PReLU → shared 5×5 stride-2 convs (64, 128), 3×3 stride-2 convs
       (256, 512, 1024), each BN, PReLU, dropouts 0.1, 0.3, 0.3, 0.5 on the last four → dense 2048, BN, PReLU,
       dropout 0.5 → dense 2.
  The released face prototxt is a single GAN; the coupling (G's output layer and D's first layer per domain, the
  rest shared) follows the paper's rule for the digit nets and its description ("share the first layers of G and
  the last layers of D").

Caffe's BatchNorm has no scale and is followed by a learned `Bias` layer (Keras: `center=True, scale=False`); its
PReLU has one slope per channel. `reference="pytorch"` builds the digit net of the authors' PyTorch port
(`cogan_pytorch/src/net_cogan_mnistedge.py`) instead: a 4×4 transposed conv as the projection, BN without β, one
PReLU slope per layer, no dropout.

D's two softmax logits (l_fake, l_real) are returned as one logit l_real − l_fake: sigmoid(l_real − l_fake) is the
softmax's P(real), so a sigmoid cross-entropy on it equals the official softmax cross-entropy.
"""

from __future__ import annotations

import math

import keras
from keras import layers

REFERENCES = ("caffe", "pytorch")
ARCHITECTURES = ("digits", "faces")


def _check(architecture, reference, image_size):
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}.")
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}.")
    if reference == "pytorch" and architecture != "digits":
        raise ValueError("reference='pytorch' exists for the digit net only (the PyTorch port has no face net).")
    doublings = math.log2(image_size / 4) if image_size >= 8 else -1
    if not (architecture == "digits" and image_size == 28) and doublings != int(doublings):
        raise ValueError(f"image_size must be 4·2^k (or 28 for the digit net), got {image_size}.")


def _initializer(architecture):
    # Caffe's "msra" filler (fan-in He normal) in the digit net, "gaussian std 0.02" in the face net.
    return "he_normal" if architecture == "digits" else keras.initializers.RandomNormal(stddev=0.02)


def _norm_act(reference, name, dropout=0.0, flat=False):
    """BN (β, no γ; neither in the PyTorch port) then PReLU (per channel; one slope in the PyTorch port).

    Caffe's BatchNorm keeps an unbiased running average for inference; Keras keeps an EMA, here with momentum 0.9
    (PyTorch's 0.1), so short runs have usable inference statistics. Synchronized: global-batch statistics under a
    distribution strategy, as on one device."""
    out = [layers.BatchNormalization(center=reference != "pytorch", scale=False, momentum=0.9, epsilon=1e-5,
                                     synchronized=True, name=f"{name}_bn")]
    if flat:
        shared_axes = [1] if reference == "pytorch" else None
    else:
        shared_axes = [1, 2, 3] if reference == "pytorch" else [1, 2]
    out.append(layers.PReLU(shared_axes=shared_axes, name=f"{name}_prelu"))
    if dropout:
        out.append(layers.Dropout(dropout, name=f"{name}_dropout"))
    return out


def _apply(x, stack):
    for layer in stack:
        x = layer(x)
    return x


def build_generators(latent_dim, image_size, channels, g_filters, architecture, reference, output_activation):
    """`(generator_a, generator_b, joint)`: functional models z → image of A, z → image of B and z → [a, b], built
    from one set of layers (the trunk shared, the output layer one per domain)."""
    _check(architecture, reference, image_size)
    init = _initializer(architecture)
    top = 8 * g_filters
    trunk = []
    if reference == "pytorch":
        trunk += [layers.Reshape((1, 1, latent_dim), name="z_map"),
                  layers.Conv2DTranspose(top, 4, kernel_initializer=init, name="dconv0")]
    else:
        trunk += [layers.Dense(4 * 4 * top, kernel_initializer=init, name="dconv0"),
                  layers.Reshape((4, 4, top), name="dconv0_reshape")]
    trunk += _norm_act(reference, "dconv0")
    paper_digits = architecture == "digits" and image_size == 28
    n_up = 3 if paper_digits else int(round(math.log2(image_size / 4)))
    filters = top
    for i in range(1, n_up + 1):
        filters = max(filters // 2, 1)
        if paper_digits:  # Caffe/PyTorch k3 s2 p1: valid output 2n+1, cropped by the padding to 2n-1
            trunk += [layers.Conv2DTranspose(filters, 3, strides=2, kernel_initializer=init, name=f"dconv{i}"),
                      layers.Cropping2D(1, name=f"dconv{i}_pad")]
        else:  # k4 s2 p1: exactly 2n ('same')
            trunk.append(layers.Conv2DTranspose(filters, 4, strides=2, padding="same", kernel_initializer=init,
                                                name=f"dconv{i}"))
        trunk += _norm_act(reference, f"dconv{i}")

    def head(domain):
        name = f"dconv{n_up + 1}_{domain}"
        if paper_digits:  # k6 s1 p1: 25 + 5 - 2 = 28
            stack = [layers.Conv2DTranspose(channels, 6, kernel_initializer=init, name=name),
                     layers.Cropping2D(1, name=f"{name}_pad")]
        else:
            stack = [layers.Conv2DTranspose(channels, 3, padding="same", kernel_initializer=init, name=name)]
        if output_activation == "sigmoid":
            # the official sigmoid on [0, 1] images, mapped to the zoo's [-1, 1]: 2·sigmoid(x) − 1 (= tanh(x/2))
            stack += [layers.Activation("sigmoid", dtype="float32", name=f"{name}_sigmoid"),
                      layers.Rescaling(2.0, offset=-1.0, dtype="float32", name=f"{name}_out")]
        else:
            stack.append(layers.Activation("tanh", dtype="float32", name=f"{name}_out"))
        return stack

    z = keras.Input((latent_dim,), name="latents")
    h = _apply(z, trunk)
    a = _apply(h, head("a"))
    b = _apply(h, head("b"))
    return (keras.Model(z, a, name="generator_a"), keras.Model(z, b, name="generator_b"),
            keras.Model(z, [a, b], name="generator_pair"))


def build_discriminators(image_size, channels, d_filters, architecture, reference, dropout):
    """`(discriminator_a, discriminator_b)`: functional models image → logit (P(real) = sigmoid), built from one set
    of layers (the first layer one per domain, the rest shared)."""
    _check(architecture, reference, image_size)
    init = _initializer(architecture)
    if architecture == "digits":
        def first(domain):
            return [layers.Conv2D(d_filters, 5, kernel_initializer=init, name=f"conv0_{domain}"),
                    layers.MaxPooling2D(2, name=f"pool0_{domain}")]

        hidden = 25 * d_filters
        shared = [layers.Conv2D(5 * d_filters // 2, 5, kernel_initializer=init, name="conv1"),
                  layers.MaxPooling2D(2, name="pool1"),
                  layers.Flatten(name="flatten"),
                  layers.Dense(hidden, kernel_initializer=init, name="conv2"),
                  layers.PReLU(shared_axes=None if reference == "caffe" else [1], name="conv2_prelu")]
        if dropout:
            shared.append(layers.Dropout(0.5, name="conv2_dropout"))
    else:
        n_down = int(round(math.log2(image_size / 2)))
        rates = ([0.0] * max(n_down - 4, 0) + [0.1, 0.3, 0.3, 0.5])[-n_down:]

        def conv(i, name):
            k = 5 if i < 3 else 3
            return [layers.Conv2D(d_filters * 2**i, k, strides=2, padding="same", kernel_initializer=init,
                                  name=name)] + _norm_act(reference, name, rates[i] if dropout else 0)

        def first(domain):
            return conv(0, f"conv0_{domain}")

        shared = [layer for i in range(1, n_down) for layer in conv(i, f"conv{i}")]
        shared += [layers.Flatten(name="flatten"),
                   layers.Dense(d_filters * 2**n_down, kernel_initializer=init, name=f"conv{n_down}")]
        shared += _norm_act(reference, f"conv{n_down}", 0.5 if dropout else 0.0, flat=True)
    score = layers.Dense(2, kernel_initializer=init, dtype="float32", name="score")

    def build(domain):
        x = keras.Input((image_size, image_size, channels), name="images")
        s = score(_apply(_apply(x, first(domain)), shared))
        logit = s[:, 1:2] - s[:, 0:1]  # log P(real)/P(fake) of the two-way softmax
        return keras.Model(x, logit, name=f"discriminator_{domain}")

    return build("a"), build("b")
