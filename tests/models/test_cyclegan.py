"""CycleGAN: published sizes, the objective's terms, the history pool (and that it is checkpointed), the learning-rate
schedule, and the `translate` command."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.conftest import load_tiny
from tfgan_zoo.layers.image_pool import ImagePool
from tfgan_zoo.utils.schedules import ConstantThenLinearDecay

TINY = "zoo_configs/cyclegan/cyclegan_tiny.yaml"


def _tiny(**overrides):
    config = load_tiny("cyclegan")
    params = {**config.model.params, **overrides}
    return tfgan_zoo.build_model("cyclegan", **params)


@pytest.mark.parametrize("size, blocks, generator", [(256, 9, 11_378_179), (128, 6, 7_837_699)])
def test_published_parameter_counts(size, blocks, generator):
    # The official code prints "[Network G_A] Total number of parameters : 11.378 M" (resnet_9blocks) and
    # "[Network D_A] ... : 2.765 M" (basic 70×70 PatchGAN): ResnetGenerator / NLayerDiscriminator of
    # junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py with InstanceNorm2d(affine=False), ngf = ndf = 64.
    # G: 7·7·3·64+64 + 3·3·64·128+128 + 3·3·128·256+256 + blocks·2·(3·3·256·256+256) + 3·3·256·128+128
    #    + 3·3·128·64+64 + 7·7·64·3+3 = 756,739 + blocks·1,180,160.
    # D: 4·4·3·64+64 + 4·4·64·128+128 + 4·4·128·256+256 + 4·4·256·512+512 + 4·4·512·1+1 = 2,764,737.
    m = tfgan_zoo.build_model("cyclegan", image_size=size, n_blocks=blocks)
    counts = m.summary_of_parameters()
    assert generator == 756_739 + blocks * 1_180_160
    assert counts["generator"] == 2 * generator
    assert counts["discriminator_a"] == counts["discriminator_b"] == 2_764_737
    assert m.generator.a_to_b.output.shape[1:] == (size, size, 3)


def test_objective_terms_are_the_papers():
    """With a zero learning rate one step logs the losses of the initial weights: check them against numpy."""
    m = _tiny(pool_size=0, identity_weight=0.5)
    m.compile(optimizers={p: keras.optimizers.SGD(0.0) for p in m.player_names})
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (2, 32, 32, 1)).astype("float32")
    b = rng.uniform(-1, 1, (2, 32, 32, 1)).astype("float32")
    logs = m.fit(tf.data.Dataset.from_tensors((a, b)), epochs=1, verbose=0).history
    ab, ba = m.translate(a, "a_to_b"), m.translate(b, "b_to_a")
    cycle_a = np.abs(m.translate(ab, "b_to_a") - a).mean()
    cycle_b = np.abs(m.translate(ba, "a_to_b") - b).mean()
    identity = 10 * np.abs(m.translate(b, "a_to_b") - b).mean() + 10 * np.abs(m.translate(a, "b_to_a") - a).mean()
    d_b_fake = m.discriminator_b(ab).numpy()
    d_a_fake = m.discriminator_a(ba).numpy()
    adversarial = ((d_b_fake - 1) ** 2).mean() + ((d_a_fake - 1) ** 2).mean()  # no ½: the official MSE
    d_a = 0.5 * ((m.discriminator_a(a).numpy() - 1) ** 2).mean() + 0.5 * (d_a_fake**2).mean()
    np.testing.assert_allclose(logs["g_cycle_a"][0], cycle_a, rtol=1e-4)
    np.testing.assert_allclose(logs["g_cycle_b"][0], cycle_b, rtol=1e-4)
    np.testing.assert_allclose(logs["g_identity"][0], identity, rtol=1e-4)
    np.testing.assert_allclose(logs["g_adversarial"][0], adversarial, rtol=1e-4)
    np.testing.assert_allclose(logs["g_loss"][0], adversarial + 10 * (cycle_a + cycle_b) + 0.5 * identity, rtol=1e-4)
    np.testing.assert_allclose(logs["d_a_loss"][0], d_a, rtol=1e-4)


def test_image_pool_fills_then_swaps_half_the_time():
    pool = ImagePool(4, (2, 2, 1))
    first = tf.reshape(tf.range(4, dtype=tf.float32), [4, 1, 1, 1]) * tf.ones([4, 2, 2, 1])
    out = pool.query(first, tf.constant([0, 1]))
    np.testing.assert_array_equal(out.numpy(), first.numpy())  # filling: every image passes through
    assert int(pool.count.numpy()) == 4
    returned_old = 0
    for step in range(50):
        new = tf.fill([1, 2, 2, 1], 100.0 + step)
        got = pool.query(new, tf.constant([step, 7])).numpy()
        returned_old += float(got[0, 0, 0, 0]) != 100.0 + step
        stored = pool.images.numpy()[:, 0, 0, 0]
        assert 100.0 + step in stored or float(got[0, 0, 0, 0]) == 100.0 + step
    assert 10 <= returned_old <= 40  # p = ½ per query
    assert int(pool.count.numpy()) == 4


def test_pool_is_state_that_save_and_load_carry(tmp_path):
    config = load_tiny("cyclegan")
    m = tfgan_zoo.build_model(config)
    m.compile()
    from tfgan_zoo.data import build_dataset

    ds, _ = build_dataset(config.data, m.task, 2, seed=0)
    m.fit(ds, steps_per_epoch=2, epochs=1, verbose=0)
    assert int(m.pool_a.count.numpy()) == 3 and int(m.pool_b.count.numpy()) == 3  # 2 steps × batch 2, pool of 3
    stored = m.pool_b.images.numpy()
    assert np.abs(stored).max() > 0
    path = os.path.join(tmp_path, "m.keras")
    m.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.pool_b.images.numpy(), stored)
    assert int(loaded.pool_a.count.numpy()) == 3
    ckpt = m.checkpoint()
    saved = ckpt.save(os.path.join(tmp_path, "ckpt"))
    fresh = tfgan_zoo.build_model(config)
    fresh.compile()
    fresh.checkpoint().restore(saved).expect_partial()
    np.testing.assert_array_equal(fresh.pool_b.images.numpy(), stored)


def test_learning_rate_constant_then_linear_to_zero():
    m = _tiny(learning_rate=2e-4, constant_steps=100, decay_steps=100)
    m.compile()
    for player in m.player_names:
        schedule = m.player_optimizers[player].learning_rate
        opt = m.player_optimizers[player]
        assert isinstance(opt._learning_rate, ConstantThenLinearDecay), type(schedule)
        values = [float(opt._learning_rate(s)) for s in (0, 100, 150, 200, 250)]
        np.testing.assert_allclose(values, [2e-4, 2e-4, 1e-4, 0.0, 0.0], atol=1e-12)
    assert not isinstance(_tiny().make_optimizer("generator").learning_rate, ConstantThenLinearDecay)


def test_translate_validates_direction_and_shape():
    m = _tiny()
    with pytest.raises(ValueError, match="a_to_b"):
        m.translate(np.zeros((1, 32, 32, 1), "float32"), direction="sideways")
    with pytest.raises(ValueError, match="32, 32, 1"):
        m.translate(np.zeros((1, 16, 16, 1), "float32"))
    with pytest.raises(ValueError, match="divisible by 4"):
        tfgan_zoo.build_model("cyclegan", image_size=30)


def test_translate_command_writes_one_image_per_input(tmp_path):
    from tfgan_zoo.cli import main
    from tfgan_zoo.utils.images import save_png, to_uint8

    m = _tiny()
    weights = os.path.join(tmp_path, "w.weights.h5")
    m.save_weights(weights)
    rng = np.random.default_rng(1)
    images = rng.uniform(-1, 1, (3, 32, 32, 1)).astype("float32")
    src = tmp_path / "in"
    src.mkdir()
    for i, img in enumerate(to_uint8(images)):
        save_png(str(src / f"x{i}.png"), img)
    out = tmp_path / "out"
    assert main(["translate", "--config", TINY, "--checkpoint", weights, "--direction", "b_to_a",
                 "--input", str(src), "--out", str(out)]) == 0
    written = sorted(os.listdir(out))
    assert written == ["x0.png", "x1.png", "x2.png"]
    got = tf.io.decode_png(tf.io.read_file(str(out / "x1.png"))).numpy()
    reread = to_uint8(images)[1].astype("float32") / 127.5 - 1.0
    expected = to_uint8(m.translate(reread[None], direction="b_to_a"))[0]
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1


def test_each_direction_exports_serves_and_converts_to_tflite(tmp_path):
    """Both directions are SavedModel signatures of any batch size, and each converts to its own TFLite file."""
    from tfgan_zoo.export import TFLiteRunner, convert_tflite, export_saved_model

    m = _tiny()
    path = export_saved_model(m, tmp_path / "models")
    loaded = tf.saved_model.load(path)
    rng = np.random.default_rng(4)
    for n in (1, 5):
        x = rng.uniform(-1, 1, (n, 32, 32, 1)).astype("float32")
        for direction in ("a_to_b", "b_to_a"):
            out = loaded.signatures[f"translate_{direction}"](images=tf.constant(x))["images"].numpy()
            np.testing.assert_allclose(out, m.translate(x, direction), atol=1e-5)
    x = rng.uniform(-1, 1, (1, 32, 32, 1)).astype("float32")
    for direction in ("a_to_b", "b_to_a"):
        signature = f"translate_{direction}"
        tflite = convert_tflite(path, tmp_path / f"{direction}.tflite", "none", signature=signature, batch_size=1)
        got = TFLiteRunner(tflite, signature)(images=x)["images"]
        np.testing.assert_allclose(got, m.translate(x, direction), atol=1e-4)
    assert not np.allclose(m.translate(x, "a_to_b"), m.translate(x, "b_to_a"))  # two different networks
