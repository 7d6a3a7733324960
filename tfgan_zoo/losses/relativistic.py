"""The relativistic average GAN losses (Jolicoeur-Martineau 2018; ESRGAN's RaGAN), per example.

D_Ra(x_r, x_f) = σ(C(x_r) − E[C(x_f)]). The expectations are over the batch: pass them in (`global_batch_mean`
of the logits, so a multi-replica run uses the global batch as one device does).

    L_D = −E[log D_Ra(x_r, x_f)] − E[log(1 − D_Ra(x_f, x_r))]
    L_G = −E[log(1 − D_Ra(x_r, x_f))] − E[log D_Ra(x_f, x_r)]

Both are halved as in ESRGAN's official (BasicSR) code, so they read as the mean of the two cross-entropies.
"""

import tensorflow as tf

from tfgan_zoo.losses.reduction import per_example_mean


def relativistic_average_discriminator_loss(real_logits, fake_logits, real_mean, fake_mean):
    """Per-example ½[softplus(−(C(x_r) − E C(x_f))) + softplus(C(x_f) − E C(x_r))] (real_mean treated as given)."""
    real = per_example_mean(real_logits) - tf.cast(fake_mean, tf.float32)
    fake = per_example_mean(fake_logits) - tf.cast(real_mean, tf.float32)
    return 0.5 * (tf.nn.softplus(-real) + tf.nn.softplus(fake))


def relativistic_average_generator_loss(real_logits, fake_logits, real_mean, fake_mean):
    """Per-example ½[softplus(C(x_r) − E C(x_f)) + softplus(−(C(x_f) − E C(x_r)))]: the labels swapped."""
    real = per_example_mean(real_logits) - tf.cast(fake_mean, tf.float32)
    fake = per_example_mean(fake_logits) - tf.cast(real_mean, tf.float32)
    return 0.5 * (tf.nn.softplus(real) + tf.nn.softplus(-fake))
