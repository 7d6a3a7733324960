"""InfoGAN's variational mutual-information bound (Chen et al. 2016, §5), as per-example losses.

For a latent code c fed to G and an auxiliary distribution Q(c | x) read off the discriminator's features,
    L_I(G, Q) = E_{c ~ P(c), x ~ G(z, c)}[log Q(c | x)] + H(c)  ≤  I(c; G(z, c)).
G and Q maximize L_I; H(c) is a constant, so the losses below are the per-example negative log-likelihoods
−log Q(c | x) that both minimize (times λ). `mutual_information_lower_bound` adds H(c) back for reporting.

* Categorical codes: Q is a softmax over the code's categories; −log Q is the cross-entropy.
* Continuous codes: Q is a factored Gaussian N(μ(x), σ(x)²) per dimension; −log Q is the Gaussian NLL.
  With `log_std=None` the standard deviation is fixed at 1 (the official MNIST code), which makes the loss
  ½‖c − μ‖² plus a constant.
"""

from __future__ import annotations

import math

import tensorflow as tf

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _f32(x):
    return tf.cast(x, tf.float32)


def categorical_information_loss(codes, logits):
    """−log Q(c | x) per example for one categorical code.

    Args:
        codes: int category ids `[B]`, or one-hot / probability vectors `[B, K]`.
        logits: Q's unnormalized log-probabilities `[B, K]`.
    Returns:
        `[B]` cross-entropies.
    """
    logits = _f32(logits)
    codes = tf.convert_to_tensor(codes)
    if codes.shape.rank == 1:
        if codes.dtype.is_floating:
            raise ValueError("categorical codes of rank 1 must be int class ids; pass one-hot vectors as [B, K].")
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(codes, tf.int32), logits=logits)
    if codes.shape.rank != 2 or (codes.shape[-1] is not None and logits.shape[-1] is not None
                                 and codes.shape[-1] != logits.shape[-1]):
        raise ValueError(f"categorical codes must be ids [B] or one-hot [B, K] matching logits {logits.shape}, "
                         f"got {codes.shape}.")
    return tf.nn.softmax_cross_entropy_with_logits(labels=_f32(codes), logits=logits)


def gaussian_information_loss(codes, mean, log_std=None):
    """−log Q(c | x) per example for continuous codes under a factored Gaussian Q, summed over code dimensions.

    Args:
        codes: `[B, D]` sampled code values.
        mean: Q's means `[B, D]`.
        log_std: Q's log standard deviations `[B, D]`, or None for a fixed σ = 1.
    Returns:
        `[B]` negative log-likelihoods (including the ½·log 2π normalizer, so the bound is a true bound).
    """
    codes, mean = _f32(codes), _f32(mean)
    if codes.shape.rank != 2 or codes.shape[-1] != mean.shape[-1]:
        raise ValueError(f"continuous codes [B, D] must match Q's means {mean.shape}, got {codes.shape}.")
    if log_std is None:
        nll = 0.5 * tf.square(codes - mean) + _HALF_LOG_2PI
    else:
        log_std = _f32(log_std)
        nll = 0.5 * tf.square((codes - mean) * tf.exp(-log_std)) + log_std + _HALF_LOG_2PI
    return tf.reduce_sum(nll, axis=-1)


def categorical_entropy(num_categories: int) -> float:
    """H(c) of a uniform categorical code: log K."""
    return math.log(num_categories)


def uniform_entropy(num_dims: int, low: float = -1.0, high: float = 1.0) -> float:
    """Differential entropy of a uniform code on [low, high]^D: D·log(high − low)."""
    return num_dims * math.log(high - low)


def mutual_information_lower_bound(negative_log_likelihood, code_entropy):
    """L_I = H(c) − E[−log Q(c | x)]: the per-example bound on I(c; G(z, c)) in nats."""
    return code_entropy - _f32(negative_log_likelihood)
