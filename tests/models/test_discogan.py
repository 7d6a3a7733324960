import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset


def _count(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def test_official_parameter_counts_at_64():
    # SKTBrain/DiscoGAN, discogan/model.py (Generator(extra_layers=False), Discriminator), 3 channels, no biases;
    # BatchNorm2d has weight + bias (2 per channel; running statistics are not parameters).
    # Generator: convs 16·(3·64 + 64·128 + 128·256 + 256·512) = 2,755,584, BN 2·(128+256+512) = 1,792;
    #            deconvs 16·(512·256 + 256·128 + 128·64 + 64·3) = 2,755,584, BN 2·(256+128+64) = 896.
    #            Total 5,513,856.
    # Discriminator: convs 16·(3·64 + 64·128 + 128·256 + 256·512) = 2,755,584, BN 1,792, conv5 16·512·1 = 8,192.
    #            Total 2,765,568.
    m = tfgan_zoo.build_model("zoo_configs/discogan/discogan_celeba_64.yaml")
    for g in (m.generator.a_to_b, m.generator.b_to_a):
        assert _count(g) == 2_755_584 + 1_792 + 2_755_584 + 896 == 5_513_856
        assert g.get_layer("enc_lrelu4").output.shape[1:] == (4, 4, 512)
    for d in (m.discriminator_a, m.discriminator_b):
        assert _count(d) == 2_755_584 + 1_792 + 8_192 == 2_765_568
        assert d.output.shape[1:] == (1,)
    assert (m.learning_rate, m.beta_1, m.beta_2, m.weight_decay) == (2e-4, 0.5, 0.999, 1e-5)


def test_objectives_are_the_papers():
    """L_G = −log D_B(G_AB(a)) − log D_A(G_BA(b)) + mean (G_BA(G_AB(a)) − a)² + mean (G_AB(G_BA(b)) − b)²
    (+ the weight decay); L_D per domain = −log D(x) − log(1 − D(G(·)))."""
    m = tfgan_zoo.build_model("discogan", image_size=16, channels=1, g_base_filters=2, d_base_filters=2,
                              weight_decay=0.0)
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (4, 16, 16, 1)).astype("float32")
    b = rng.uniform(-1, 1, (4, 16, 16, 1)).astype("float32")
    batch = {"a": tf.constant(a), "b": tf.constant(b)}
    loss, logs = m.generator_objective(batch, batch)
    g, f = m.generator.a_to_b, m.generator.b_to_a
    fake_b, fake_a = g(a, training=True).numpy(), f(b, training=True).numpy()  # batch statistics, as in training
    cycle_a = np.square(f(fake_b, training=True).numpy() - a).mean()
    cycle_b = np.square(g(fake_a, training=True).numpy() - b).mean()

    def softplus(x):
        return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)

    adversarial = (softplus(-m.discriminator_b(fake_b, training=True).numpy()).mean()
                   + softplus(-m.discriminator_a(fake_a, training=True).numpy()).mean())
    np.testing.assert_allclose(float(logs["g_cycle_a"]), cycle_a, rtol=1e-5)
    np.testing.assert_allclose(float(logs["g_cycle_b"]), cycle_b, rtol=1e-5)
    np.testing.assert_allclose(float(loss), adversarial + cycle_a + cycle_b, rtol=1e-5)

    fake = {"a": tf.constant(fake_a), "b": tf.constant(fake_b)}
    _, d_logs = m.discriminator_objective(batch, fake)
    d_b = m.discriminator_b
    expected = softplus(-d_b(b, training=True).numpy()).mean() + softplus(d_b(fake_b, training=True).numpy()).mean()
    np.testing.assert_allclose(float(d_logs["d_b_loss"]), expected, rtol=1e-5)


def test_weight_decay_is_pytorchs_coupled_l2():
    m = tfgan_zoo.build_model("discogan", image_size=16, channels=1, g_base_filters=2, d_base_filters=2,
                              weight_decay=1e-3)
    value, name = m.weight_penalty("discriminator")
    expected = 1e-3 * 0.5 * sum(float(np.square(v.numpy()).sum()) for v in
                                m.discriminator_a.trainable_variables + m.discriminator_b.trainable_variables)
    assert name == "d_weight_decay"
    np.testing.assert_allclose(float(value), expected, rtol=1e-5)
    assert tfgan_zoo.build_model("discogan", image_size=16, channels=1, g_base_filters=2, d_base_filters=2,
                                 weight_decay=0.0).weight_penalty("generator") is None


def test_fit_step_updates_both_players_once_with_adam():
    m, cfg = build_tiny("discogan")
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0)
    assert int(m.d_optimizer.iterations.numpy()) == 2 and int(m.g_optimizer.iterations.numpy()) == 2
    assert m.g_optimizer.__class__.__name__ == "Adam"
    assert abs(float(m.g_optimizer.epsilon) - 1e-8) < 1e-12


def test_translate_validates_shapes_and_direction():
    with pytest.raises(ValueError, match="multiple of 16"):
        tfgan_zoo.build_model("discogan", image_size=24)
    m = tfgan_zoo.build_model("discogan", image_size=16, channels=1, g_base_filters=2, d_base_filters=2)
    assert m.translate(np.zeros((3, 16, 16, 1), "float32"), direction="b_to_a").shape == (3, 16, 16, 1)
    with pytest.raises(ValueError, match="16, 16, 1"):
        m.translate(np.zeros((1, 32, 32, 1), "float32"))
    with pytest.raises(ValueError, match="directions"):
        m.translate(np.zeros((1, 16, 16, 1), "float32"), direction="up")
