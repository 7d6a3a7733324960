"""Losses against closed-form values."""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import losses
from tfgan_zoo.layers.random import ConsistentDropout, consistent_random
from tfgan_zoo.training.distribute import mirrored_strategy

R = np.array([2.0, -1.0, 0.5], np.float32)
F = np.array([-0.5, 1.5, 0.0], np.float32)


def softplus(x):
    return np.log1p(np.exp(x))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_minimax_and_non_saturating():
    d = losses.minimax_discriminator_loss(R, F).numpy()
    np.testing.assert_allclose(d, -np.log(sigmoid(R)) - np.log(1 - sigmoid(F)), rtol=1e-5)
    np.testing.assert_allclose(losses.minimax_generator_loss(F).numpy(), np.log(1 - sigmoid(F)), rtol=1e-5)
    np.testing.assert_allclose(losses.non_saturating_generator_loss(F).numpy(), -np.log(sigmoid(F)), rtol=1e-5)
    # at D = 1/2 everywhere (logit 0) the discriminator loss is 2·log 2 (Goodfellow et al., Theorem 1)
    np.testing.assert_allclose(losses.minimax_discriminator_loss(np.zeros(2), np.zeros(2)).numpy(), 2 * np.log(2),
                               rtol=1e-6)


def test_least_squares_codes():
    np.testing.assert_allclose(
        losses.least_squares_discriminator_loss(R, F, a=-1.0, b=1.0).numpy(), 0.5 * (R - 1) ** 2 + 0.5 * (F + 1) ** 2
    )
    np.testing.assert_allclose(losses.least_squares_generator_loss(F, c=0.0).numpy(), 0.5 * F**2)


def test_wasserstein_and_hinge():
    np.testing.assert_allclose(losses.wasserstein_discriminator_loss(R, F).numpy(), F - R)
    np.testing.assert_allclose(losses.wasserstein_generator_loss(F).numpy(), -F)
    np.testing.assert_allclose(
        losses.hinge_discriminator_loss(R, F).numpy(), np.maximum(0, 1 - R) + np.maximum(0, 1 + F)
    )
    np.testing.assert_allclose(losses.hinge_generator_loss(F).numpy(), -F)


def test_patch_outputs_are_averaged_per_example():
    real = np.ones((2, 4, 4, 1), np.float32) * np.array([1.0, -1.0]).reshape(2, 1, 1, 1)
    out = losses.wasserstein_generator_loss(real).numpy()
    np.testing.assert_allclose(out, [-1.0, 1.0])


def test_l1_l2():
    a = np.zeros((2, 3, 3, 1), np.float32)
    b = np.ones((2, 3, 3, 1), np.float32) * np.array([1.0, 3.0]).reshape(2, 1, 1, 1)
    np.testing.assert_allclose(losses.l1_loss(a, b).numpy(), [1.0, 3.0])
    np.testing.assert_allclose(losses.l2_loss(a, b).numpy(), [1.0, 9.0])


def test_gradient_penalty_linear_critic_is_analytic_and_uses_per_example_alpha():
    w = np.array([[3.0], [4.0]], np.float32)  # ‖w‖ = 5
    critic = lambda x: tf.matmul(tf.reshape(x, [-1, 2]), w)  # noqa: E731
    real = np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32)
    fake = np.random.default_rng(1).normal(size=(4, 2)).astype(np.float32)
    alpha = np.array([0.0, 0.25, 0.5, 1.0], np.float32)
    gp = losses.gradient_penalty(critic, real, fake, alpha).numpy()
    np.testing.assert_allclose(gp, np.full(4, 16.0), rtol=1e-5)
    # interpolation uses one alpha per example
    x_hat = losses.interpolate(real, fake, alpha).numpy()
    np.testing.assert_allclose(x_hat[0], fake[0])
    np.testing.assert_allclose(x_hat[3], real[3])
    np.testing.assert_allclose(x_hat[1], 0.25 * real[1] + 0.75 * fake[1], rtol=1e-6)


def test_gradient_penalty_quadratic_critic_depends_on_alpha():
    critic = lambda x: tf.reduce_sum(tf.square(x), axis=1)  # ∇ = 2x  # noqa: E731
    real = np.array([[1.0, 0.0], [1.0, 0.0]], np.float32)
    fake = np.zeros((2, 2), np.float32)
    gp = losses.gradient_penalty(critic, real, fake, np.array([0.5, 1.0], np.float32)).numpy()
    np.testing.assert_allclose(gp, [(1.0 - 1.0) ** 2, (2.0 - 1.0) ** 2], atol=1e-5)
    # epsilon-safe norm: finite gradient at a zero-gradient point
    x = tf.Variable(np.zeros((1, 2), np.float32))
    with tf.GradientTape() as tape:
        p = losses.gradient_penalty(critic, x, x, np.ones(1, np.float32))
    assert np.isfinite(tape.gradient(p, x).numpy()).all()


def test_r1_penalty():
    critic = lambda x: tf.reduce_sum(3.0 * x, axis=1)  # noqa: E731
    r1 = losses.r1_penalty(critic, np.ones((2, 4), np.float32)).numpy()
    np.testing.assert_allclose(r1, [36.0, 36.0])


def test_reduce_global_batch_single_device_is_mean_and_rejects_rank2():
    np.testing.assert_allclose(losses.reduce_global_batch(tf.constant([1.0, 2.0, 3.0])).numpy(), 2.0)
    with pytest.raises(ValueError, match="rank 1"):
        losses.reduce_global_batch(tf.ones((2, 2)))


def test_reduce_global_batch_under_mirrored_sums_to_global_mean(two_cpus):
    strategy = mirrored_strategy(two_cpus)
    data = tf.data.Dataset.from_tensor_slices(np.arange(8, dtype=np.float32)).batch(8)
    dist = strategy.experimental_distribute_dataset(data)
    per_replica = strategy.run(losses.reduce_global_batch, args=(next(iter(dist)),))
    total = strategy.reduce("SUM", per_replica, axis=None).numpy()
    np.testing.assert_allclose(total, np.arange(8).mean())


def test_consistent_random_matches_single_device(two_cpus):
    import keras

    single = consistent_random("normal", [4, 3], keras.random.SeedGenerator(5)).numpy()
    strategy = mirrored_strategy(two_cpus)
    with strategy.scope():
        gen = keras.random.SeedGenerator(5)

    @tf.function
    def draw():
        return strategy.run(lambda: consistent_random("normal", [2, 3], gen))

    parts = strategy.experimental_local_results(draw())
    np.testing.assert_allclose(np.concatenate([p.numpy() for p in parts]), single, rtol=1e-6)


def test_consistent_dropout_rate_and_scaling():
    layer = ConsistentDropout(0.5, seed=1)
    x = np.ones((200, 50), np.float32)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.45 < (y == 0).mean() < 0.55
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    with pytest.raises(ValueError):
        ConsistentDropout(1.0)
