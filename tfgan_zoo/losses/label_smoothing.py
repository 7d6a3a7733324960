"""One-sided label smoothing (Salimans et al. 2016, §3.4): D's real targets become α < 1, fake targets stay 0."""

import tensorflow as tf

from tfgan_zoo.losses.reduction import per_example_mean


def one_sided_smoothed_discriminator_loss(real_logits, fake_logits, real_target=0.9):
    """−[α log D(x) + (1 − α) log(1 − D(x))] − log(1 − D(G(z))) per example, D = sigmoid(logits).

    `real_target=1` is the ordinary minimax D loss. Only the real side is smoothed: smoothing the fake side too
    would reinforce G's samples where the data density is zero (the paper's argument).
    """
    if not 0.0 < real_target <= 1.0:
        raise ValueError(f"real_target must be in (0, 1], got {real_target}.")
    r = tf.cast(real_logits, tf.float32)
    f = tf.cast(fake_logits, tf.float32)
    real = real_target * tf.nn.softplus(-r) + (1.0 - real_target) * tf.nn.softplus(r)
    return per_example_mean(real) + per_example_mean(tf.nn.softplus(f))
