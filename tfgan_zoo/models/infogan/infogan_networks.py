"""InfoGAN networks (Chen et al. 2016, appendix Table 1, MNIST).

G: [z, c] → FC fc_units ReLU BN → FC (S/4)²·filters[1] ReLU BN → 4×4 stride-2 upconv filters[0] ReLU BN →
4×4 stride-2 upconv to the image (tanh: the zoo's [-1, 1] range; the paper's MNIST G ends in a sigmoid).
D / Q (shared trunk): 4×4 stride-2 conv filters[0] lReLU → 4×4 stride-2 conv filters[1] BN lReLU →
FC fc_units BN lReLU → D: FC 1 logit; Q: FC q_units BN lReLU → FC to the code parameters.
"""

import keras

from tfgan_zoo.layers.initializers import PerCall
from tfgan_zoo.layers.normalization import normalization

INIT = PerCall(keras.initializers.RandomNormal(0.0, 0.02))


def build_generator(latent_dim, image_size, channels, filters, fc_units, name="generator"):
    if image_size % 4:
        raise ValueError(f"InfoGAN's two stride-2 upconvs need image_size divisible by 4, got {image_size}.")
    s = image_size // 4
    z = keras.Input((latent_dim,), name="latents")
    h = keras.layers.Dense(fc_units, use_bias=False, kernel_initializer=INIT, name="fc1")(z)
    h = normalization("batch", "fc1_norm")(h)
    h = keras.layers.ReLU(name="fc1_relu")(h)
    h = keras.layers.Dense(s * s * filters[1], use_bias=False, kernel_initializer=INIT, name="fc2")(h)
    h = normalization("batch", "fc2_norm")(h)
    h = keras.layers.ReLU(name="fc2_relu")(h)
    h = keras.layers.Reshape((s, s, filters[1]), name="reshape")(h)
    h = keras.layers.Conv2DTranspose(
        filters[0], 4, strides=2, padding="same", use_bias=False, kernel_initializer=INIT, name="up1_conv"
    )(h)
    h = normalization("batch", "up1_norm")(h)
    h = keras.layers.ReLU(name="up1_relu")(h)
    h = keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same", kernel_initializer=INIT,
                                     name="to_image")(h)
    out = keras.layers.Activation("tanh", dtype="float32", name="tanh")(h)
    return keras.Model(z, out, name=name)


def build_discriminator(image_size, channels, filters, fc_units, q_units, num_categorical, num_continuous,
                        learn_continuous_std, name="discriminator"):
    """Returns a model x → {"logits": D's logit [B, 1], "categorical": Q's logits [B, ΣK], "continuous_mean":
    Q's means [B, D_c], "continuous_log_std": Q's log σ [B, D_c] (only when learned)}; absent codes are absent."""
    x_in = keras.Input((image_size, image_size, channels), name="images")
    h = keras.layers.Conv2D(filters[0], 4, strides=2, padding="same", kernel_initializer=INIT, name="conv1")(x_in)
    h = keras.layers.LeakyReLU(0.1, name="conv1_lrelu")(h)
    h = keras.layers.Conv2D(filters[1], 4, strides=2, padding="same", use_bias=False, kernel_initializer=INIT,
                            name="conv2")(h)
    h = normalization("batch", "conv2_norm")(h)
    h = keras.layers.LeakyReLU(0.1, name="conv2_lrelu")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(fc_units, use_bias=False, kernel_initializer=INIT, name="fc")(h)
    h = normalization("batch", "fc_norm")(h)
    trunk = keras.layers.LeakyReLU(0.1, name="fc_lrelu")(h)
    outputs = {"logits": keras.layers.Dense(1, kernel_initializer=INIT, dtype="float32", name="d_logit")(trunk)}
    q = keras.layers.Dense(q_units, use_bias=False, kernel_initializer=INIT, name="q_fc")(trunk)
    q = normalization("batch", "q_fc_norm")(q)
    q = keras.layers.LeakyReLU(0.1, name="q_fc_lrelu")(q)
    # Q's last FC, one Dense per kind of code parameter (together: one FC with ΣK + D_c (+ D_c) outputs).
    heads = {"categorical": num_categorical, "continuous_mean": num_continuous}
    if learn_continuous_std:
        heads["continuous_log_std"] = num_continuous
    for key, units in heads.items():
        if units:
            outputs[key] = keras.layers.Dense(units, kernel_initializer=INIT, dtype="float32", name=f"q_{key}")(q)
    return keras.Model(x_in, outputs, name=name)
