"""Feature networks: the shipped digits classifier, the Inception loaders (with stand-in files of the official
layout, since the real graph cannot be downloaded here) and Keras InceptionV3 with random weights."""

import json
import shutil

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.evaluation import (
    DigitsFeatureNetwork,
    default_inception_path,
    digits_images,
    keras_inception_v3,
    load_digits_classifier,
    load_inception,
    resolve_feature_network,
)
from tfgan_zoo.evaluation import digits as digits_lib
from tfgan_zoo.evaluation import inception as inception_lib


@pytest.fixture(scope="module")
def digits_net():
    return DigitsFeatureNetwork()


# ------------------------------------------------------------------------------------------ digits classifier
def test_shipped_digits_classifier_is_accurate_on_held_out_digits(digits_net):
    images, labels = digits_images(32, "test")
    accuracy = float(np.mean(digits_net.predict_labels(images) == labels))
    assert len(labels) == 450 and accuracy >= 0.9
    assert digits_net.config["test_accuracy"] == pytest.approx(accuracy, abs=0.01)
    assert digits_lib.CLASSIFIER_WEIGHTS.stat().st_size < 1_000_000
    assert digits_lib.sha256_of(digits_lib.CLASSIFIER_WEIGHTS) == digits_net.config["sha256"]


def test_digits_network_outputs_and_provenance(digits_net):
    images, _ = digits_images(32)
    out = digits_net(images[:20])
    assert out["features"].shape == (20, 64) and out["logits"].shape == (20, 10)
    desc = digits_net.describe()
    assert desc["name"] == "digits_classifier" and desc["sha256"] == digits_net.config["sha256"]


def test_digits_network_resizes_other_sizes_and_converts_rgb(digits_net):
    small, _ = digits_images(28)
    assert digits_net(small[:5])["features"].shape == (5, 64)
    gray, _ = digits_images(32)
    rgb = np.repeat(gray[:5], 3, axis=-1)
    np.testing.assert_allclose(digits_net(rgb)["features"], digits_net(gray[:5])["features"], atol=2e-3)
    as_uint8 = np.round((gray[:5] + 1) * 127.5).astype(np.uint8)
    np.testing.assert_allclose(digits_net(as_uint8)["features"], digits_net(gray[:5])["features"], rtol=0.02, atol=0.02)
    with pytest.raises(ValueError, match="\\[-1, 1\\]"):
        digits_net(gray[:5] * 255.0)


