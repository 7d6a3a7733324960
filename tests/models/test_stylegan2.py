"""StyleGAN2: official parameter counts, lazy-regularization schedule, truncation/mixing/interpolation/projection."""

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset


def _official_counts(resolution, fmap_base=16384, fmap_max=512, latent=512, w_dim=512, mapping=8, channels=3):
    """Trainable parameters of NVlabs/stylegan2 `G_main`/`D_stylegan2` (config-f), counted from the official
    architecture definition (networks_stylegan2.py), independently of our builders."""
    log2 = int(np.log2(resolution))

    def nf(stage):
        return int(np.clip(int(fmap_base / 2.0**stage), 1, fmap_max))

    def modconv(i, o, k, noise=True):
        return k * k * i * o + w_dim * i + i + (1 if noise else 0) + o

    g = mapping * (latent * w_dim + w_dim) if mapping else 0
    g += nf(1) * 16 + modconv(nf(1), nf(1), 3) + modconv(nf(1), channels, 1, noise=False)
    for res in range(3, log2 + 1):
        g += modconv(nf(res - 2), nf(res - 1), 3) + modconv(nf(res - 1), nf(res - 1), 3)
        g += modconv(nf(res - 1), channels, 1, noise=False)
    d = channels * nf(log2 - 1) + nf(log2 - 1)
    for res in range(log2, 2, -1):
        d += 9 * nf(res - 1) ** 2 + nf(res - 1) + 9 * nf(res - 1) * nf(res - 2) + nf(res - 2)
        d += nf(res - 1) * nf(res - 2)
    d += 9 * (nf(1) + 1) * nf(1) + nf(1) + nf(1) * 16 * nf(0) + nf(0) + nf(0) + 1
    return g, d


@pytest.mark.parametrize("config,expected", [
    ("stylegan2_ffhq_1024", (30_370_060, 29_012_513)),
    ("stylegan2_ffhq_256", (30_034_338, 28_864_129)),
])
def test_paper_config_parameter_counts_match_official(config, expected):
    m = tfgan_zoo.build_model(f"zoo_configs/stylegan2/{config}.yaml")
    counts = m.summary_of_parameters()
    assert (counts["generator"], counts["discriminator"]) == expected
    assert _official_counts(m.image_size) == expected
    assert m.num_ws == 2 * int(np.log2(m.image_size)) - 2
    # noise buffers and the tracked w are not trainable
    assert counts["generator"] == sum(int(np.prod(v.shape)) for v in m.generator.trainable_variables)


def test_default_optimizers_have_lazy_regularization_scaling():
    m, _ = build_tiny("stylegan2")
    m.compile()
    d = m.d_optimizer
    c = m.r1_interval / (m.r1_interval + 1)
    np.testing.assert_allclose(float(d.learning_rate), 0.002 * c, rtol=1e-6)
    np.testing.assert_allclose(d.beta_2, 0.99**c, rtol=1e-6)
    cg = m.pl_interval / (m.pl_interval + 1)
    np.testing.assert_allclose(float(m.g_optimizer.learning_rate), 0.002 * cg, rtol=1e-6)


def test_lazy_regularization_runs_on_schedule():
    # tiny config: r1_interval = pl_interval = 2 → regularizers on steps 0, 2 (of 0..3)
    m, cfg = build_tiny("stylegan2")
    h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=4, epochs=1, verbose=0).history
    assert h["r1_penalty"][-1] > 0 and h["pl_penalty"][-1] > 0
    assert float(m.pl_mean.numpy()) > 0  # moving average of path lengths started
    assert np.isfinite(h["pl_mean"][-1])
    w_avg = m.generator.get_layer("truncation").w_avg.numpy()
    assert np.abs(w_avg).max() > 0  # tracked average w moved

    # intervals larger than the run: only step 0 regularizes; the loss of the other steps excludes it
    m2 = tfgan_zoo.build_model("zoo_configs/stylegan2/stylegan2_tiny.yaml", r1_interval=100, pl_interval=100)
    m2.compile()
    m2.fit(fixed_dataset(m2, cfg), steps_per_epoch=3, epochs=1, verbose=0)
    first_pl = float(m2.pl_mean.numpy())
    m2.fit(fixed_dataset(m2, cfg), steps_per_epoch=2, epochs=1, verbose=0)
    assert float(m2.pl_mean.numpy()) == first_pl  # no path-length step at iterations 3, 4


