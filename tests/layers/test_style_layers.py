"""Equalized-lr, pixel norm, minibatch stddev, FIR resampling and style layers against closed forms / NumPy."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.layers.equalized import EqualizedConv2D, EqualizedDense, PixelNormalization
from tfgan_zoo.layers.minibatch_stddev import MinibatchStdDev
from tfgan_zoo.layers.resample import (
    Blur,
    Resample,
    conv_downsample2d,
    downsample2d,
    fir_kernel,
    upsample2d,
    upsample_conv2d,
)
from tfgan_zoo.layers.style import AdaIN, ConstantInput, ModulatedConv2D, NoiseInjection, ToRGB, WAverage

RNG = np.random.default_rng(0)


def _np_conv_same(x, w):
    """Reference 'same' correlation, NHWC/HWIO."""
    k = w.shape[0]
    p = k // 2
    xp = np.pad(x, [(0, 0), (p, p), (p, p), (0, 0)])
    n, h, ww, _ = x.shape
    out = np.zeros((n, h, ww, w.shape[-1]), np.float64)
    for i in range(k):
        for j in range(k):
            out += np.einsum("nhwc,co->nhwo", xp[:, i : i + h, j : j + ww], w[i, j])
    return out


def test_equalized_dense_runtime_scale_and_lr_multiplier():
    layer = EqualizedDense(5, lr_multiplier=0.01, gain=math.sqrt(2), bias_init=0.0)
    x = RNG.standard_normal((3, 8)).astype("float32")
    y = layer(x).numpy()
    # weights are stored N(0, 1/lr_mul): std ~ 100
    assert 50 < layer.kernel.numpy().std() < 200
    expected = x @ (layer.kernel.numpy() * math.sqrt(2) / math.sqrt(8) * 0.01) + layer.bias.numpy() * 0.01
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    # the gradient w.r.t. the stored weight is scaled by the runtime coefficient
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(layer(x))
    g = tape.gradient(out, layer.kernel).numpy()
    np.testing.assert_allclose(g, np.repeat(x.sum(0)[:, None], 5, 1) * math.sqrt(2) / math.sqrt(8) * 0.01, rtol=1e-5)


def test_equalized_dense_lrelu_gain_and_bias_init():
    layer = EqualizedDense(4, activation="lrelu", activation_gain=math.sqrt(2), bias_init=1.0)
    x = np.zeros((2, 3), np.float32)
    np.testing.assert_allclose(layer(x).numpy(), math.sqrt(2) * np.ones((2, 4)), rtol=1e-6)
    with pytest.raises(ValueError, match="activation"):
        EqualizedDense(4, activation="relu6")


def test_equalized_conv_matches_reference():
    layer = EqualizedConv2D(4, 3, gain=1.0)
    x = RNG.standard_normal((2, 6, 6, 3)).astype("float32")
    y = layer(x).numpy()
    w = layer.kernel.numpy() / math.sqrt(27)
    np.testing.assert_allclose(y, _np_conv_same(x, w) + layer.bias.numpy(), atol=1e-4)
    with pytest.raises(ValueError, match="odd"):
        EqualizedConv2D(4, 2)


def test_pixel_norm_unit_rms():
    x = RNG.standard_normal((2, 4, 4, 8)).astype("float32") * 7
    y = PixelNormalization()(x).numpy()
    np.testing.assert_allclose(np.sqrt((y**2).mean(-1)), 1.0, rtol=1e-5)


def test_minibatch_stddev_value_and_grouping():
    x = RNG.standard_normal((8, 2, 2, 3)).astype("float32")
    y = MinibatchStdDev(group_size=4)(x).numpy()
    assert y.shape == (8, 2, 2, 4)
    np.testing.assert_array_equal(y[..., :3], x)
    for g in range(2):  # contiguous groups of 4
        grp = x[4 * g : 4 * g + 4]
        expected = np.sqrt(grp.var(0) + 1e-8).mean()
        np.testing.assert_allclose(y[4 * g : 4 * g + 4, :, :, 3], expected, rtol=1e-5)
    # the statistic of a group does not depend on the rest of the batch (replica-split invariance)
    y_half = MinibatchStdDev(group_size=4)(x[:4]).numpy()
    np.testing.assert_allclose(y_half, y[:4], rtol=1e-6)
    with pytest.raises(ValueError, match="divisible"):
        MinibatchStdDev(group_size=4)(tf.zeros((6, 2, 2, 3)))


def test_fir_kernel_and_constant_preservation():
    k = fir_kernel([1, 3, 3, 1])
    np.testing.assert_allclose(k.sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(k[0], np.array([1, 3, 3, 1]) / 64.0)
    ones = tf.ones((1, 8, 8, 2))
    up = upsample2d(ones).numpy()
    down = downsample2d(ones).numpy()
    assert up.shape == (1, 16, 16, 2) and down.shape == (1, 4, 4, 2)
    # away from the zero-padded border a constant image stays constant
    np.testing.assert_allclose(up[:, 2:-2, 2:-2], 1.0, rtol=1e-6)
    np.testing.assert_allclose(down[:, 1:-1, 1:-1], 1.0, rtol=1e-6)
    np.testing.assert_allclose(Blur([1, 2, 1])(ones).numpy()[:, 1:-1, 1:-1], 1.0, rtol=1e-6)
    assert Resample("up", "nearest")(ones).shape == (1, 16, 16, 2)
    ramp = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    np.testing.assert_allclose(Resample("down", "average")(ramp).numpy()[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    with pytest.raises(ValueError, match="mode"):
        Resample("down", "nearest")


def test_upsample2d_equals_numpy_upfirdn():
    x = RNG.standard_normal((1, 4, 4, 1)).astype("float32")
    # NumPy reference of upfirdn(up=2, pad=(2, 1)) with the 4-tap kernel × 4
    z = np.zeros((8, 8))
    z[::2, ::2] = x[0, :, :, 0]
    z = np.pad(z, [(2, 1), (2, 1)])
    k = fir_kernel([1, 3, 3, 1], gain=4.0)
    ref = np.array([[np.sum(z[i : i + 4, j : j + 4] * k[::-1, ::-1]) for j in range(8)] for i in range(8)])
    np.testing.assert_allclose(upsample2d(x).numpy()[0, :, :, 0], ref, atol=1e-5)


def test_upsample_conv_equals_zero_insert_conv_then_fir():
    x = RNG.standard_normal((2, 4, 4, 3)).astype("float32")
    w = RNG.standard_normal((3, 3, 3, 5)).astype("float32")
    got = upsample_conv2d(x, w).numpy()
    z = np.zeros((2, 8, 8, 3), np.float32)
    z[:, ::2, ::2] = x
    z = np.pad(z, [(0, 0), (1, 0), (1, 0), (0, 0)])[:, :, :, :]  # 2H-1 samples + (k-1) padding each side
    z = np.pad(z, [(0, 0), (1, 1), (1, 1), (0, 0)])
    conv = np.stack([_np_conv_same(z[:, 1:-1, 1:-1][..., :], w)])[0]  # same-padding conv on the padded grid
    # compare with the TF path on the same definition
    up = tf.nn.conv2d(tf.pad(tf.constant(z[:, 1:-1, 1:-1]), [[0, 0], [1, 1], [1, 1], [0, 0]]), w, 1, "VALID")
    np.testing.assert_allclose(up.numpy(), conv, atol=1e-4)
    from tfgan_zoo.layers.resample import upfirdn2d

    ref = upfirdn2d(up, fir_kernel([1, 3, 3, 1], 4.0), pad=(1, 1)).numpy()
    assert got.shape == (2, 8, 8, 5)
    np.testing.assert_allclose(got, ref[:, :, :], atol=1e-4)


def test_conv_downsample_shape_and_linearity():
    x = RNG.standard_normal((2, 8, 8, 3)).astype("float32")
    w = RNG.standard_normal((3, 3, 3, 4)).astype("float32")
    a = conv_downsample2d(x, w).numpy()
    assert a.shape == (2, 4, 4, 4)
    np.testing.assert_allclose(conv_downsample2d(2 * x, w).numpy(), 2 * a, rtol=1e-5)


def test_modulated_conv_equals_per_sample_weights():
    x = RNG.standard_normal((3, 5, 5, 4)).astype("float32")
    w = RNG.standard_normal((3, 6)).astype("float32")
    layer = ModulatedConv2D(2, 3)
    y = layer([x, w]).numpy()
    s = w @ (layer.style_kernel.numpy() / math.sqrt(6)) + layer.style_bias.numpy()
    weight = layer.kernel.numpy() / math.sqrt(36)
    for b in range(3):
        wb = weight * s[b][None, None, :, None]
        wb = wb / np.sqrt((wb**2).sum(axis=(0, 1, 2), keepdims=True) + 1e-8)
        np.testing.assert_allclose(y[b], _np_conv_same(x[b : b + 1], wb)[0], atol=1e-4)
    # demodulation makes the output scale independent of the style magnitude
    y2 = layer([x, 10 * w]).numpy()
    assert abs(np.log(y2.std() / y.std())) < 1.0
    up = ModulatedConv2D(2, 3, up=True)([x, w])
    assert up.shape == (3, 10, 10, 2)


def test_torgb_not_demodulated_and_linear_in_style_scale():
    x = RNG.standard_normal((2, 4, 4, 4)).astype("float32")
    w = RNG.standard_normal((2, 6)).astype("float32")
    layer = ToRGB(3)
    y = layer([x, w]).numpy()
    assert y.shape == (2, 4, 4, 3)
    layer.conv.style_bias.assign(np.zeros(4, np.float32))
    a, b = layer([x, w]).numpy(), layer([x, 2 * w]).numpy()
    np.testing.assert_allclose(b, 2 * a, rtol=1e-4, atol=1e-5)


def test_noise_injection_training_vs_inference():
    layer = NoiseInjection(per_channel=True, seed=1)
    x = np.zeros((2, 4, 4, 3), np.float32)
    np.testing.assert_array_equal(layer(x, training=True).numpy(), 0.0)  # zero-initialized strength
    layer.strength.assign([1.0, 2.0, 0.0])
    a, b = layer(x, training=False).numpy(), layer(x, training=False).numpy()
    np.testing.assert_array_equal(a, b)  # stored noise at inference
    np.testing.assert_allclose(a[..., 1], 2 * a[..., 0])
    np.testing.assert_array_equal(a[..., 2], 0.0)
    t1, t2 = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert np.abs(t1 - t2).max() > 0.1  # fresh noise per call in training
    assert not np.allclose(t1[0], t1[1])  # and per example
    scalar = NoiseInjection(per_channel=False)
    scalar.build((None, 4, 4, 3))
    assert tuple(scalar.strength.shape) == ()


def test_adain_normalizes_then_applies_style():
    x = RNG.standard_normal((2, 4, 4, 3)).astype("float32") * 5 + 3
    w = RNG.standard_normal((2, 6)).astype("float32")
    layer = AdaIN()
    layer([x, w])
    layer.style_kernel.assign(np.zeros((6, 6), np.float32))
    layer.style_bias.assign(np.array([1, 1, 1, 0.5, -0.5, 0.0], np.float32))  # y_s + 1 = 2, y_b
    y = layer([x, w]).numpy()
    np.testing.assert_allclose(y.mean(axis=(1, 2)), [[0.5, -0.5, 0.0]] * 2, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 2.0, rtol=1e-3)


def test_constant_input_and_truncation():
    const = ConstantInput(5, 4)
    assert const(tf.zeros((3, 7))).shape == (3, 4, 4, 5)
    trunc = WAverage(beta=0.5)
    ws = tf.constant(RNG.standard_normal((2, 4, 3)).astype("float32"))
    trunc(ws)
    trunc.update(tf.constant([2.0, 2.0, 2.0]))
    np.testing.assert_allclose(trunc.w_avg.numpy(), 1.0)  # 2 + 0.5 (0 - 2)
    np.testing.assert_array_equal(trunc(ws).numpy(), ws.numpy())  # psi None = identity
    np.testing.assert_allclose(trunc(ws, psi=0.0).numpy(), 1.0)
    half = trunc(ws, psi=0.5, cutoff=2).numpy()
    np.testing.assert_allclose(half[:, :2], 1.0 + 0.5 * (ws.numpy()[:, :2] - 1.0), rtol=1e-6)
    np.testing.assert_allclose(half[:, 2:], ws.numpy()[:, 2:], rtol=1e-6, atol=1e-6)  # w̄ + 1·(w − w̄): round-off


def test_layers_serialize():
    for layer in (EqualizedConv2D(4, 3, down=True, lr_multiplier=0.5), ModulatedConv2D(3, 1, demodulate=False),
                  MinibatchStdDev(2), NoiseInjection(False), WAverage(0.9), AdaIN(), Resample("up", "fir")):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
        assert keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer)).get_config() == \
            layer.get_config()
