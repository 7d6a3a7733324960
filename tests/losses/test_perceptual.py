"""PerceptualLoss: feature distances on the frozen digits classifier and on a VGG19-format .h5 written here."""

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.losses.perceptual import (
    CAFFE_BGR_MEAN,
    PRESETS,
    VGG19_WEIGHTS_ENV,
    VGG19_WEIGHTS_FILE,
    VGG19_WEIGHTS_URL,
    PerceptualLoss,
)

RNG = np.random.default_rng(0)


def _images(n=2, size=16, channels=3, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, channels)).astype(np.float32)


def test_digits_features_match_the_classifier_and_loss_is_per_example():
    loss = PerceptualLoss(network="digits", layers=["relu1_1", "conv2_1", "block3_conv1"], distance="l2")
    assert loss.weights == [] and loss.trainable_weights == []
    gray = _images(2, 32, 1)
    classifier = loss.get_feature_network()
    outputs = [classifier.get_layer(n).output for n in ("block1_conv1", "block3_conv1")]
    ref1, ref3 = (t.numpy() for t in keras.Model(classifier.inputs[0], outputs)(gray))
    feats = loss.features(gray)
    np.testing.assert_allclose(feats["relu1_1"].numpy(), ref1, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(feats["block3_conv1"].numpy(), ref3, rtol=1e-4, atol=1e-4)
    assert feats["conv2_1"].numpy().min() < 0  # before the ReLU
    # RGB is converted to luma (BT.601), so an RGB image and its grey version give the same features
    rgb = _images(2, 32, 3, seed=1)
    luma = (rgb * np.array([0.299, 0.587, 0.114], np.float32)).sum(-1, keepdims=True)
    np.testing.assert_allclose(loss.features(rgb)["relu1_1"].numpy(), loss.features(luma)["relu1_1"].numpy(), atol=1e-4)
    # per example: identical pairs give 0, the other pair its own squared feature distance
    fake = np.concatenate([gray[:1], gray[1:]])
    real = np.concatenate([gray[:1], -gray[1:]])
    values = loss(fake, real).numpy()
    assert values.shape == (2,) and values[0] == 0.0 and values[1] > 0
    f, r = loss.features(fake[1:]), loss.features(real[1:])
    expected = sum(np.mean((f[k].numpy() - r[k].numpy()) ** 2) for k in ("relu1_1", "conv2_1", "block3_conv1"))
    np.testing.assert_allclose(values[1], expected, rtol=1e-4)


def test_gradient_reaches_fake_only_and_network_stays_out_of_the_model(tmp_path):
    class Holder(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)
            self.perceptual = PerceptualLoss.preset("esrgan", network="digits")

        def call(self, x):
            return self.dense(x)

    model = Holder()
    model(tf.zeros([1, 3]))
    assert len(model.weights) == 2 and len(model.trainable_weights) == 2
    model.save_weights(tmp_path / "holder.weights.h5")
    with h5py.File(tmp_path / "holder.weights.h5") as f:
        stored = []
        f.visititems(lambda name, obj: stored.append(name) if isinstance(obj, h5py.Dataset) else None)
    assert len(stored) == 2, stored  # the dense kernel and bias only
    fake = tf.Variable(_images(1, 16, 3))
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(model.perceptual(fake, _images(1, 16, 3, seed=3)))
    grad = tape.gradient(value, fake)
    assert float(value) > 0 and float(tf.reduce_max(tf.abs(grad))) > 0


def test_config_round_trip_and_presets():
    loss = PerceptualLoss.preset("pix2pixhd", network="digits", distance="l2", input_range=(0, 1))
    clone = PerceptualLoss.from_config(loss.get_config())
    a, b = _images(2, 16, 3, seed=4) * 0.5 + 0.5, _images(2, 16, 3, seed=5) * 0.5 + 0.5
    np.testing.assert_allclose(clone(a, b).numpy(), loss(a, b).numpy(), rtol=1e-6)
    assert clone.feature_layers == ["relu1_1", "relu2_1", "relu3_1"] and clone.input_range == (0.0, 1.0)
    assert PRESETS["pix2pixhd"]["vgg19"]["layer_weights"] == [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0]
    assert PRESETS["srgan"]["vgg19"] == {"layers": ["relu5_4"], "layer_weights": [1 / 12.75**2], "distance": "l2"}
    assert PRESETS["esrgan"]["vgg19"]["layers"] == ["conv5_4"] and PRESETS["spade"] is PRESETS["pix2pixhd"]


def test_clear_errors(monkeypatch, tmp_path):
    monkeypatch.delenv(VGG19_WEIGHTS_ENV, raising=False)
    with pytest.raises(FileNotFoundError) as err:
        PerceptualLoss(network="vgg19")
    for part in (VGG19_WEIGHTS_FILE, VGG19_WEIGHTS_URL, "perceptual_weights_path", VGG19_WEIGHTS_ENV, "digits"):
        assert part in str(err.value)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        PerceptualLoss(network="vgg19", weights_path=tmp_path / "missing.h5")
    with pytest.raises(ValueError, match="block1_conv1"):
        PerceptualLoss(network="digits", layers=["relu5_4"])
    with pytest.raises(ValueError, match="one of"):
        PerceptualLoss(network="resnet")
    with pytest.raises(ValueError, match="layer_weights"):
        PerceptualLoss(network="digits", layers=["relu1_1"], layer_weights=[1.0, 2.0])


def _write_vgg19_notop_h5(path):
    """A random VGG19 notop file in the layout of Keras' published one (layer_names + per-layer weight_names)."""
    blocks = [(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)]
    names, weights, channels = ["input_1"], {}, 3
    for b, (filters, convs) in enumerate(blocks, start=1):
        for i in range(1, convs + 1):
            name = f"block{b}_conv{i}"
            scale = np.sqrt(2.0 / (9 * channels))
            kernel = (RNG.standard_normal((3, 3, channels, filters)) * scale).astype(np.float32)
            weights[name] = (kernel, (RNG.standard_normal(filters) * 0.1).astype(np.float32))
            names.append(name)
            channels = filters
        names.append(f"block{b}_pool")
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [n.encode() for n in names]
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = b"tensorflow"
        for name in names:
            group = f.create_group(name)
            wn = [f"{name}_W_1:0".encode(), f"{name}_b_1:0".encode()] if name in weights else []
            group.attrs["weight_names"] = wn
            for key, value in zip(wn, weights.get(name, ())):
                group.create_dataset(key.decode(), data=value)
    return weights


def test_vgg19_from_a_local_h5(tmp_path, monkeypatch):
    path = tmp_path / VGG19_WEIGHTS_FILE
    weights = _write_vgg19_notop_h5(path)
    monkeypatch.setenv(VGG19_WEIGHTS_ENV, str(path))
    loss = PerceptualLoss(network="vgg19", layers=["relu1_1", "block5_conv4"], before_activation=True)
    assert loss.weights == [] and loss.get_config()["weights_path"] is None
    images = _images(1, 32, 3, seed=6)
    feats = loss.features(images)
    # independent: Keras' own caffe preprocessing and a plain conv with the kernel read from the file
    x = keras.applications.vgg19.preprocess_input((images + 1.0) * 127.5)
    kernel, bias = weights["block1_conv1"]
    relu11 = np.maximum(tf.nn.conv2d(x, kernel, 1, "SAME").numpy() + bias, 0)
    np.testing.assert_allclose(feats["relu1_1"].numpy(), relu11, rtol=1e-4, atol=1e-2)
    assert np.allclose(np.asarray(CAFFE_BGR_MEAN), [103.939, 116.779, 123.68])
    # block5_conv4 before activation (ESRGAN): its ReLU equals Keras' VGG19 block5_conv4 output
    vgg = loss.get_feature_network()
    after = keras.Model(vgg.inputs, vgg.get_layer("block5_conv4").output)(x).numpy()
    pre = feats["block5_conv4"].numpy()
    assert pre.min() < 0
    np.testing.assert_allclose(np.maximum(pre, 0), after, rtol=1e-3, atol=1e-3 * np.abs(after).max())
    value = loss(images, _images(1, 32, 3, seed=7)).numpy()
    assert value.shape == (1,) and value[0] > 0
