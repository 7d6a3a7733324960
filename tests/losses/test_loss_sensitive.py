"""Loss-Sensitive GAN / GLS-GAN objectives against closed-form values."""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.losses import loss_sensitive as ls
from tfgan_zoo.losses.adversarial import wasserstein_discriminator_loss

REAL_L = np.array([0.5, 2.0, 0.0, 1.0], np.float32)
FAKE_L = np.array([1.0, 0.5, 3.0, 1.0], np.float32)
MARGIN = np.array([1.0, 0.2, 0.5, 0.0], np.float32)


def test_generalized_rectifier_closed_form():
    a = np.array([-2.0, -0.5, 0.0, 1.5], np.float32)
    np.testing.assert_allclose(ls.generalized_rectifier(a, 0.0).numpy(), [0.0, 0.0, 0.0, 1.5])
    np.testing.assert_allclose(ls.generalized_rectifier(a, 0.25).numpy(), [-0.5, -0.125, 0.0, 1.5])
    np.testing.assert_allclose(ls.generalized_rectifier(a, 1.0).numpy(), a)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ls.generalized_rectifier(a, 1.5)


def test_l1_margin_is_scaled_pixel_distance_without_gradient():
    x = np.zeros((2, 2, 2, 1), np.float32)
    g = np.array([[[[1.0], [-1.0]], [[0.5], [0.0]]], [[[0.0], [0.0]], [[0.0], [-2.0]]]], np.float32)
    m = ls.loss_sensitive_margin(x, g, scale=0.5)
    np.testing.assert_allclose(m.numpy(), [0.5 * 2.5, 0.5 * 2.0])
    np.testing.assert_allclose(ls.loss_sensitive_margin(x, g, norm="l2").numpy(), [np.sqrt(2.25), 2.0], rtol=1e-6)
    fake = tf.Variable(g)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(ls.loss_sensitive_margin(x, fake))
    assert tape.gradient(out, fake) is None
    with pytest.raises(ValueError, match="'l1' or 'l2'"):
        ls.loss_sensitive_margin(x, g, norm="linf")


def test_ls_gan_hinge_closed_form():
    got = ls.loss_sensitive_discriminator_loss(REAL_L, FAKE_L, MARGIN).numpy()
    # (Δ + L(x) - L(G(z)))_+ : (1 + .5 - 1)=.5 ; (.2 + 2 - .5)=1.7 ; (.5 + 0 - 3)<0 → 0 ; (0 + 1 - 1)=0
    np.testing.assert_allclose(got, [0.5, 1.7, 0.0, 0.0], rtol=1e-6)
    with_real = ls.loss_sensitive_discriminator_loss(REAL_L, FAKE_L, MARGIN, real_weight=0.1).numpy()
    np.testing.assert_allclose(with_real, [0.55, 1.9, 0.0, 0.1], rtol=1e-6)
    np.testing.assert_allclose(ls.loss_sensitive_generator_loss(FAKE_L[:, None]).numpy(), FAKE_L)


def test_gls_gan_interpolates_and_nu_one_is_wgan():
    leaky = ls.loss_sensitive_discriminator_loss(REAL_L, FAKE_L, MARGIN, slope=0.5).numpy()
    np.testing.assert_allclose(leaky, [0.5, 1.7, -1.25, 0.0], rtol=1e-6)
    # ν = 1: Δ + L(x) - L(G(z)) — WGAN's critic loss with f = -L, up to the (θ-independent) margin.
    linear = ls.loss_sensitive_discriminator_loss(REAL_L, FAKE_L, MARGIN, slope=1.0).numpy()
    np.testing.assert_allclose(linear - MARGIN, wasserstein_discriminator_loss(-REAL_L, -FAKE_L).numpy(), rtol=1e-6)


def test_hinge_gradient_only_where_margin_is_violated():
    real, fake = tf.Variable(REAL_L), tf.Variable(FAKE_L + [0, 0, 0, 0.5])  # every case strictly on one side
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(ls.loss_sensitive_discriminator_loss(real, fake, MARGIN))
    g_real, g_fake = tape.gradient(total, [real, fake])
    np.testing.assert_allclose(g_real.numpy(), [1, 1, 0, 0])
    np.testing.assert_allclose(g_fake.numpy(), [-1, -1, 0, 0])


def test_weight_decay_penalty_gradient_is_the_weights():
    w = tf.Variable([[1.0, -2.0], [0.5, 0.0]])
    b = tf.Variable([3.0])
    with tf.GradientTape() as tape:
        p = ls.weight_decay_penalty([w, b])
    np.testing.assert_allclose(p.numpy(), 0.5 * (1 + 4 + 0.25 + 9))
    gw, gb = tape.gradient(p, [w, b])
    np.testing.assert_allclose(gw.numpy(), w.numpy())
    np.testing.assert_allclose(gb.numpy(), b.numpy())
