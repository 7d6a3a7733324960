"""ESRGAN: the official parameter count, RRDB initialisation, RaGAN losses, PSNR stage, network interpolation."""

import os

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.conftest import REPO, load_tiny
from tfgan_zoo.data import build_dataset
from tfgan_zoo.losses.relativistic import (
    relativistic_average_discriminator_loss,
    relativistic_average_generator_loss,
)
from tfgan_zoo.models.esrgan import esrgan_networks, interpolate


def _trainable(model):
    return int(sum(np.prod(v.shape) for v in model.trainable_weights))


def test_published_parameter_counts_and_initialisation():
    cfg = tfgan_zoo.load_config(os.path.join(REPO, "zoo_configs", "esrgan", "esrgan_div2k_128.yaml"))
    p = cfg.model.params
    g = esrgan_networks.build_generator(p["scale"], p["channels"], p["g_filters"], p["num_blocks"], p["growth"])
    # RRDB_ESRGAN_x4.pth (xinntao/ESRGAN RRDBNet(3, 3, 64, 23, gc=32)): 16,697,987 parameters
    assert _trainable(g) == 16_697_987
    d = esrgan_networks.build_discriminator(p["image_size"], p["channels"], p["d_base_filters"])
    assert _trainable(d) == 14_499_401  # BasicSR VGGStyleDiscriminator128(3, 64)
    kernel = g.get_layer("body_0_rdb1_conv5").kernel.numpy()  # fan_in 3*3*192
    np.testing.assert_allclose(kernel.std(), 0.1 * np.sqrt(2.0 / (9 * 192)), rtol=0.05)
    # other convs: PyTorch's default U(+-1/sqrt(fan_in)), std 1/sqrt(3 fan_in)
    np.testing.assert_allclose(g.get_layer("conv_first").kernel.numpy().std(), 1 / np.sqrt(3 * 27), rtol=0.1)


def test_relativistic_average_losses_closed_form():
    real = np.array([[2.0], [-1.0], [0.5]], np.float32)
    fake = np.array([[-0.5], [1.5], [0.0]], np.float32)
    rm, fm = real.mean(), fake.mean()
    softplus = lambda x: np.log1p(np.exp(x))  # noqa: E731
    d = relativistic_average_discriminator_loss(real, fake, rm, fm).numpy()
    g = relativistic_average_generator_loss(real, fake, rm, fm).numpy()
    np.testing.assert_allclose(d, 0.5 * (softplus(-(real[:, 0] - fm)) + softplus(fake[:, 0] - rm)), rtol=1e-6)
    np.testing.assert_allclose(g, 0.5 * (softplus(real[:, 0] - fm) + softplus(-(fake[:, 0] - rm))), rtol=1e-6)
    # indistinguishable logits: both losses are log 2 (sigmoid(0) = 1/2 either way)
    np.testing.assert_allclose(relativistic_average_discriminator_loss(real, real, rm, rm).numpy().mean(),
                               np.mean(0.5 * (softplus(-(real[:, 0] - rm)) + softplus(real[:, 0] - rm))), rtol=1e-6)


def _tiny(stage, seed):
    return tfgan_zoo.build_model("esrgan", image_size=32, g_filters=8, num_blocks=1, growth=4, d_base_filters=4,
                                 d_dense_units=8, training_stage=stage, perceptual_network="digits", seed=seed)


def test_psnr_stage_l1_and_interpolation():
    import keras

    keras.utils.set_random_seed(1)
    psnr = _tiny("psnr", 1)
    psnr.compile()
    cfg = load_tiny("esrgan")
    cfg.data.image_size = 32
    ds, _ = build_dataset(cfg.data, psnr.task, 2)
    d_before = [w.copy() for w in psnr.discriminator.get_weights()]
    history = psnr.fit(ds, steps_per_epoch=2, epochs=1, verbose=0).history
    assert history["g_pixel"][0] > 0 and np.isfinite(history["g_loss"]).all()
    assert all(np.array_equal(a, b) for a, b in zip(d_before, psnr.discriminator.get_weights()))
    lr, hr = next(iter(ds))
    # L1 on the official [0, 1] scale: half the mean absolute difference of the zoo's [-1, 1] images
    np.testing.assert_allclose(psnr.pixel_loss(hr, hr * 0.0).numpy(),
                               0.5 * np.abs(hr.numpy()).mean(axis=(1, 2, 3)), rtol=1e-5)
    keras.utils.set_random_seed(2)
    gan = _tiny("gan", 2)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 6, 6, 3)).astype("float32")
    zero, one, half = (interpolate(psnr, gan, a) for a in (0.0, 1.0, 0.5))
    for model, ref in ((zero, psnr), (one, gan)):
        for a, b in zip(model.generator.get_weights(), ref.generator.get_weights()):
            np.testing.assert_allclose(a, b, atol=1e-7)
    for a, b, c in zip(half.generator.get_weights(), psnr.generator.get_weights(), gan.generator.get_weights()):
        np.testing.assert_allclose(a, 0.5 * (b + c), atol=1e-7)
    assert half.training_stage == "gan" and half.upscale(x).shape == (1, 24, 24, 3)
    with pytest.raises(ValueError, match="alpha"):
        interpolate(psnr, gan, 1.5)
    other = tfgan_zoo.build_model("esrgan", image_size=32, g_filters=4, num_blocks=1, growth=4, d_base_filters=4,
                                  d_dense_units=8, training_stage="psnr")
    with pytest.raises(ValueError, match="architecture"):
        interpolate(other, gan, 0.5)


