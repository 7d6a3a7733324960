"""LAPGAN: paper configuration, the cascade, per-level training on the real pyramid."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import fixed_dataset
from tfgan_zoo.layers.laplacian_pyramid import laplacian_pyramid, upsample
from tfgan_zoo.training import build_and_compile


def test_cifar10_configuration():
    m = tfgan_zoo.build_model("zoo_configs/lapgan/lapgan_cifar10_32.yaml")
    assert m.level_sizes == [16, 32] and m.latent_dim == 100 + 16 * 16 + 32 * 32
    counts = m.summary_of_parameters()
    # Coarse MLP G: 100→1200→1200→8·8·3; D: 192→600→600→1 (measured; the paper gives no parameter count).
    assert counts["coarse_generator"] == 100 * 1200 + 1200 + 1200 * 1200 + 1200 + 1200 * 192 + 192
    assert counts["coarse_discriminator"] == 192 * 600 + 600 + 600 * 600 + 600 + 600 + 1
    # 16×16 G_k: conv(3+1 → 64), conv(64 → 64), conv(64 → 3), 5×5
    assert counts["level0_generator"] == (25 * 4 * 64 + 64) + (25 * 64 * 64 + 64) + (25 * 64 * 3 + 3)
    # 32×32 D_k: conv(3+3 → 128), conv(128 → 128, stride 2), linear on 16·16·128
    assert counts["level1_discriminator"] == (25 * 6 * 128 + 128) + (25 * 128 * 128 + 128) + 16 * 16 * 128 + 1
    assert m.coarse_generator.output.shape[1:] == (8, 8, 3)
    assert m.generator.output.shape[1:] == (32, 32, 3)
    m.compile()
    assert isinstance(m.g_optimizer, keras.optimizers.SGD) and m.g_optimizer.momentum == 0.5


def test_cascade_is_coarse_to_fine_residual_refinement():
    m = tfgan_zoo.build_model("zoo_configs/lapgan/lapgan_tiny.yaml")
    from tfgan_zoo.export.testing import randomize_generator

    randomize_generator(m, seed=0)
    z = m.latents_for(4, seed=2)
    levels = [im.numpy() for im in m.sample_levels(z)]
    assert [im.shape[1] for im in levels] == [4, 8, 16]
    np.testing.assert_allclose(m(z).numpy(), levels[-1], atol=1e-6)
    # each level = clip(u(previous) + G_k(u(previous), z_k)): check the last one directly
    zc, planes = m.split_latents(z)
    low = upsample(levels[1])
    band = m.level_generators[-1]([low, planes[-1]]).numpy()
    np.testing.assert_allclose(levels[-1], np.clip(low.numpy() + band, -1, 1), atol=1e-6)
    # the finest noise plane only changes the finest band: perturbing it leaves the 8×8 level unchanged
    z2 = z.numpy().copy()
    z2[:, -16 * 16:] = -z2[:, -16 * 16:]
    levels2 = [im.numpy() for im in m.sample_levels(z2)]
    np.testing.assert_allclose(levels2[1], levels[1], atol=0)
    assert np.abs(levels2[2] - levels[2]).max() > 1e-3


def test_zero_band_generators_give_the_upsampled_coarse_image():
    m = tfgan_zoo.build_model("zoo_configs/lapgan/lapgan_tiny.yaml")
    for g in m.level_generators:
        last = g.get_layer("to_band_pass")
        last.kernel.assign(tf.zeros_like(last.kernel))
        last.bias.assign(tf.zeros_like(last.bias))
    z = m.latents_for(2, seed=0)
    coarse = m.coarse_generator(z[:, : m.coarse_latent_dim])
    np.testing.assert_allclose(m(z).numpy(), upsample(upsample(coarse)).numpy(), atol=1e-6)


def test_levels_train_on_their_own_real_pyramid_level():
    """D_k's real input is (h_k, l_k) of the real image's Laplacian pyramid, and the coarse D sees I_K."""
    m = tfgan_zoo.build_model("zoo_configs/lapgan/lapgan_tiny.yaml")
    x = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 1)).astype("float32")
    coarse, pairs = m._level_inputs(tf.constant(x))
    pyr = laplacian_pyramid(x, 2)  # [h_0 (16), h_1 (8), I_2 (4)]
    np.testing.assert_allclose(coarse.numpy(), pyr[2].numpy(), atol=1e-6)
    np.testing.assert_allclose(pairs[0][0].numpy(), pyr[1].numpy(), atol=1e-6)  # 8×8 band
    np.testing.assert_allclose(pairs[1][0].numpy(), pyr[0].numpy(), atol=1e-6)  # 16×16 band
    # band + low reconstructs the real image at that level
    np.testing.assert_allclose((pairs[1][0] + pairs[1][1]).numpy(), x, atol=1e-6)


def test_levels_are_independent_players():
    """A step's gradients for one level's G depend only on that level: zeroing the coarse D leaves G_k's update
    unchanged (same seed), i.e. the joint step is exactly independent per-level training."""
    updates = []
    for zero_coarse in (False, True):
        cfg = tfgan_zoo.load_config("zoo_configs/lapgan/lapgan_tiny.yaml")
        keras.utils.set_random_seed(3)
        m = build_and_compile(cfg)
        if zero_coarse:
            for v in m.coarse_discriminator.trainable_variables:
                v.assign(v * 0.5)
        before = [w.numpy().copy() for w in m.level_generators[-1].trainable_variables]
        m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0)
        after = [w.numpy() for w in m.level_generators[-1].trainable_variables]
        updates.append([a - b for a, b in zip(after, before)])
        coarse_g = m.coarse_generator.trainable_variables[0].numpy()
        updates[-1].append(coarse_g)
    for a, b in zip(updates[0][:-1], updates[1][:-1]):
        np.testing.assert_allclose(a, b, atol=1e-7)
    assert np.abs(updates[0][-1] - updates[1][-1]).max() > 0  # the coarse G did see the change


def test_bad_configurations_are_explained():
    with pytest.raises(ValueError, match=r"coarse_size·2\^k"):
        tfgan_zoo.build_model("lapgan", image_size=24, coarse_size=8)
    with pytest.raises(ValueError, match="one width per conv level"):
        tfgan_zoo.build_model("lapgan", image_size=32, coarse_size=8, g_filters=[64])
    m = tfgan_zoo.build_model("zoo_configs/lapgan/lapgan_tiny.yaml")
    with pytest.raises(ValueError, match="latents must have shape"):
        m.sample_levels(np.zeros((2, 5), "float32"))
