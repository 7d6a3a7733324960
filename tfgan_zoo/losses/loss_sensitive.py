"""Loss-Sensitive GAN objectives (Qi 2017, arXiv:1701.06264) and their generalization, GLS-GAN.

Not to be confused with the least-squares GAN (Mao et al. 2017; `least_squares_*` in `adversarial.py`): here the
"discriminator" is a learned, non-negative *loss function* L_θ(x) that must be smaller on real images than on
generated ones by a data-dependent margin Δ(x, G(z)):

    L_θ:  min_θ  γ·E_x L_θ(x) + E_{x,z} C_ν(Δ(x, G(z)) + L_θ(x) - L_θ(G(z)))
    G:    min_φ  E_z L_θ(G_φ(z))

C_ν(a) = max(a, ν·a) is the (leaky) rectifier of GLS-GAN: ν = 0 is LS-GAN's (·)_+ hinge, ν = 1 makes the
objective linear, i.e. WGAN's critic objective with f = -L_θ (the margin is then a constant). The paper writes the
L_θ objective as E L_θ(x) + λ·E(·)_+; the authors' code (guojunq/lsgan) divides through by λ and weights the first
term by γ = 1/λ, which it sets to 0 by default ("the theorem shows this term can be ignored"). Margins use the L1
distance between the paired real and generated images, scaled by τ (the code's `lambda`, 2e-4 for 64×64 RGB).

All functions return per-example values `[B]`; reduce with `reduce_global_batch`.
"""

from __future__ import annotations

import tensorflow as tf

from tfgan_zoo.losses.reduction import per_example_mean


def _f32(x):
    return tf.cast(x, tf.float32)


def generalized_rectifier(a, slope=0.0):
    """C_ν(a) = max(a, ν·a) for ν in [0, 1]: ν = 0 → (a)_+ (LS-GAN), ν = 1 → a (WGAN), between → leaky ReLU."""
    if not 0.0 <= slope <= 1.0:
        raise ValueError(f"The GLS-GAN slope ν must be in [0, 1] (0 = LS-GAN, 1 = WGAN), got {slope}.")
    a = _f32(a)
    return tf.maximum(a, slope * a)


def loss_sensitive_margin(real, fake, scale=1.0, norm="l1"):
    """Δ(x, G(z)) = τ·‖x - G(z)‖ per example (flattened), 'l1' (the paper's choice) or 'l2'.

    The margin is data-dependent but not differentiated: it is a target for L_θ, so gradients are stopped.
    """
    diff = tf.reshape(_f32(real) - _f32(fake), [tf.shape(real)[0], -1])
    if norm == "l1":
        dist = tf.reduce_sum(tf.abs(diff), axis=1)
    elif norm == "l2":
        dist = tf.sqrt(tf.reduce_sum(tf.square(diff), axis=1) + 1e-12)
    else:
        raise ValueError(f"Unknown margin norm {norm!r}; expected 'l1' or 'l2'.")
    return tf.stop_gradient(scale * dist)


def loss_sensitive_discriminator_loss(real_losses, fake_losses, margins, real_weight=0.0, slope=0.0):
    """The loss-function (θ) objective per example: γ·L_θ(x) + C_ν(Δ + L_θ(x) - L_θ(G(z))).

    Args:
        real_losses, fake_losses: L_θ on real and generated images (`[B]` or `[B, ...]`, averaged per example).
        margins: Δ(x, G(z)) per example (`loss_sensitive_margin`).
        real_weight: γ (= 1/λ of the paper's form); 0 in the authors' code.
        slope: ν of GLS-GAN (0 = LS-GAN, 1 = WGAN).
    """
    real_l, fake_l = per_example_mean(real_losses), per_example_mean(fake_losses)
    hinge = generalized_rectifier(_f32(margins) + real_l - fake_l, slope)
    return real_weight * real_l + hinge


def loss_sensitive_generator_loss(fake_losses):
    """E_z L_θ(G(z)): the generator minimizes the learned loss of its samples."""
    return per_example_mean(fake_losses)


def weight_decay_penalty(variables):
    """½·Σ‖w‖² over `variables` (kernels; the gradient is w, as Torch's `grad + decay·w` in the authors' code).

    A scalar (not per-example): add it once to the already-reduced loss, multiplied by the decay rate.
    """
    total = tf.constant(0.0, tf.float32)
    for v in variables:
        total += 0.5 * tf.reduce_sum(tf.square(tf.cast(v, tf.float32)))
    return total
