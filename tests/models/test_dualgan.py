import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset


def _count(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def official_generator_params(c, b=64, k=5):
    """The official `fcn` (duxingren14/DualGAN, model.py + ops.py, 256² input): every conv2d/deconv2d is k×k with a
    bias, every `batch_norm` (instance norm) has a scale and a center per channel."""
    kk = k * k
    enc = [(c, b), (b, 2 * b), (2 * b, 4 * b), (4 * b, 8 * b)] + [(8 * b, 8 * b)] * 4  # e1..e8
    dec = ([(8 * b, 8 * b)] + [(16 * b, 8 * b)] * 3  # d1 (from e8), d2..d4 (from concat 512 + 512)
           + [(16 * b, 4 * b), (8 * b, 2 * b), (4 * b, b), (2 * b, c)])  # d5, d6, d7, d8
    convs = sum(kk * i * o + o for i, o in enc + dec)
    norms = 2 * sum(o for _, o in enc[1:]) + 2 * sum(o for _, o in dec[:-1])  # bn_e2..bn_e8, bn_d1..bn_d7
    return convs + norms


def official_critic_params(c, b=64, k=5):
    """The official `discriminator`: h0..h3 (k×k, bias), bn1..bn3 (scale + center), h4 (k×k → 1, bias)."""
    kk = k * k
    layers = [(c, b), (b, 2 * b), (2 * b, 4 * b), (4 * b, 8 * b), (8 * b, 1)]
    return sum(kk * i * o + o for i, o in layers) + 2 * (2 * b + 4 * b + 8 * b)


def test_official_parameter_counts_at_256():
    # Generator, 3 channels: e1 25·3·64+64 = 4,864; e2 25·64·128+128 = 204,928; e3 25·128·256+256 = 819,456;
    # e4 25·256·512+512 = 3,277,312; e5..e8 4 × (25·512·512+512) = 26,216,448; encoder norms 2·(128+256+512·5) =
    # 5,888; d1 25·512·512+512 = 6,554,112; d2..d4 3 × (25·1024·512+512) = 39,323,136; d5 25·1024·256+256 =
    # 6,553,856; d6 25·512·128+128 = 1,638,528; d7 25·256·64+64 = 409,664; d8 25·128·3+3 = 9,603; decoder norms
    # 2·(512·4+256+128+64) = 4,992. Total 85,022,787.
    assert official_generator_params(3) == 85_022_787
    # Critic, 3 channels: 25·3·64+64 = 4,864; 25·64·128+128 = 204,928; 25·128·256+256 = 819,456;
    # 25·256·512+512 = 3,277,312; 25·512·1+1 = 12,801; norms 2·(128+256+512) = 1,792. Total 4,321,153.
    assert official_critic_params(3) == 4_321_153
    for channels in (3, 1):
        m = tfgan_zoo.build_model("dualgan", image_size=256, channels=channels)
        for g in (m.generator.a_to_b, m.generator.b_to_a):
            assert _count(g) == official_generator_params(channels)
        for d in (m.discriminator_a, m.discriminator_b):
            assert _count(d) == official_critic_params(channels)
            assert d.output.shape[1:] == (32, 32, 1)
        assert m.generator.a_to_b.get_layer("e8_conv").output.shape[1:] == (1, 1, 512)
        assert [l.name for l in m.generator.a_to_b.layers if "dropout" in l.name] == [
            "d1_dropout", "d2_dropout", "d3_dropout"]


def test_paper_config():
    m = tfgan_zoo.build_model("zoo_configs/dualgan/dualgan_sketchphoto_256.yaml")
    assert (m.image_size, m.channels, m.n_critic, m.clip_value, m.learning_rate) == (256, 1, 2, 0.01, 5e-5)
    assert m.cycle_weight_a == m.cycle_weight_b == 200.0


def test_critics_stay_clipped_after_fit_and_each_step_uses_n_critic_minibatches():
    m, cfg = build_tiny("dualgan")
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0)
    for d in (m.discriminator_a, m.discriminator_b):
        assert max(np.abs(v.numpy()).max() for v in d.trainable_variables) <= m.clip_value + 1e-7
    assert int(m.d_optimizer.iterations.numpy()) == 2 * m.n_critic
    assert int(m.g_optimizer.iterations.numpy()) == 2
    assert m.g_optimizer.__class__.__name__ == "RMSprop"
    assert abs(float(m.g_optimizer.rho) - 0.9) < 1e-9


def test_generator_objective_is_the_papers():
    """l_g = λ_U·mean|u − G_B(G_A(u))| + λ_V·mean|v − G_A(G_B(v))| − mean D_V(G_A(u)) − mean D_U(G_B(v))."""
    m = tfgan_zoo.build_model("dualgan", image_size=16, channels=1, g_base_filters=2, d_base_filters=2, dropout=0.0,
                              cycle_weight_a=300.0, cycle_weight_b=100.0)
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (2, 16, 16, 1)).astype("float32")
    b = rng.uniform(-1, 1, (2, 16, 16, 1)).astype("float32")
    batch = {"a": tf.constant(a), "b": tf.constant(b)}
    loss, logs = m.generator_objective(batch, batch)
    g, f = m.generator.a_to_b, m.generator.b_to_a
    fake_b, fake_a = g(a, training=True).numpy(), f(b, training=True).numpy()
    cycle_a = np.abs(f(fake_b, training=True).numpy() - a).mean()
    cycle_b = np.abs(g(fake_a, training=True).numpy() - b).mean()
    adversarial = -m.discriminator_b(fake_b).numpy().mean() - m.discriminator_a(fake_a).numpy().mean()
    np.testing.assert_allclose(float(logs["g_cycle_a"]), cycle_a, rtol=1e-5)
    np.testing.assert_allclose(float(logs["g_cycle_b"]), cycle_b, rtol=1e-5)
    np.testing.assert_allclose(float(loss), adversarial + 300.0 * cycle_a + 100.0 * cycle_b, rtol=1e-5, atol=1e-6)
    # The critics' objective: mean D(fake) − mean D(real), per domain.
    d_loss, d_logs = m.discriminator_objective(batch, {"a": tf.constant(fake_a), "b": tf.constant(fake_b)})
    expected_a = m.discriminator_a(fake_a).numpy().mean() - m.discriminator_a(a).numpy().mean()
    np.testing.assert_allclose(float(d_logs["d_a_loss"]), expected_a, rtol=1e-4, atol=1e-7)


def test_translate_validates_shapes_and_direction():
    with pytest.raises(ValueError, match="power-of-two"):
        tfgan_zoo.build_model("dualgan", image_size=24)
    m = tfgan_zoo.build_model("dualgan", image_size=16, channels=1, g_base_filters=2, d_base_filters=2)
    assert m.translate(np.zeros((3, 16, 16, 1), "float32"), direction="a_to_b").shape == (3, 16, 16, 1)
    with pytest.raises(ValueError, match="16, 16, 1"):
        m.translate(np.zeros((1, 16, 16, 3), "float32"))
    with pytest.raises(ValueError, match="directions"):
        m.translate(np.zeros((1, 16, 16, 1), "float32"), direction="sideways")