def test_digits_classifier_with_a_wrong_hash_is_refused(tmp_path):
    weights = tmp_path / "digits_classifier.weights.h5"
    shutil.copy(digits_lib.CLASSIFIER_WEIGHTS, weights)
    cfg = json.loads(digits_lib.CLASSIFIER_CONFIG.read_text())
    cfg["sha256"] = "0" * 64
    (tmp_path / "digits_classifier.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="sha256 mismatch"):
        load_digits_classifier(weights)
    with pytest.raises(FileNotFoundError, match="train_digits_classifier"):
        load_digits_classifier(tmp_path / "missing.weights.h5")


# ------------------------------------------------------------------------------------------ TF Inception
def test_missing_inception_graph_says_where_to_get_it_and_where_to_put_it(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "classify_image_graph_def.pb"
    with pytest.raises(FileNotFoundError) as err:
        load_inception(missing)
    msg = str(err.value)
    assert str(missing) in msg and inception_lib.INCEPTION_URL in msg and "classify_image_graph_def.pb" in msg
    assert "TFGAN_ZOO_INCEPTION" in msg and "never downloads" in msg
    monkeypatch.setenv("TFGAN_ZOO_INCEPTION", str(missing))
    assert default_inception_path() == missing
    with pytest.raises(FileNotFoundError, match="inception-2015-12-05.tgz"):
        load_inception()
    with pytest.raises(FileNotFoundError, match="inception-2015-12-05.tgz"):
        resolve_feature_network(str(tmp_path / "no_such_dir") + "/")


def _write_standin_inception_graph(path, rng):
    """A small graph with the 2015-12-05 graph's interface: DecodeJpeg → Cast → ExpandDims (batch 1, [0, 255])
    → ResizeBilinear → Sub/Mul → ... → pool_3 [1, 1, 1, 2048] → pool_3/_reshape [1, 2048] (hard-coded batch 1,
    as in the real graph) → softmax/logits/MatMul (+ biases) → softmax."""
    w_conv = rng.normal(size=(1, 1, 3, 2048)).astype(np.float32) * 0.1
    w_soft = rng.normal(size=(2048, 1008)).astype(np.float32) * 0.05
    b_soft = rng.normal(size=(1008,)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        jpeg = tf.compat.v1.placeholder(tf.uint8, [None, None, 3], name="DecodeJpeg")
        x = tf.expand_dims(tf.cast(jpeg, tf.float32), 0, name="ExpandDims")
        x = tf.compat.v1.image.resize_bilinear(x, [8, 8], name="ResizeBilinear")
        x = tf.multiply(tf.subtract(x, 128.0, name="Sub"), 1.0 / 128.0, name="Mul")
        x = tf.nn.relu(tf.nn.conv2d(x, tf.constant(w_conv), 1, "SAME"))
        pool = tf.nn.avg_pool2d(x, 8, 8, "VALID", name="pool_3")
        flat = tf.reshape(pool, [1, 2048], name="pool_3/_reshape")
        logits = tf.matmul(flat, tf.constant(w_soft, name="softmax/weights"), name="softmax/logits/MatMul")
        logits = tf.nn.bias_add(logits, tf.constant(b_soft, name="softmax/biases"), name="softmax/logits")
        tf.nn.softmax(logits, name="softmax")
    tf.io.write_graph(g.as_graph_def(), str(path.parent), path.name, as_text=False)
    return w_conv, w_soft


def test_inception_graph_def_loader_on_a_standin_graph(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "classify_image_graph_def.pb"
    w_conv, w_soft = _write_standin_inception_graph(path, rng)
    net = load_inception(tmp_path)  # a directory holding the file works too
    images = rng.uniform(-1, 1, size=(5, 20, 20, 1)).astype(np.float32)
    out = net(images, batch_size=3)  # batches > 1 despite the graph's batch-1 shapes

    x = np.repeat(np.round((images + 1) * 127.5), 3, axis=-1)  # quantized, [0, 255], RGB
    x = tf.compat.v1.image.resize_bilinear(x, [8, 8]).numpy()
    x = np.maximum(((x - 128) / 128) @ w_conv[0, 0], 0).mean(axis=(1, 2))
    np.testing.assert_allclose(out["features"], x, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out["logits"], x @ w_soft, rtol=1e-4, atol=1e-4)  # OpenAI IS code: no bias
    desc = net.describe()
    assert desc["name"] == "tf_inception_2015_12_05" and desc["resizer"] == "graph_bilinear"
    assert len(desc["sha256"]) == 64 and desc["num_classes"] == 1008 and desc["quantize_uint8"]


def test_a_graph_that_is_not_inception_is_refused(tmp_path):
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0, name="something")
    tf.io.write_graph(g.as_graph_def(), str(tmp_path), "other.pb", as_text=False)
    with pytest.raises(ValueError, match="pool_3"):
        load_inception(tmp_path / "other.pb")


def test_inception_saved_model_loader(tmp_path):
    class StandIn(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 299, 299, 3], tf.float32, name="images")])
        def serve(self, images):
            mean = tf.reduce_mean(images, axis=[1, 2])  # [N, 3]
            pool = tf.tile(mean, [1, 2048 // 2 + 1])[:, :2048]
            return {"pool_3": tf.reshape(pool, [-1, 1, 1, 2048]), "logits": tf.tile(mean, [1, 336])}

    module = StandIn()
    tf.saved_model.save(module, str(tmp_path / "inception_sm"), signatures={"default": module.serve})
    net = load_inception(tmp_path / "inception_sm")
    images = np.random.default_rng(1).uniform(-1, 1, size=(3, 16, 16, 3)).astype(np.float32)
    out = net(images)
    assert out["features"].shape == (3, 2048) and out["logits"].shape == (3, 1008)
    np.testing.assert_allclose(out["features"][:, 0], images[..., 0].mean(axis=(1, 2)), atol=2e-2)
    assert net.describe()["format"] == "saved_model"


# ------------------------------------------------------------------------------------------ Keras InceptionV3
@pytest.fixture(scope="module")
def random_inception():
    return keras_inception_v3(weights=None, input_size=75)


def test_keras_inception_v3_random_init_plumbing(random_inception, tmp_path):
    images, _ = digits_images(16)
    out = random_inception(images[:6], batch_size=4)
    assert out["features"].shape == (6, 2048) and out["logits"].shape == (6, 1000)
    assert np.all(np.isfinite(out["features"]))
    desc = random_inception.describe()
    assert desc["name"] == "keras_inception_v3[random_init]" and desc["comparable_to_published"] is False
    with pytest.raises(FileNotFoundError, match="does not exist"):
        keras_inception_v3(weights=str(tmp_path / "missing.weights.h5"), input_size=75)


def test_evaluate_through_a_random_keras_inception_records_the_network(random_inception):
    """The Inception plumbing end to end (generation → resize to 75×75 → features/logits → FID, KID, IS)."""
    import tfgan_zoo
    from tfgan_zoo.evaluation import evaluate

    model = tfgan_zoo.build_model("dcgan", latent_dim=8, image_size=16, channels=1, g_base_filters=4,
                                  d_base_filters=4, kernel_size=4, seed=0)
    real, _ = digits_images(16)
    result = evaluate(model, ["fid", "kid", "is"], num_samples=12, real_images=real[:12],
                      feature_net=random_inception, batch_size=6, progress=False)
    assert set(result) == {"fid50k@n=12", "kid50k@n=12", "is50k@n=12"}
    for rec in result.records:
        assert rec["feature_net"]["name"] == "keras_inception_v3[random_init]"
        assert rec["feature_net"]["input_size"] == [75, 75] and np.isfinite(rec["values"]["value"])
    # A random-init Inception maps every image to nearly the same features and a near-uniform softmax, so FID is
    # close to 0 and IS close to 1: both are only bounded up to float64 round-off (CI measured IS 1 - 2e-16).
    assert result["fid50k@n=12"] > -1e-6 and result["is50k@n=12"] >= 1.0 - 1e-9
