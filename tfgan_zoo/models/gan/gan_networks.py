"""Networks of the original GAN (Goodfellow et al. 2014; official pylearn2 MNIST config)."""

import keras

from tfgan_zoo.networks.mlp import image_head, logit_head, maxout_stack, relu_stack


def build_generator(latent_dim, image_size, channels, hidden_units, name="generator"):
    """z → ReLU MLP (`hidden_units`) → sigmoid image (mapped to [-1, 1])."""
    z = keras.Input((latent_dim,), name="latents")
    x = relu_stack(z, hidden_units, "hidden")
    return keras.Model(z, image_head(x, image_size, channels), name=name)


def build_discriminator(image_size, channels, maxout_units, maxout_pieces, dropout, input_dropout,
                        name="discriminator"):
    """image → maxout MLP with dropout → one logit."""
    x_in = keras.Input((image_size, image_size, channels), name="images")
    x = keras.layers.Flatten(name="flatten")(x_in)
    x = maxout_stack(x, maxout_units, maxout_pieces, "maxout", dropout=dropout, input_dropout=input_dropout)
    return keras.Model(x_in, logit_head(x), name=name)
