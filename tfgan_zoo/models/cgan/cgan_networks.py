"""Networks of the conditional GAN (Mirza & Osindero 2014, MNIST setup)."""

import keras

from tfgan_zoo.layers.maxout import Maxout
from tfgan_zoo.layers.random import ConsistentDropout
from tfgan_zoo.networks.mlp import image_head, logit_head


def _one_hot(labels, num_classes):
    return keras.layers.CategoryEncoding(num_tokens=num_classes, output_mode="one_hot", name="one_hot")(labels)


def build_generator(latent_dim, num_classes, image_size, channels, z_units, y_units, joint_units, dropout,
                    name="generator"):
    """z → ReLU(z_units); y → ReLU(y_units); concat → ReLU(joint_units) → sigmoid image."""
    z = keras.Input((latent_dim,), name="latents")
    y = keras.Input((), dtype="int32", name="labels")
    hz = keras.layers.Dense(z_units, activation="relu", name="z_hidden")(z)
    hy = keras.layers.Dense(y_units, activation="relu", name="y_hidden")(_one_hot(y, num_classes))
    h = keras.layers.Concatenate(name="join")([hz, hy])
    h = keras.layers.Dense(joint_units, activation="relu", name="joint_hidden")(h)
    if dropout:
        h = ConsistentDropout(dropout, name="joint_dropout")(h)
    return keras.Model([z, y], image_head(h, image_size, channels), name=name)


def build_discriminator(num_classes, image_size, channels, x_units, y_units, joint_units, x_pieces, joint_pieces,
                        dropout, name="discriminator"):
    """x → maxout(x_units); y → maxout(y_units); concat → maxout(joint_units) → logit."""
    x_in = keras.Input((image_size, image_size, channels), name="images")
    y = keras.Input((), dtype="int32", name="labels")
    hx = Maxout(x_units, x_pieces, name="x_maxout")(keras.layers.Flatten(name="flatten")(x_in))
    hy = Maxout(y_units, x_pieces, name="y_maxout")(_one_hot(y, num_classes))
    h = keras.layers.Concatenate(name="join")([hx, hy])
    if dropout:
        h = ConsistentDropout(dropout, name="join_dropout")(h)
    h = Maxout(joint_units, joint_pieces, name="joint_maxout")(h)
    if dropout:
        h = ConsistentDropout(dropout, name="joint_dropout")(h)
    return keras.Model([x_in, y], logit_head(h), name=name)
