"""Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) ‖ p(y))), the pure function and a streaming metric.

Within one split, E_x KL(p(y|x) ‖ p̄) = E_x Σ_y p log p − Σ_y p̄ log p̄, with p̄ the mean prediction. The streaming
metric therefore only needs Σ_x Σ_y p log p, Σ_x p(y|x) and N: sums, which aggregate across replicas.
"""

from __future__ import annotations

import keras
import numpy as np
import scipy.special
import tensorflow as tf


def _probabilities(predictions, from_logits: bool) -> np.ndarray:
    p = np.asarray(predictions, np.float64)
    if p.ndim != 2:
        raise ValueError(f"predictions must be [num_samples, num_classes], got shape {p.shape}.")
    if from_logits:
        return scipy.special.softmax(p, axis=1)
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "predictions are not probability vectors (rows must be ≥ 0 and sum to 1); pass from_logits=True "
            "for logits."
        )
    return p / p.sum(axis=1, keepdims=True)


def inception_score(predictions, splits: int = 10, from_logits: bool = False) -> tuple[float, float]:
    """Inception Score of class predictions `[N, C]`: mean and std over `splits` consecutive splits.

    The published protocol uses 50,000 samples in 10 splits on the 2015-12-05 Inception graph's 1008-way
    softmax. Returns `(mean, std)`; with `splits=1`, std is 0.
    """
    p = _probabilities(predictions, from_logits)
    if splits < 1 or splits > len(p):
        raise ValueError(f"splits must be in [1, {len(p)}], got {splits}.")
    scores = []
    for part in np.array_split(p, splits):
        p_y = part.mean(axis=0)
        kl = scipy.special.xlogy(part, part).sum(axis=1) - scipy.special.xlogy(part, p_y[None, :]).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class InceptionScore(keras.metrics.Metric):
    """Streaming single-split Inception Score (float64 accumulators that sum across replicas).

    Args:
        num_classes: C (1008 for the 2015-12-05 Inception graph, 1000 for Keras InceptionV3, 10 for digits).
        from_logits: `update_state` receives logits (softmax is applied) rather than probabilities.
        classifier: optional in-graph callable images → `[B, C]` predictions.
    """

    def __init__(self, num_classes, from_logits=True, classifier=None, name="inception_score", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes = int(num_classes)
        self.from_logits = bool(from_logits)
        self.classifier = classifier
        self.prob_sum = self.add_variable((self.num_classes,), "zeros", dtype="float64", name="prob_sum")
        self.neg_entropy_sum = self.add_variable((), "zeros", dtype="float64", name="neg_entropy_sum")
        self.count = self.add_variable((), "zeros", dtype="float64", name="count")

    def update_state(self, predictions, sample_weight=None):
        if sample_weight is not None:
            raise ValueError("InceptionScore does not support sample_weight.")
        if self.classifier is not None:
            predictions = self.classifier(predictions)
        x = tf.reshape(tf.cast(tf.convert_to_tensor(predictions), tf.float64), [-1, self.num_classes])
        p = tf.nn.softmax(x, axis=1) if self.from_logits else x
        self.prob_sum.assign_add(tf.reduce_sum(p, axis=0))
        self.neg_entropy_sum.assign_add(tf.reduce_sum(tf.math.xlogy(p, p)))
        self.count.assign_add(tf.cast(tf.shape(p)[0], tf.float64))

    def result(self):
        n = tf.convert_to_tensor(self.count)
        p_y = tf.math.divide_no_nan(tf.convert_to_tensor(self.prob_sum), n)
        mean_kl = tf.math.divide_no_nan(tf.convert_to_tensor(self.neg_entropy_sum), n) - tf.reduce_sum(
            tf.math.xlogy(p_y, p_y)
        )
        return tf.exp(mean_kl)

    def get_config(self):
        return {"name": self.name, "num_classes": self.num_classes, "from_logits": self.from_logits}
