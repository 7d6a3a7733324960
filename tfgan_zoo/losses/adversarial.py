"""Adversarial losses as pure functions of discriminator outputs (logits, never probabilities).

Every function returns per-example values of shape `[B]` (non-batch axes, e.g. PatchGAN maps, are averaged);
`reduce_global_batch` turns them into the scalar that is differentiated.
"""

import tensorflow as tf

from tfgan_zoo.losses.reduction import per_example_mean


def _f32(x):
    return tf.cast(x, tf.float32)


def minimax_discriminator_loss(real_logits, fake_logits):
    """-[log D(x) + log(1 - D(G(z)))] (Goodfellow et al. 2014), with D = sigmoid(logits)."""
    return per_example_mean(tf.nn.softplus(-_f32(real_logits))) + per_example_mean(tf.nn.softplus(_f32(fake_logits)))


def minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))): the saturating generator objective of the original minimax game."""
    return -per_example_mean(tf.nn.softplus(_f32(fake_logits)))


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z)): the non-saturating generator loss (Goodfellow et al. 2014, §3)."""
    return per_example_mean(tf.nn.softplus(-_f32(fake_logits)))


def least_squares_discriminator_loss(real_outputs, fake_outputs, a=0.0, b=1.0):
    """½(D(x) - b)² + ½(D(G(z)) - a)² (Mao et al. 2017)."""
    return 0.5 * per_example_mean(tf.square(_f32(real_outputs) - b)) + 0.5 * per_example_mean(
        tf.square(_f32(fake_outputs) - a)
    )


def least_squares_generator_loss(fake_outputs, c=1.0):
    """½(D(G(z)) - c)² (Mao et al. 2017)."""
    return 0.5 * per_example_mean(tf.square(_f32(fake_outputs) - c))


def wasserstein_discriminator_loss(real_outputs, fake_outputs):
    """D(G(z)) - D(x): the critic maximises the Kantorovich-Rubinstein dual (Arjovsky et al. 2017)."""
    return per_example_mean(_f32(fake_outputs)) - per_example_mean(_f32(real_outputs))


def wasserstein_generator_loss(fake_outputs):
    """-D(G(z))."""
    return -per_example_mean(_f32(fake_outputs))


def hinge_discriminator_loss(real_outputs, fake_outputs):
    """max(0, 1 - D(x)) + max(0, 1 + D(G(z))) (Lim & Ye 2017; Miyato et al. 2018)."""
    return per_example_mean(tf.nn.relu(1.0 - _f32(real_outputs))) + per_example_mean(
        tf.nn.relu(1.0 + _f32(fake_outputs))
    )


def hinge_generator_loss(fake_outputs):
    """-D(G(z))."""
    return -per_example_mean(_f32(fake_outputs))


# name -> (discriminator loss, generator loss), for models whose loss is a constructor argument.
ADVERSARIAL_LOSSES = {
    "minimax": (minimax_discriminator_loss, minimax_generator_loss),
    "non_saturating": (minimax_discriminator_loss, non_saturating_generator_loss),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss),
    "wasserstein": (wasserstein_discriminator_loss, wasserstein_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
}


def get_adversarial_loss(name):
    """Returns `(discriminator_loss, generator_loss)` for a loss name, or raises listing the valid names."""
    if name not in ADVERSARIAL_LOSSES:
        raise ValueError(f"Unknown adversarial loss {name!r}; expected one of {sorted(ADVERSARIAL_LOSSES)}.")
    return ADVERSARIAL_LOSSES[name]
