import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.layers.minibatch_discrimination import MinibatchDiscrimination
from tfgan_zoo.training.distribute import mirrored_strategy


def _reference(x, t, kernels, dim, exclude_self=True):
    m = (x @ t).reshape(len(x), kernels, dim)
    l1 = np.abs(m[:, None] - m[None]).sum(-1)
    o = np.exp(-l1).sum(axis=1) - (1.0 if exclude_self else 0.0)
    return np.concatenate([x, o], axis=1)


def test_matches_the_papers_formula():
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    layer = MinibatchDiscrimination(3, 2)
    y = layer(x).numpy()
    assert y.shape == (6, 7)
    np.testing.assert_allclose(y, _reference(x, layer.kernel.numpy(), 3, 2), rtol=1e-5, atol=1e-6)
    incl = MinibatchDiscrimination(3, 2, exclude_self=False)
    incl.build((None, 4))
    incl.kernel.assign(layer.kernel)
    np.testing.assert_allclose(incl(x).numpy()[:, 4:], y[:, 4:] + 1.0, rtol=1e-5)


def test_collapsed_batch_is_flagged():
    layer = MinibatchDiscrimination(5, 3, stddev=1.0)
    same = np.repeat(np.ones((1, 8), np.float32), 4, axis=0)
    spread = np.random.default_rng(1).normal(0, 10, (4, 8)).astype("float32")
    np.testing.assert_allclose(layer(same).numpy()[:, 8:], 3.0, rtol=1e-6)  # B - 1 identical neighbours
    assert layer(spread).numpy()[:, 8:].max() < 0.5
    with pytest.raises(ValueError, match="flat"):
        MinibatchDiscrimination(2, 2)(np.zeros((2, 3, 3, 1), np.float32))


def test_two_replicas_see_the_global_batch_with_gradients(two_cpus):
    x = np.random.default_rng(2).normal(size=(8, 4)).astype("float32")
    layer = MinibatchDiscrimination(3, 2)
    layer.build((None, 4))
    t0 = layer.kernel.numpy()

    with tf.GradientTape() as tape:
        single = tf.reduce_sum(layer(x) ** 2) / 8.0
    g_single = tape.gradient(single, layer.kernel).numpy()

    strategy = mirrored_strategy(two_cpus)
    with strategy.scope():
        dist_layer = MinibatchDiscrimination(3, 2)
        dist_layer.build((None, 4))
        dist_layer.kernel.assign(t0)

    @tf.function
    def step(xs):
        def fn(xr):
            with tf.GradientTape() as tape:
                out = dist_layer(xr)
                loss = tf.reduce_sum(out ** 2) / 8.0
            return out, tape.gradient(loss, dist_layer.kernel)

        return strategy.run(fn, args=(xs,))

    dist = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices(x).batch(8))
    out, grad = step(next(iter(dist)))
    outs = np.concatenate([t.numpy() for t in strategy.experimental_local_results(out)])
    np.testing.assert_allclose(outs, layer(x).numpy(), rtol=1e-5, atol=1e-6)
    total = sum(g.numpy() for g in strategy.experimental_local_results(grad))
    np.testing.assert_allclose(total, g_single, rtol=1e-4, atol=1e-6)
