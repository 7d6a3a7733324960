"""BigGAN's orthogonal regularization (Brock et al. 2019, §3.1)."""

import tensorflow as tf


def orthogonal_penalty(weights, beta=1e-4):
    """R_β(W) = β Σ_W ‖WᵀW ⊙ (1 − I)‖²_F: only the off-diagonal of the Gram matrix is penalized.

    Each kernel is viewed as a matrix `[fan_in, out]` (a conv kernel `[kh, kw, in, out]` → `[kh·kw·in, out]`), so
    the Gram matrix is over output filters, as in the official code. The value is computed with the smaller of
    the two Gram matrices (‖WᵀW‖_F = ‖WWᵀ‖_F, minus the squared diagonal), which is exact and keeps e.g. a
    20 → 24576 projection cheap.

    Args:
        weights: kernels (rank ≥ 2; rank < 2 are skipped, as BigGAN skips biases and gains).
        beta: strength (1e-4 in BigGAN).
    Returns:
        a float32 scalar.
    """
    total = tf.constant(0.0, tf.float32)
    for w in weights:
        if len(w.shape) < 2:
            continue
        m = tf.reshape(tf.cast(w, tf.float32), [-1, w.shape[-1]])
        fan_in, out = m.shape
        gram = tf.matmul(m, m, transpose_a=True) if out <= fan_in else tf.matmul(m, m, transpose_b=True)
        diag = tf.reduce_sum(tf.square(m), axis=0)  # ‖w_j‖² per output filter = diag(WᵀW)
        total += tf.reduce_sum(tf.square(gram)) - tf.reduce_sum(tf.square(diag))
    return beta * total


def biggan_orthogonal_penalty(weights, strength=1e-4):
    """BigGAN-PyTorch's orthogonal regularization (`utils.ortho`) as a loss term: half the paper's R_β.

    The official code does not differentiate R_β; it adds `strength · 2 (WWᵀ ⊙ (1 − I)) W` (W viewed as
    `[out, fan_in]`) straight to each weight's gradient. That is the gradient of `(strength / 2) ‖WWᵀ ⊙ (1 − I)‖²_F`,
    while the gradient of the paper's `β ‖WᵀW ⊙ (1 − I)‖²_F` is `4β (…)W`: at the same β the official code
    regularizes half as strongly. This term reproduces the official gradient exactly.

    Args:
        weights: kernels (rank < 2 are skipped).
        strength: the official `--G_ortho` value (1e-4 in the paper).
    Returns:
        a float32 scalar whose gradient is the official one.
    """
    return orthogonal_penalty(weights, beta=0.5 * strength)
