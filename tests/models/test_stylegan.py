"""StyleGAN: official parameter counts, AdaIN/noise/constant structure, progressive schedule, truncation, mixing."""

import numpy as np
import pytest

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset


def _official_counts(resolution, fmap_base=8192, fmap_max=512, w_dim=512, mapping=8, channels=3):
    """Trainable parameters of NVlabs/stylegan `G_style` / `D_basic` from the official architecture
    (networks_stylegan.py), independently of our builders."""
    log2 = int(np.log2(resolution))

    def nf(stage):
        return min(int(fmap_base / 2.0**stage), fmap_max)

    def epilogue(c):  # noise weight, bias, style affine (2c outputs with bias)
        return c + c + w_dim * 2 * c + 2 * c

    g = mapping * (w_dim * w_dim + w_dim) + nf(1) * 16 + epilogue(nf(1)) + 9 * nf(1) ** 2 + epilogue(nf(1))
    g += nf(1) * channels + channels
    d = 9 * (nf(1) + 1) * nf(1) + nf(1) + nf(1) * 16 * nf(0) + nf(0) + nf(0) + 1 + channels * nf(1) + nf(1)
    for res in range(3, log2 + 1):
        g += 9 * nf(res - 2) * nf(res - 1) + epilogue(nf(res - 1)) + 9 * nf(res - 1) ** 2 + epilogue(nf(res - 1))
        g += nf(res - 1) * channels + channels
        d += 9 * nf(res - 1) ** 2 + nf(res - 1) + 9 * nf(res - 1) * nf(res - 2) + nf(res - 2)
        d += channels * nf(res - 1) + nf(res - 1)
    return g, d


def test_paper_config_parameter_counts_match_official():
    m = tfgan_zoo.build_model("zoo_configs/stylegan/stylegan_ffhq_1024.yaml")
    counts = m.summary_of_parameters()
    assert (counts["generator"], counts["discriminator"]) == (26_219_627, 23_087_249) == _official_counts(1024)
    assert m.num_ws == 18 and m.current_lod() == 7.0  # grows from 8x8


def test_generator_structure_adain_noise_constant():
    m, _ = build_tiny("stylegan")
    synthesis = m.parts(m.generator)[2]
    kinds = [type(l).__name__ for l in synthesis.layers]
    assert kinds.count("AdaIN") == m.num_ws  # one style per conv layer
    noises = [l for l in synthesis.layers if type(l).__name__ == "NoiseInjection"]
    assert len(noises) == m.num_ws and all(tuple(l.strength.shape) == (l.strength.shape[0],) for l in noises)
    assert np.all(synthesis.get_layer("b4_const").const.numpy() == 1.0)  # learned constant, ones init
    mapping = m.parts(m.generator)[0]
    assert all(l.lr_multiplier == 0.01 for l in mapping.layers if type(l).__name__ == "EqualizedDense")


def test_fit_schedule_r1_and_tracked_w():
    m, cfg = build_tiny("stylegan")
    assert m.current_lod() == 2.0
    h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=3, epochs=1, verbose=0).history
    np.testing.assert_allclose(h["lod"][-1], (2 + 2 + 1.0) / 3, rtol=1e-6)
    assert m.current_lod() == 1.0 and h["r1_penalty"][-1] > 0
    assert np.abs(m.generator.get_layer("truncation").w_avg.numpy()).max() > 0


def test_shared_step_mixes_styles_within_the_grown_layers():
    """StyleGAN trains through the shared step (progressive growing is its `prepare_batch`); style mixing, shared
    with StyleGAN2, crosses over only among the style inputs of the resolutions grown so far."""
    m, _ = build_tiny("stylegan")
    assert "train_step" not in vars(type(m))
    m.style_mixing_prob = 1.0
    z = np.random.default_rng(0).standard_normal((4, m.latent_dim)).astype("float32")
    ws = m.training_ws(z).numpy()
    w = m.parts(m.generator)[0](z, training=True).numpy()
    active = m.num_ws - 2 * int(m.current_lod())
    switched = [not np.allclose(ws[:, i], w, atol=1e-6) for i in range(m.num_ws)]
    k = switched.index(True)
    assert 1 <= k < active and all(switched[k:]) and not any(switched[:k])


def test_truncation_cutoff_and_style_mix():
    m, _ = build_tiny("stylegan")
    m.set_lod(0.0)
    m.generator_ema.get_layer("truncation").w_avg.assign(np.full(m.w_dim, 0.2, np.float32))
    avg = m.generate(2, seed=3, truncation_psi=0.0)
    np.testing.assert_allclose(avg[0], avg[1], atol=1e-6)
    coarse_only = m.generate(2, seed=3, truncation_psi=0.0, truncation_cutoff=4)
    assert np.abs(coarse_only[0] - coarse_only[1]).max() > 1e-4  # fine layers keep their own styles
    grid = m.style_mix([1, 2], [3], layers=[0, 1])
    assert grid.shape == (2, 1, m.image_size, m.image_size, m.channels)
    assert np.abs(grid[0, 0] - m.generate(1, seed=1)[0]).max() > 1e-5


def test_bad_arguments():
    with pytest.raises(ValueError, match="lod_initial_resolution"):
        tfgan_zoo.build_model("stylegan", image_size=16, lod_initial_resolution=32, fmap_base=64, fmap_max=8)
    with pytest.raises(ValueError, match="style_mixing_prob"):
        tfgan_zoo.build_model("stylegan", image_size=8, style_mixing_prob=2.0, fmap_base=64, fmap_max=8)
