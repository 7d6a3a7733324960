"""StackGAN: official parameter counts per stage, Conditioning Augmentation and its KL term, the two-stage training
with Stage-I frozen, and Stage-I weights carried into Stage-II."""

import numpy as np
import pytest

import tfgan_zoo
from tests.conftest import load_tiny
from tests.contract.helpers import fixed_dataset
from tfgan_zoo.training import build_and_compile


def official_counts(gf, df, r_num=2, c=128, z=100, t=1024):
    """Trainable parameters of hanzhanggit/StackGAN-Pytorch `code/model.py` (STAGE1_G, STAGE1_D, STAGE2_G without
    its frozen Stage-I, STAGE2_D) for GF_DIM `gf`, DF_DIM `df`, counted from the PyTorch module definitions: conv3x3
    and the 4x4 convs without bias, the logit convs with bias, BatchNorm γ and β, CA_NET's Linear with bias."""
    ca = t * 2 * c + 2 * c
    ngf = gf * 8
    g1 = ca + (z + c) * ngf * 16 + 2 * ngf * 16
    for _ in range(4):
        g1 += ngf * (ngf // 2) * 9 + 2 * (ngf // 2)
        ngf //= 2
    g1 += ngf * 3 * 9
    d1, f = 3 * df * 16, df
    for _ in range(3):
        d1 += f * 2 * f * 16 + 4 * f
        f *= 2
    d1 += (f + c) * f * 9 + 2 * f + f * 16 + 1
    g2 = ca + 3 * gf * 9 + gf * 2 * gf * 16 + 4 * gf + 2 * gf * 4 * gf * 16 + 8 * gf  # the Stage-I image encoder
    g2 += (c + 4 * gf) * 4 * gf * 9 + 8 * gf  # hr_joint
    g2 += r_num * 2 * (4 * gf * 4 * gf * 9 + 8 * gf)
    f = 4 * gf
    for _ in range(4):
        g2 += f * (f // 2) * 9 + 2 * (f // 2)
        f //= 2
    g2 += f * 3 * 9
    d2, f = 3 * df * 16, df
    for _ in range(5):
        d2 += f * 2 * f * 16 + 4 * f
        f *= 2
    for _ in range(2):
        d2 += f * (f // 2) * 9 + f
        f //= 2
    d2 += (f + c) * f * 9 + 2 * f + f * 16 + 1 + f * 16 + 1
    return g1, d1, g2, d2


def test_official_counts_of_the_published_configurations():
    # CUB (GF_DIM 128, DF_DIM 64) and COCO (GF_DIM 192, DF_DIM 96); the zoo builds match them (the CUB configs are
    # built below; the COCO ones, 37 M / 160 M parameters at Stage-II, were built once and are recorded in the configs)
    assert official_counts(128, 64) == (10_301_248, 5_715_713, 16_848_800, 71_269_122)
    assert official_counts(192, 96) == (20_020_832, 12_407_425, 37_130_480, 159_889_538)
    for path, expected in (("zoo_configs/stackgan/stackgan_cub_64.yaml", official_counts(128, 64)[:2]),
                           ("zoo_configs/stackgan/stackgan_cub_256.yaml", official_counts(128, 64)[2:])):
        config = tfgan_zoo.load_config(path)
        config.model.params["stage1_weights"] = ""  # no Stage-I run to load; the counts do not depend on it
        model = tfgan_zoo.build_model(config)
        counts = model.summary_of_parameters()
        assert (counts["generator"], counts["discriminator"]) == expected, path
        del model


def _tiny(stage=1, **params):
    config = load_tiny("stackgan")
    config.model.params.update(stage=stage, **params)
    if stage == 2:
        config.model.params["image_size"] = config.data.image_size = 64  # 4 x the tiny Stage-I's 16
    return build_and_compile(config), config


def test_conditioning_augmentation_and_kl():
    model, config = _tiny()
    emb = model.encode_text(["a thick seven", "a thin two"])
    mu, logvar = (np.asarray(v) for v in model.conditioning(emb))
    assert mu.shape == logvar.shape == (2, 8)
    # ĉ = μ + σ·ε: two latents that differ only in ε give different images; the same latents the same images
    z = np.zeros((2, model.latent_dim), np.float32)
    z2 = z.copy()
    z2[:, model.z_dim:] = 3.0
    g = model.inference_generator
    a, b = np.asarray(g([z, emb])), np.asarray(g([z2, emb]))
    np.testing.assert_array_equal(a, np.asarray(g([z, emb])))
    assert np.abs(a - b).max() > 1e-4
    batch = {"embedding": emb}
    weighted, parts = model.generator_penalty(None, batch)
    expected = -0.5 * np.mean(1 + logvar - mu**2 - np.exp(logvar), axis=-1)
    np.testing.assert_allclose(parts["g_kl"].numpy(), expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(weighted.numpy(), model.kl_weight * expected, rtol=1e-5, atol=1e-7)
    # D is conditioned on μ (detached), not on the raw embedding
    assert model.discriminator.inputs[1].shape[-1] == model.condition_dim


def test_stage2_trains_on_a_frozen_stage1_loaded_from_its_weights(tmp_path):
    stage1, _ = _tiny()
    path = str(tmp_path / "stage1.weights.h5")
    stage1.save_weights(path)
    model, config = _tiny(stage=2, stage1_weights=path)
    for a, b in zip(stage1.stage1_generator.get_weights(), model.stage1_generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.latent_dim == model.z_dim + 2 * model.condition_dim
    frozen = [w.copy() for w in model.stage1_generator.get_weights()]
    trained = [w.copy() for w in model.stage2_generator.get_weights()]
    history = model.fit(fixed_dataset(model, config), steps_per_epoch=2, epochs=1, verbose=0).history
    assert {"d_loss", "g_loss", "g_kl", "d_wrong"} <= set(history) and np.isfinite(history["g_loss"]).all()
    for a, b in zip(frozen, model.stage1_generator.get_weights()):
        np.testing.assert_array_equal(a, b)  # Stage-I frozen, batch-norm statistics included
    assert any(not np.array_equal(a, b) for a, b in zip(trained, model.stage2_generator.get_weights()))
    # Stage-II upsamples the frozen Stage-I image of the same latents 4x
    emb = model.encode_text(["a seven"])
    z = model.latents_for(1, 3).numpy()
    assert model.stage1_images(z, emb).shape == (1, 16, 16, 1)
    assert model.generate_from_text(emb, seed=3).shape == (1, 64, 64, 1)
    # Stage-II's D has conditional and unconditional logits
    assert len(model.discriminator.outputs) == 2
    # the config does not point at the Stage-I source again (its weights are the model's own): a .keras round trip
    assert model.get_config()["stage1_weights"] == ""
    path2 = str(tmp_path / "stage2.keras")
    model.save(path2)
    import keras

    loaded = keras.models.load_model(path2)  # the whole cascade, frozen Stage-I included
    np.testing.assert_allclose(loaded.generate_from_text(emb, seed=3), model.generate_from_text(emb, seed=3), atol=1e-6)
    with pytest.raises(ValueError, match="not a Stage-I StackGAN"):
        model.load_stage1(path2)
    with pytest.raises(ValueError, match="does not fit this Stage-II model's settings"):
        _tiny(stage=2, stage1_weights=path, z_dim=6)


def test_bad_settings():
    with pytest.raises(ValueError, match="stage must be 1 or 2"):
        tfgan_zoo.build_model("stackgan", stage=3, image_size=16, g_base_filters=2, d_base_filters=2)
    with pytest.raises(ValueError, match="does not exist"):
        tfgan_zoo.build_model("stackgan", stage=2, image_size=32, g_base_filters=2, d_base_filters=2,
                              stage1_weights="no_such_thing")


def test_stage1_preset_follows_the_text_and_carries_into_stage2():
    """stackgan_digits_16 (recorded: digit agreement 0.705 vs 0.10 untrained, chance 0.1; thick > thin for 9 of 10
    digits; digits FID 12.4 vs 318 untrained); thresholds leave room for another CPU's round-off."""
    from tfgan_zoo.evaluation.text_to_image import stackgan_report
    from tfgan_zoo.pretrained.presets import ASSETS

    model = tfgan_zoo.from_preset("stackgan_digits_16")
    report = stackgan_report(model, samples=20, seed=0)
    assert report["digit_accuracy"] >= 0.5 and report["thick_over_thin"] >= 0.7
    assert report["stage1_fid"] < 20.0
    config = tfgan_zoo.load_config("zoo_configs/stackgan/stackgan_digits_64.yaml")
    assert config.model.params["stage1_weights"] == "stackgan_digits_16"  # a shipped preset's name
    emb = model.encode_text(["a thick seven"])
    for source in ("stackgan_digits_16", str(ASSETS / "stackgan_digits_16")):  # ... or its folder
        config.model.params["stage1_weights"] = source
        stage2 = tfgan_zoo.build_model(config)
        z = stage2.latents_for(1, 4).numpy()
        np.testing.assert_allclose(stage2.stage1_images(z, emb), model.generate_from_text(emb, seed=4), atol=1e-5)


def test_player_learning_rates_and_their_halving():
    """`g_learning_rate` / `d_learning_rate` (None: the shared `learning_rate`, as the official code) and
    `lr_decay_steps` halving each player's own rate: the rates the optimizers apply at given updates."""
    model, _ = _tiny(g_learning_rate=1e-3, lr_decay_steps=600)
    g, d = model.player_optimizers["generator"], model.player_optimizers["discriminator"]
    np.testing.assert_allclose([float(g._learning_rate(t)) for t in (0, 599, 600, 1200)], [1e-3, 1e-3, 5e-4, 2.5e-4],
                               rtol=1e-6)
    np.testing.assert_allclose([float(d._learning_rate(t)) for t in (0, 600)], [2e-4, 1e-4], rtol=1e-6)
    shared, _ = _tiny()
    assert [float(o.learning_rate) for o in shared.player_optimizers.values()] == pytest.approx([2e-4, 2e-4])
    assert shared.get_config()["g_learning_rate"] is None
    preset = tfgan_zoo.load_config("zoo_configs/stackgan/stackgan_digits_64.yaml").model.params
    assert (preset["g_learning_rate"], preset.get("d_learning_rate"), preset["lr_decay_steps"]) == (1e-3, None, 600)


def test_stage2_preset_sharpens_stage1_and_follows_the_text():
    """stackgan_digits_64 (Stage-II on the shipped Stage-I; recorded: digits FID 11.8 at Stage-I → 9.0 at Stage-II on
    the same 500 prompts and latents, digit agreement 0.68 vs 0.10 untrained, thick > thin for 8 of 10 digits);
    thresholds leave room for another CPU's round-off."""
    from tfgan_zoo.evaluation.text_to_image import stackgan_report

    model = tfgan_zoo.from_preset("stackgan_digits_64")
    assert model.stage == 2 and model.image_size == 64
    report = stackgan_report(model, samples=20, seed=0)
    assert report["stage2_fid"] < 0.9 * report["stage1_fid"] and report["stage2_fid"] < 11.0
    assert report["digit_accuracy"] >= 0.5 and report["thick_over_thin"] >= 0.6
    # the cascade inside the preset is the shipped Stage-I
    stage1 = tfgan_zoo.from_preset("stackgan_digits_16")
    emb = model.encode_text(["a thin four"])
    z = model.latents_for(1, 5).numpy()
    np.testing.assert_allclose(model.stage1_images(z, emb), stage1.generate_from_text(emb, seed=5), atol=1e-5)


def test_stage2_cascade_converts_to_tflite(tmp_path):
    """The exported Stage-I + Stage-II cascade (from embeddings) runs in the LiteRT interpreter: float32 within 1e-4
    of the SavedModel (measured 1.5e-6), dynamic-range within the class's declared bound (measured max 0.134,
    44.9 dB)."""
    from export.tflite import convert_tflite, tflite_report
    from tfgan_zoo.export.saved_model import export_saved_model

    model = tfgan_zoo.from_preset("stackgan_digits_64")
    export_saved_model(model, tmp_path, "stage2", version=1)
    version = str(tmp_path / "stage2" / "1")
    float_report = tflite_report(convert_tflite(version, str(tmp_path / "f.tflite")), version)
    assert float_report["max_abs_error"] < 1e-4
    dynamic = tflite_report(convert_tflite(version, str(tmp_path / "d.tflite"), quantization="dynamic"), version)
    bound = type(model).tflite_quantization_bounds["dynamic"]
    assert dynamic["max_abs_error"] < bound["max_abs_error"] and dynamic["psnr_db"] > bound["min_psnr_db"]
