"""Loss-Sensitive GAN: the authors' configuration, the non-negative learned loss, margin-driven updates, GLS-GAN."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import fixed_dataset
from tfgan_zoo.training import build_and_compile


def test_authors_configuration_parameter_counts():
    """lsgan.lua's netG/netD are the DCGAN-64 reference nets (bias-free): G 3,576,704, L_θ 2,765,568."""
    m = tfgan_zoo.build_model("zoo_configs/lsgan_ls/lsgan_ls_celeba_64.yaml")
    assert m.summary_of_parameters() == {"generator": 3576704, "loss_function": 2765568}
    assert m.loss_function is m.discriminator
    assert m.margin_scale == 2e-4 and m.margin_norm == "l1" and m.slope == 0.0 and m.real_loss_weight == 0.0
    m.compile()
    assert float(m.d_optimizer.learning_rate.numpy()) == np.float32(1e-4) and m.d_optimizer.beta_1 == 0.5


def test_learned_loss_is_non_negative():
    m = tfgan_zoo.build_model("lsgan_ls", image_size=16, channels=1, g_base_filters=4, d_base_filters=4, latent_dim=8)

    # random-sign outputs before the ReLU: make the trunk's last kernel large and mixed
    x = np.random.default_rng(0).uniform(-1, 1, (32, 16, 16, 1)).astype("float32")
    kernel = m.discriminator.get_layer("logit_conv").kernel
    kernel.assign(np.random.default_rng(1).normal(0, 1, kernel.shape))
    trunk = keras.Model(m.discriminator.input, m.discriminator.get_layer("logits").output)
    pre = trunk(x).numpy().ravel()
    assert (pre < 0).any() and (pre > 0).any()
    np.testing.assert_allclose(m.learned_loss(x).numpy(), np.maximum(pre, 0), atol=1e-6)


def _tiny(**params):
    overrides = [f"model.params.{k}={v}" for k, v in params.items()]
    cfg = tfgan_zoo.load_config("zoo_configs/lsgan_ls/lsgan_ls_tiny.yaml", overrides)
    keras.utils.set_random_seed(0)
    return build_and_compile(cfg), cfg


def test_objective_wiring_ls_and_wgan_limits():
    """Logged means satisfy the objective: ν = 1 (WGAN limit) makes the L_θ loss exactly margin + E L(x) - E L(G(z));
    ν = 0 (LS-GAN) gives the mean of a hinge, hence ≥ max(0, that value) (Jensen) and ≥ 0."""
    for slope in (1.0, 0.0):
        m, cfg = _tiny(weight_decay=0.0, slope=slope, margin_scale=0.05)
        h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0).history
        linear = h["margin"][0] + h["real_loss"][0] - h["fake_loss"][0]
        if slope == 1.0:
            assert h["d_loss"][0] == pytest.approx(linear, rel=1e-4, abs=1e-6)
        else:
            # Equality when every hinge is active; the three means are float32 sums, so allow their round-off.
            bound = max(0.0, linear)
            assert h["d_loss"][0] >= bound - 1e-5 * max(1.0, abs(bound))
        assert h["g_loss"][0] >= 0.0


def test_margin_is_logged_and_matches_l1_distance():
    m, cfg = _tiny(weight_decay=0.0)
    ds = fixed_dataset(m, cfg)
    logs = m.fit(ds, steps_per_epoch=1, epochs=1, verbose=0).history
    # margin = τ · mean ‖x - G(z)‖₁ over the batch: bounded by τ·2·pixels, positive for a non-constant G
    pixels = m.image_size**2 * m.channels
    assert 0.0 < logs["margin"][0] < m.margin_scale * 2 * pixels
    assert logs["real_loss"][0] >= 0 and logs["fake_loss"][0] >= 0


def test_weight_decay_shrinks_loss_network_weights_without_data_gradient():
    """With zero margins, a constant-zero L_θ (zero data gradient under ν = 0) and SGD, one step of weight decay
    multiplies every weight by (1 - lr·decay): the Lipschitz regularizer as the authors apply it."""
    m, cfg = _tiny(margin_scale=0.0, weight_decay=0.5)
    m.compile(optimizers={"discriminator": keras.optimizers.SGD(0.1), "generator": keras.optimizers.SGD(0.0)})
    kernel = m.discriminator.get_layer("logit_conv").kernel
    kernel.assign(-tf.ones_like(kernel))  # strongly negative pre-activation → L_θ = 0 on every input → no data gradient
    first = m.discriminator.get_layer("down1_conv").kernel
    first.assign(tf.abs(first) * 0 + 0.01)
    before = kernel.numpy().copy()
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0)
    np.testing.assert_allclose(kernel.numpy(), before * (1 - 0.1 * 0.5), rtol=1e-5)


def test_generator_weight_decay_in_the_reused_fake_step():
    """The G update reuses the D update's G(z) (one G forward, as lsgan.lua); the decay term, which does not pass
    through G(z), still reaches G: with D frozen and SGD, decay changes G's update by exactly −lr·decay·θ."""
    after = []
    for decay in (0.0, 0.5):
        m, cfg = _tiny(weight_decay=decay)
        m.compile(optimizers={"discriminator": keras.optimizers.SGD(0.0), "generator": keras.optimizers.SGD(0.1)})
        start = [v.numpy().copy() for v in m.generator.trainable_variables]
        m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0)
        after.append([v.numpy() for v in m.generator.trainable_variables])
    for theta, plain, decayed in zip(start, *after):
        np.testing.assert_allclose(decayed - plain, -0.1 * 0.5 * theta, rtol=1e-4, atol=1e-6)


def test_validation_errors():
    with pytest.raises(ValueError, match="LS-GAN, 1 = WGAN"):
        tfgan_zoo.build_model("lsgan_ls", image_size=16, g_base_filters=4, d_base_filters=4, slope=2.0)
    with pytest.raises(ValueError, match="margin_norm"):
        tfgan_zoo.build_model("lsgan_ls", image_size=16, g_base_filters=4, d_base_filters=4, margin_norm="l3")


def test_distinct_from_least_squares_gan():
    ls_doc = tfgan_zoo.get_model_class("lsgan").__doc__
    lsgan_ls_doc = tfgan_zoo.get_model_class("lsgan_ls").__doc__
    assert "lsgan_ls" in ls_doc and "Loss-Sensitive" in ls_doc
    assert "`lsgan`" in lsgan_ls_doc and "least-squares" in lsgan_ls_doc
