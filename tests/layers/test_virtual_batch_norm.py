import keras
import numpy as np
import pytest

from tfgan_zoo.layers.virtual_batch_norm import DropReference, ReferenceBatch, VirtualBatchNormalization


def test_each_example_is_normalized_with_the_reference_and_itself():
    rng = np.random.default_rng(0)
    ref = rng.normal(2.0, 3.0, (5, 4, 4, 3)).astype("float32")
    xs = rng.normal(size=(3, 4, 4, 3)).astype("float32")
    layer = VirtualBatchNormalization(5, epsilon=0.0)
    out = layer(np.concatenate([ref, xs])).numpy()
    # reference rows: ordinary batch norm with the reference statistics
    r_mean, r_sq = ref.mean(axis=(0, 1, 2)), (ref ** 2).mean(axis=(0, 1, 2))
    np.testing.assert_allclose(out[:5], (ref - r_mean) / np.sqrt(r_sq - r_mean ** 2), rtol=1e-4, atol=1e-4)
    for i, x in enumerate(xs):
        mean = (x.mean(axis=(0, 1)) + 5 * r_mean) / 6
        sq = ((x ** 2).mean(axis=(0, 1)) + 5 * r_sq) / 6
        np.testing.assert_allclose(out[5 + i], (x - mean) / np.sqrt(sq - mean ** 2), rtol=1e-4, atol=1e-4)
    # an example's output does not depend on the rest of its minibatch
    alone = layer(np.concatenate([ref, xs[:1]])).numpy()
    np.testing.assert_allclose(alone[5], out[5], rtol=1e-5, atol=1e-6)


def test_dense_inputs_and_reference_plumbing():
    z = keras.Input((4,))
    h = ReferenceBatch(6, "uniform", seed=3, name="ref")(z)
    h = keras.layers.Dense(5, name="fc")(h)
    h = VirtualBatchNormalization(6, name="vbn")(h)
    out = DropReference(6)(h)
    model = keras.Model(z, out)
    x = np.random.default_rng(1).normal(size=(2, 4)).astype("float32")
    y = model(x).numpy()
    assert y.shape == (2, 5)
    np.testing.assert_allclose(model(x[:1]).numpy(), y[:1], rtol=1e-5, atol=1e-6)
    ref = model.get_layer("ref").reference
    assert ref.shape == (6, 4) and not ref.trainable and np.abs(ref.numpy()).max() <= 1.0
    assert [w.name for w in model.get_layer("vbn").trainable_weights] == ["gamma", "beta"]
    with pytest.raises(ValueError, match="reference_size"):
        VirtualBatchNormalization(0)
