import math

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.losses.information import (
    categorical_entropy,
    categorical_information_loss,
    gaussian_information_loss,
    mutual_information_lower_bound,
    uniform_entropy,
)


def test_categorical_loss_is_negative_log_q_for_ids_and_one_hot():
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]], np.float32)
    ids = np.array([0, 2])
    log_q = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_q[np.arange(2), ids]
    np.testing.assert_allclose(categorical_information_loss(ids, logits).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(categorical_information_loss(np.eye(3)[ids], logits).numpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="int class ids"):
        categorical_information_loss(np.array([0.0, 1.0]), logits)


def test_gaussian_loss_is_the_factored_gaussian_nll():
    c = np.array([[0.5, -0.2]], np.float32)
    mu = np.array([[0.1, 0.3]], np.float32)
    log_std = np.array([[-0.5, 0.2]], np.float32)
    sigma = np.exp(log_std)
    expected = -np.sum(-0.5 * ((c - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))
    np.testing.assert_allclose(gaussian_information_loss(c, mu, log_std).numpy(), [expected], rtol=1e-5)
    fixed = gaussian_information_loss(c, mu).numpy()
    np.testing.assert_allclose(fixed, [np.sum(0.5 * (c - mu) ** 2 + 0.5 * np.log(2 * np.pi))], rtol=1e-6)
    with pytest.raises(ValueError, match="match"):
        gaussian_information_loss(c, mu[:, :1])


def test_bound_is_tight_for_a_perfect_q_and_zero_for_an_uninformed_one():
    k = 10
    ids = np.arange(k)
    perfect = categorical_information_loss(ids, 50.0 * np.eye(k, dtype=np.float32))
    uniform = categorical_information_loss(ids, np.zeros((k, k), np.float32))
    np.testing.assert_allclose(mutual_information_lower_bound(perfect, categorical_entropy(k)).numpy(), math.log(k),
                               atol=1e-5)  # = H(c) = I(c; x) when x determines c
    np.testing.assert_allclose(mutual_information_lower_bound(uniform, categorical_entropy(k)).numpy(), 0.0, atol=1e-6)
    assert uniform_entropy(2) == pytest.approx(2 * math.log(2))


def test_gradient_pushes_q_towards_the_code():
    logits = tf.Variable(np.zeros((1, 4), np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(categorical_information_loss(np.array([2]), logits))
    g = tape.gradient(loss, logits).numpy()[0]
    assert g[2] < 0 and (np.delete(g, 2) > 0).all()
