"""PGGAN: official parameter counts, the level-of-detail schedule (fade-in, resume), fading networks, loss terms."""

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset
from tfgan_zoo.layers.progressive import images_at_lod
from tfgan_zoo.models.pggan.pggan_gan import lod_schedule


def _official_counts(resolution, fmap_base=8192, fmap_max=512, channels=3):
    """Trainable parameters of tkarras/progressive_growing_of_gans `G_paper` / `D_paper`, counted from the official
    architecture (networks.py), independently of our builders."""
    log2 = int(np.log2(resolution))

    def nf(stage):
        return min(int(fmap_base / 2.0**stage), fmap_max)

    g = nf(0) * nf(1) * 16 + nf(1) + 9 * nf(1) ** 2 + nf(1) + nf(1) * channels + channels
    d = 9 * (nf(1) + 1) * nf(1) + nf(1) + nf(1) * 16 * nf(0) + nf(0) + nf(0) + 1 + channels * nf(1) + nf(1)
    for res in range(3, log2 + 1):
        g += 9 * nf(res - 2) * nf(res - 1) + nf(res - 1) + 9 * nf(res - 1) ** 2 + nf(res - 1)
        g += nf(res - 1) * channels + channels
        d += 9 * nf(res - 1) ** 2 + nf(res - 1) + 9 * nf(res - 1) * nf(res - 2) + nf(res - 2)
        d += channels * nf(res - 1) + nf(res - 1)
    return g, d


def test_paper_config_parameter_counts_match_official():
    m = tfgan_zoo.build_model("zoo_configs/pggan/pggan_celebahq_1024.yaml")
    counts = m.summary_of_parameters()
    expected = (23_079_115, 23_087_249)  # paper Table 2: 23.1M / 23.1M
    assert (counts["generator"], counts["discriminator"]) == expected == _official_counts(1024)
    assert m.current_lod() == 8.0 and m.current_resolution() == 4


def test_schedule_matches_official_training_schedule():
    # start at 4x4 (lod 8 for 1024): stabilize 800k, fade 800k into 8x8, ...
    assert lod_schedule(0, 8, 800, 800) == 8.0
    assert lod_schedule(799_000, 8, 800, 800) == 8.0
    assert lod_schedule(1_200_000, 8, 800, 800) == pytest.approx(7.5)
    assert lod_schedule(1_600_000, 8, 800, 800) == pytest.approx(7.0)
    assert lod_schedule(100_000_000, 8, 800, 800) == 0.0
    # the graph version agrees
    assert float(lod_schedule(tf.constant(1_200_000, tf.int64), 8, 800, 800)) == pytest.approx(7.5)


def test_fit_follows_schedule_and_resume_continues(tmp_path):
    m, cfg = build_tiny("pggan")  # 16 px: lod 2 → 0; 8 images stabilize + 8 fade-in per level; batch 8
    assert m.current_lod() == 2.0
    h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=3, epochs=1, verbose=0).history
    # images seen before each step: 0, 8, 16 → lod 2, 2, 1 (fade from 4x4 finished after 16 images)
    np.testing.assert_allclose(h["lod"][-1], (2 + 2 + 1.0) / 3, rtol=1e-6)
    assert int(m.images_seen.numpy()) == 24
    assert m.generator_ema.get_layer("lod").lod.numpy() == m.generator.get_layer("lod").lod.numpy() == 1.0
    # checkpoint mid-schedule, restore into a fresh model, continue: the schedule resumes from images_seen
    ckpt = m.checkpoint()
    path = ckpt.save(str(tmp_path / "ckpt"))
    fresh, _ = build_tiny("pggan", seed=5)
    fresh.checkpoint().restore(path).assert_existing_objects_matched()
    assert int(fresh.images_seen.numpy()) == 24 and fresh.current_lod() == 1.0
    h2 = fresh.fit(fixed_dataset(fresh, cfg), steps_per_epoch=2, epochs=1, verbose=0).history
    # 24 images: still stabilizing 8x8 (lod 1); 32 images: the 8→16 fade has finished (lod 0)
    np.testing.assert_allclose(h2["lod"][-1], 0.5, rtol=1e-6)
    assert fresh.current_lod() == 0.0


def test_generator_output_fades_between_levels():
    m, _ = build_tiny("pggan")
    z = m.latents_for(2, seed=1)
    g = m.generator
    m.set_lod(2.0)
    coarse = g(z).numpy()
    # lod 2: a 4x4 image upsampled by 4 (constant 4x4 blocks)
    np.testing.assert_allclose(coarse, np.repeat(np.repeat(coarse[:, ::4, ::4], 4, 1), 4, 2), atol=1e-6)
    m.set_lod(1.0)
    mid = g(z).numpy()
    m.set_lod(1.5)
    half = g(z).numpy()
    np.testing.assert_allclose(half, 0.5 * (coarse + mid), atol=1e-5)  # linear fade
    m.set_lod(0.0)
    fine = g(z).numpy()
    assert np.abs(fine - np.repeat(np.repeat(fine[:, ::2, ::2], 2, 1), 2, 2)).max() > 1e-4  # full detail


def test_real_images_shown_at_level_of_detail():
    x = tf.random.uniform((2, 8, 8, 1))
    np.testing.assert_allclose(images_at_lod(x, 0.0, 1).numpy(), x.numpy(), atol=1e-6)
    lod1 = images_at_lod(x, 1.0, 1).numpy()
    box = tf.nn.avg_pool2d(x, 2, 2, "VALID").numpy()
    np.testing.assert_allclose(lod1, np.repeat(np.repeat(box, 2, 1), 2, 2), atol=1e-6)
    np.testing.assert_allclose(images_at_lod(x, 0.25, 1).numpy(), 0.75 * x.numpy() + 0.25 * lod1, atol=1e-6)


def test_losses_include_gradient_penalty_and_drift_and_paper_optimizer():
    m, cfg = build_tiny("pggan")
    h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0).history
    assert h["gradient_penalty"][-1] > 0 and h["drift"][-1] > 0
    opt = m.d_optimizer
    assert (opt.beta_1, opt.beta_2, opt.epsilon) == (0.0, 0.99, 1e-8)
    assert float(opt.learning_rate) == pytest.approx(1e-3)
    assert m.drift_weight == 0.001 and m.gp_weight == 10.0 and m.ema_decay == 0.999


def test_fixed_lod_and_swd():
    m = tfgan_zoo.build_model("zoo_configs/pggan/pggan_tiny.yaml", fixed_lod=0.0)
    m.compile()
    assert m.current_lod() == 0.0
    real = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 1)).astype(np.float32)
    out = m.sliced_wasserstein(real, seed=0, patches_per_image=16, min_resolution=8)
    assert set(out["levels"]) == {16, 8} and out["mean"] > 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="power of two"):
        tfgan_zoo.build_model("pggan", image_size=20)
    with pytest.raises(ValueError, match="lod_initial_resolution"):
        tfgan_zoo.build_model("pggan", image_size=16, lod_initial_resolution=32, fmap_base=64, fmap_max=8)