def test_r1_regularized_step_changes_the_update():
    cfg_path = "zoo_configs/stylegan2/stylegan2_tiny.yaml"
    results = []
    for gamma in (0.0, 10.0):
        import keras

        keras.utils.set_random_seed(3)
        m = tfgan_zoo.build_model(cfg_path, r1_gamma=gamma)
        m.compile()
        _, cfg = build_tiny("stylegan2")
        m.fit(fixed_dataset(m, cfg), steps_per_epoch=3, epochs=1, verbose=0)
        results.append(m.discriminator.get_weights())
    # (one step would not do: Adam's first update is lr·sign(g) whatever the penalty's size)
    assert any(not np.allclose(a, b) for a, b in zip(*results))


def test_truncation_style_mix_interpolate():
    m, _ = build_tiny("stylegan2")
    m.generator_ema.get_layer("truncation").w_avg.assign(np.full(m.w_dim, 0.3, np.float32))
    a = m.generate(3, seed=5)
    zero = m.generate(3, seed=5, truncation_psi=0.0)
    np.testing.assert_allclose(zero[0], zero[1], atol=1e-6)  # ψ = 0 → the average image for every seed
    assert np.abs(a[0] - a[1]).max() > 1e-3
    cut = m.generate(3, seed=5, truncation_psi=0.0, truncation_cutoff=2)
    assert np.abs(cut - zero).max() > 1e-4 and np.abs(cut - a).max() > 1e-4

    grid = m.style_mix([1, 2], [3, 4, 5], layers=range(0, 2))
    assert grid.shape == (2, 3, m.image_size, m.image_size, m.channels)
    full = m.style_mix([1], [3], layers=range(m.num_ws))
    np.testing.assert_allclose(full[0, 0], m.generate(1, seed=3)[0], atol=1e-5)  # all layers from seed b
    with pytest.raises(ValueError, match="layers"):
        m.style_mix([1], [2], layers=[m.num_ws])

    for space in ("z", "w"):
        path = m.interpolate(1, 2, steps=4, space=space)
        assert path.shape == (4, m.image_size, m.image_size, m.channels)
        np.testing.assert_allclose(path[0], m.generate(1, seed=1)[0], atol=1e-4)
        np.testing.assert_allclose(path[-1], m.generate(1, seed=2)[0], atol=1e-4)
    with pytest.raises(ValueError, match="space"):
        m.interpolate(1, 2, space="x")


def test_projector_reduces_distance_and_restores_noise():
    m, _ = build_tiny("stylegan2")
    target = m.generate(1, seed=9)
    noise_before = [v.numpy().copy() for v in m.generator_ema.variables if v.path.endswith("noise_const")]
    out0 = m.project(target, steps=1, num_w_samples=64)
    out = m.project(target, steps=40, num_w_samples=64)
    assert out["ws"].shape == (1, m.num_ws, m.w_dim)
    err0 = np.mean((out0["images"] - target) ** 2)
    err = np.mean((out["images"] - target) ** 2)
    assert err < err0
    noise_after = [v.numpy() for v in m.generator_ema.variables if v.path.endswith("noise_const")]
    for a, b in zip(noise_before, noise_after):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="expects images"):
        m.project(np.zeros((1, 8, 8, 1), np.float32), steps=1)


def test_generate_signature_takes_psi(tmp_path):
    from tfgan_zoo.export import export_saved_model

    m, _ = build_tiny("stylegan2")
    path = export_saved_model(m, tmp_path)
    loaded = tf.saved_model.load(path)
    out = loaded.signatures["generate"](seed=tf.constant(4), num_images=tf.constant(2),
                                        truncation_psi=tf.constant(0.5))["images"].numpy()
    np.testing.assert_allclose(out, m.generate(2, seed=4, truncation_psi=0.5), atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="power of two"):
        tfgan_zoo.build_model("stylegan2", image_size=24, fmap_base=64, fmap_max=8)
    with pytest.raises(ValueError, match="r1_interval"):
        tfgan_zoo.build_model("stylegan2", image_size=8, r1_interval=0)
