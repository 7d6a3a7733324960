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
