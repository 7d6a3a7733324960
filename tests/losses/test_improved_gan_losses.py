import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.losses.feature_matching import feature_matching_loss, global_batch_mean
from tfgan_zoo.losses.historical_averaging import HistoricalAverage, historical_averaging_penalty
from tfgan_zoo.losses.label_smoothing import one_sided_smoothed_discriminator_loss
from tfgan_zoo.training.distribute import mirrored_strategy


def test_feature_matching_distances_and_gradient_only_to_the_fake_side():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(6, 5)).astype("float32")
    fake = tf.Variable(rng.normal(size=(6, 5)).astype("float32"))
    diff = real.mean(0) - fake.numpy().mean(0)
    assert float(feature_matching_loss(real, fake)) == pytest.approx(np.sum(diff ** 2), rel=1e-5)
    assert float(feature_matching_loss(real, fake, "mean_squares")) == pytest.approx(np.mean(diff ** 2), rel=1e-5)
    assert float(feature_matching_loss(real, fake, "mean_abs")) == pytest.approx(np.mean(np.abs(diff)), rel=1e-5)
    real_var = tf.Variable(real)
    with tf.GradientTape() as tape:
        loss = feature_matching_loss(real_var, fake)
    g_real, g_fake = tape.gradient(loss, [real_var, fake])
    assert g_real is None
    np.testing.assert_allclose(g_fake.numpy(), np.tile(-2 * diff / 6, (6, 1)), rtol=1e-5)
    with pytest.raises(ValueError, match="distance"):
        feature_matching_loss(real, fake, "l7")


def test_feature_matching_over_two_replicas_is_the_global_batch_loss(two_cpus):
    rng = np.random.default_rng(1)
    real = rng.normal(size=(8, 3)).astype("float32")
    w0 = rng.normal(size=(3, 3)).astype("float32")
    noise = rng.normal(size=(8, 3)).astype("float32")
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        single = feature_matching_loss(real, noise @ w)
    g_single = tape.gradient(single, w).numpy()
    strategy = mirrored_strategy(two_cpus)
    with strategy.scope():
        wd = tf.Variable(w0)

    @tf.function
    def step(batch):
        def fn(b):
            r, n = b
            with tf.GradientTape() as tape:
                loss = feature_matching_loss(r, tf.matmul(n, wd))
            return loss, tape.gradient(loss, wd), global_batch_mean(r)

        return strategy.run(fn, args=(batch,))

    dist = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices((real, noise)).batch(8))
    loss, grad, mean = step(next(iter(dist)))
    losses = [t.numpy() for t in strategy.experimental_local_results(loss)]
    assert sum(losses) == pytest.approx(float(single), rel=1e-5)
    for m in strategy.experimental_local_results(mean):
        np.testing.assert_allclose(m.numpy(), real.mean(0), rtol=1e-5)
    total = sum(g.numpy() for g in strategy.experimental_local_results(grad))
    np.testing.assert_allclose(total, g_single, rtol=1e-4, atol=1e-6)


def test_historical_average_is_the_mean_of_past_parameters():
    v = keras.Variable(np.array([1.0, 2.0], np.float32))
    history = HistoricalAverage([v])
    seen = [v.numpy().copy()]
    for value in ([3.0, 0.0], [5.0, 4.0]):
        v.assign(value)
        history.update()
        seen.append(np.array(value))
    np.testing.assert_allclose(history.averages[0].numpy(), np.mean(seen, axis=0), rtol=1e-6)
    expected = np.sum((v.numpy() - np.mean(seen, axis=0)) ** 2)
    assert float(history.penalty()) == pytest.approx(expected, rel=1e-6)
    with tf.GradientTape() as tape:
        p = historical_averaging_penalty([v], history.averages)
    np.testing.assert_allclose(tape.gradient(p, v).numpy(), 2 * (v.numpy() - np.mean(seen, axis=0)), rtol=1e-5)
    with pytest.raises(ValueError, match="averages"):
        historical_averaging_penalty([v], [])


def test_one_sided_label_smoothing():
    r = np.array([[2.0], [-1.0]], np.float32)
    f = np.array([[0.5], [-3.0]], np.float32)
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    expected = -(0.9 * np.log(sig(r)) + 0.1 * np.log(1 - sig(r)))[:, 0] - np.log(1 - sig(f))[:, 0]
    np.testing.assert_allclose(one_sided_smoothed_discriminator_loss(r, f, 0.9).numpy(), expected, rtol=1e-5)
    plain = -(np.log(sig(r)) + np.log(1 - sig(f)))[:, 0]
    np.testing.assert_allclose(one_sided_smoothed_discriminator_loss(r, f, 1.0).numpy(), plain, rtol=1e-5)
    with pytest.raises(ValueError, match="real_target"):
        one_sided_smoothed_discriminator_loss(r, f, 0.0)