def _compiled_gan_and_batch(seed, batch_size):
    """A compiled tiny GAN-stage ESRGAN and one (LR, HR) batch of the tiny config's data at 32²."""
    model = _tiny("gan", seed)
    model.compile()
    cfg = load_tiny("esrgan")
    cfg.data.image_size = 32
    lr, hr = next(iter(build_dataset(cfg.data, model.task, batch_size)[0]))
    return model, lr, hr, {"low_res": lr, "high_res": hr}


def test_ragan_generator_step_uses_the_real_batch():
    model, lr, hr, batch = _compiled_gan_and_batch(4, 2)
    loss_a, logs = model.generator_objective(batch, lr)
    loss_b, _ = model.generator_objective({"low_res": lr, "high_res": tf.reverse(hr, [1])}, lr)
    assert {"g_adversarial", "g_pixel", "g_perceptual", "g_loss"} <= set(logs)
    expected = 5e-3 * logs["g_adversarial"] + 1e-2 * logs["g_pixel"] + logs["g_perceptual"]
    np.testing.assert_allclose(float(loss_a), float(expected), rtol=1e-5)
    assert float(loss_a) != float(loss_b)


def test_esrgan_photos_preset_beats_bicubic():
    from tests.models.test_srgan import check_photos_preset

    result = check_photos_preset("esrgan_photos_x4")
    assert result.mean("model", "sharpness") > result.mean("bicubic", "sharpness")


def test_eval_command_runs_the_sr_photos_protocol(tmp_path):
    from tfgan_zoo.evaluation.config_eval import evaluate_config
    from tfgan_zoo.evaluation.super_resolution import high_frequency_ratio

    config = load_tiny("esrgan")
    config.model.params.update(training_stage="psnr", image_size=32)
    config.data.image_size = 32
    model = tfgan_zoo.build_model(config)
    weights = str(tmp_path / "m.weights.h5")
    model.save_weights(weights)
    result = evaluate_config(config, weights, "sr_photos")
    assert [r["name"] for r in result.images] == ["coffee", "chelsea", "flower"]
    assert "bicubic" in result.summary() and np.isfinite(result.mean("bicubic", "psnr"))
    with pytest.raises(ValueError, match="sr_photos"):
        evaluate_config(config, weights, "swd")
    hr = np.random.default_rng(0).uniform(-1, 1, (1, 16, 16, 3))
    np.testing.assert_allclose(high_frequency_ratio(hr, hr), 1.0)
    assert high_frequency_ratio(np.zeros_like(hr), hr)[0] < 1e-12  # a flat image has no high frequencies


def test_ragan_discriminator_gradient_treats_the_other_batch_mean_as_a_constant():
    """BasicSR's D update: ½ BCE(C(x_r) − mean C(x_f), 1) with the fake prediction detached, plus
    ½ BCE(C(x_f) − mean C(x_r), 0) with the real prediction detached. The zoo's D gradient equals that one; letting
    the fake mean carry its gradient (the earlier code) gives another."""
    model, lr, hr, batch = _compiled_gan_and_batch(5, 4)
    fake = model.generator(lr, training=False)
    variables = model.discriminator.trainable_variables

    def reference(detach_fake_mean):
        r = tf.reshape(model.discriminate(hr, batch), [-1])
        f = tf.reshape(model.discriminate(fake, batch), [-1])
        f_mean = tf.stop_gradient(tf.reduce_mean(f)) if detach_fake_mean else tf.reduce_mean(f)
        real_term = tf.nn.softplus(-(r - f_mean))
        fake_term = tf.nn.softplus(f - tf.stop_gradient(tf.reduce_mean(r)))
        return tf.reduce_mean(0.5 * (real_term + fake_term))

    grads = []
    for fn in (lambda: model.discriminator_objective(batch, fake)[0], lambda: reference(True),
               lambda: reference(False)):
        with tf.GradientTape() as tape:
            loss = fn()
        grads.append(np.concatenate([tf.reshape(g, [-1]).numpy() for g in tape.gradient(loss, variables)]))
    scale = np.abs(grads[1]).max()
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-4 * scale)
    assert np.abs(grads[2] - grads[1]).max() > 1e-2 * scale
