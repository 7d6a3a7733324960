"""Laplacian pyramid: shapes, exact reconstruction, band-pass content, and the layers inside Keras models."""

import importlib

import keras
import numpy as np
import pytest
import tensorflow as tf

# the package re-exports a function of the same name, so `from tfgan_zoo.layers import laplacian_pyramid` is that
# function
lp = importlib.import_module("tfgan_zoo.layers.laplacian_pyramid")


def _images(shape=(3, 32, 32, 3), seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype("float32")


def test_shapes_finest_first():
    pyr = lp.laplacian_pyramid(_images(), 2)
    assert [tuple(p.shape) for p in pyr] == [(3, 32, 32, 3), (3, 16, 16, 3), (3, 8, 8, 3)]
    g = lp.gaussian_pyramid(_images(), 2)
    np.testing.assert_allclose(g[-1].numpy(), pyr[-1].numpy())


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_reconstruction_is_exact(levels):
    x = _images((2, 64, 48, 3), seed=levels)
    rec = lp.reconstruct_from_laplacian_pyramid(lp.laplacian_pyramid(x, levels)).numpy()
    np.testing.assert_allclose(rec, x, atol=2e-6, rtol=0)


def test_downsample_is_block_mean_and_upsample_is_bilinear():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    np.testing.assert_allclose(lp.downsample(x).numpy()[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    up = lp.upsample(np.array([[[[0.0], [4.0]], [[8.0], [12.0]]]], "float32")).numpy()[0, :, :, 0]
    # half-pixel bilinear: interior samples at 1/4, 3/4 between neighbours, edges clamp
    np.testing.assert_allclose(up[0], [0.0, 1.0, 3.0, 4.0])
    np.testing.assert_allclose(up[:, 0], [0.0, 2.0, 6.0, 8.0])


def test_constant_image_has_zero_band_pass():
    x = np.full((1, 16, 16, 1), 0.3, "float32")
    h0, h1, low = lp.laplacian_pyramid(x, 2)
    assert np.abs(h0.numpy()).max() < 1e-6 and np.abs(h1.numpy()).max() < 1e-6
    np.testing.assert_allclose(low.numpy(), 0.3, atol=1e-6)
    # a checkerboard is pure high frequency: the low-pass is its mean and h_0 carries all of it
    cb = (np.indices((16, 16)).sum(0) % 2 * 2 - 1).astype("float32")[None, :, :, None]
    h0, h1, low = lp.laplacian_pyramid(cb, 2)
    np.testing.assert_allclose(low.numpy(), 0.0, atol=1e-6)
    np.testing.assert_allclose(h0.numpy(), cb, atol=1e-6)


def test_bad_shapes_are_explained():
    with pytest.raises(ValueError, match="multiples of 4"):
        lp.laplacian_pyramid(np.zeros((1, 10, 10, 1), "float32"), 2)
    with pytest.raises(ValueError, match=r"\[B, H, W, C\]"):
        lp.laplacian_pyramid(np.zeros((10, 10, 1), "float32"), 1)


def test_layers_in_a_functional_model_round_trip(tmp_path):
    inp = keras.Input((16, 16, 2))
    low = lp.PyramidDownsample(name="down")(inp)
    out = keras.layers.Subtract()([inp, lp.PyramidUpsample(name="up")(low)])
    model = keras.Model(inp, [out, low])
    x = _images((2, 16, 16, 2))
    h, l = model(x)
    ref = lp.laplacian_pyramid(x, 1)
    np.testing.assert_allclose(h.numpy(), ref[0].numpy(), atol=1e-6)
    path = str(tmp_path / "m.keras")
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again(x)[0].numpy(), h.numpy(), atol=1e-6)
    assert tf.function(lambda t: model(t)[1])(x).shape == (2, 8, 8, 2)
