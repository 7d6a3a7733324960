"""GAN-CLS: the matching-aware objective, mismatched captions, GAN-INT, the paper configuration and text serving."""

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset


def _official_count():
    """Trainable parameters of reedscot/icml2016 main_cls_int.lua (run by scripts/train_cub.sh) at 64x64: nz 100,
    nt 128, ngf 128, ndf 64, 1,024-d text, counted layer by layer from the Lua network definition (convolutions
    without biases, as the script zeroes them; batch norm γ and β; the D text path has batch norm)."""
    bn = lambda c: 2 * c  # noqa: E731
    ngf, ndf, nz, nt, t = 128, 64, 100, 128, 1024
    g = t * nt + nt  # text projection (Linear + LeakyReLU)
    g += (nz + nt) * ngf * 8 * 16 + bn(ngf * 8)
    g += ngf * 8 * ngf * 2 + bn(ngf * 2) + ngf * 2 * ngf * 2 * 9 + bn(ngf * 2) + ngf * 2 * ngf * 8 * 9 + bn(ngf * 8)
    g += ngf * 8 * ngf * 4 * 16 + bn(ngf * 4)
    g += ngf * 4 * ngf + bn(ngf) + ngf * ngf * 9 + bn(ngf) + ngf * ngf * 4 * 9 + bn(ngf * 4)
    g += ngf * 4 * ngf * 2 * 16 + bn(ngf * 2) + ngf * 2 * ngf * 16 + bn(ngf) + ngf * 3 * 16
    d = 3 * ndf * 16 + ndf * ndf * 2 * 16 + bn(ndf * 2) + ndf * 2 * ndf * 4 * 16 + bn(ndf * 4)
    d += ndf * 4 * ndf * 8 * 16 + bn(ndf * 8)
    d += ndf * 8 * ndf * 2 + bn(ndf * 2) + ndf * 2 * ndf * 2 * 9 + bn(ndf * 2) + ndf * 2 * ndf * 8 * 9 + bn(ndf * 8)
    d += t * nt + nt + bn(nt)
    d += (ndf * 8 + nt) * ndf * 8 + bn(ndf * 8) + ndf * 8 * 16
    return g, d


def test_paper_configuration_matches_the_official_layer_count():
    model = tfgan_zoo.build_model("zoo_configs/gan_cls/gan_cls_cub_64.yaml")
    counts = model.summary_of_parameters()
    g, d = _official_count()
    assert counts["generator"] == g == 18_905_472
    assert counts["discriminator"] == d == 4_030_080
    # D: the projected text is replicated over the 4x4 features; G: z and the projected text are concatenated
    assert model.discriminator.get_layer("replicate_4x4").output.shape[1:] == (4, 4, 128)
    assert model.generator.image_generator.get_layer("z_text").output.shape[-1] == 228
    assert model.has_text_encoder is False


def test_matching_aware_objective_has_three_terms_and_mismatched_captions():
    model, config = build_tiny("gan_cls")
    data = next(iter(fixed_dataset(model, config)))
    batch = model.prepare_batch(model.task.split_batch(model, data))
    emb, chosen, wrong = (batch[k].numpy() for k in ("embeddings", "embedding", "wrong_embedding"))
    assert emb.ndim == 3 and emb.shape[1] == 5  # five captions per digit
    for i in range(len(chosen)):  # one of the example's own captions, and another example's as the mismatch
        assert min(np.abs(emb[i] - chosen[i]).max(1)) == 0
        assert any(np.array_equal(wrong[i], c) for j, c in enumerate(chosen) if j != i)
        assert not np.array_equal(wrong[i], chosen[i])
    fake = model.generate_fake(batch)
    loss, logs = model.discriminator_objective(batch, fake)
    sp = lambda x: np.log1p(np.exp(x))  # noqa: E731
    real = model.discriminate_with(batch["images"], batch["embedding"]).numpy()
    mism = model.discriminate_with(batch["images"], batch["wrong_embedding"]).numpy()
    fk = model.discriminate_with(fake, batch["embedding"]).numpy()
    expected = np.mean(sp(-real) + 0.5 * (sp(mism) + sp(fk)))
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)
    np.testing.assert_allclose(float(logs["d_wrong"]), np.mean(sp(mism)), rtol=1e-5)


def test_gan_int_term_only_with_interpolation():
    model, config = build_tiny("gan_cls")
    history = model.fit(fixed_dataset(model, config), steps_per_epoch=1, epochs=1, verbose=0).history
    assert history["g_interpolated"][0] > 0
    plain = type(model).from_config({**model.get_config(), "interpolation": False})
    data = next(iter(fixed_dataset(model, config)))
    batch = plain.prepare_batch(plain.task.split_batch(plain, data))
    assert plain.generator_penalty(None, batch) is None


def test_text_api_and_errors():
    model, _ = build_tiny("gan_cls")
    a = model.generate_from_text(["a thick seven", "a thin 2"], seed=3, num_per_text=2)
    assert a.shape == (4, 16, 16, 1)
    np.testing.assert_array_equal(a, model.generate_from_text(["a thick seven", "a thin 2"], seed=3, num_per_text=2))
    emb = model.encode_text(["a thick seven"])
    np.testing.assert_allclose(model.generate_from_text(emb, seed=3), a[:1], atol=1e-6)
    with pytest.raises(ValueError, match=r"embeddings \[N, 128\]"):
        model.generate_from_text(np.zeros((2, 7)))
    bare = tfgan_zoo.build_model("gan_cls", image_size=16, channels=1, latent_dim=8, embedding_dim=16,
                                 projection_dim=4, g_base_filters=2, d_base_filters=2)
    with pytest.raises(ValueError, match="without a text encoder"):
        bare.generate_from_text("a seven")
    with pytest.raises(ValueError, match="gives 128-d embeddings"):
        tfgan_zoo.build_model("gan_cls", image_size=16, embedding_dim=64, text_encoder="digit_captions_text_encoder")
    with pytest.raises(ValueError, match=r"caption embeddings \[B, K, 128\]"):
        model.task.split_batch(model, (np.zeros((2, 16, 16, 1), np.float32), np.zeros((2, 3, 5), np.float32)))


def test_exported_text_signature_takes_plain_sentences(tmp_path):
    from tfgan_zoo.export.saved_model import export_saved_model

    model, _ = build_tiny("gan_cls")
    path = export_saved_model(model, tmp_path, "gan_cls", version=1)
    loaded = tf.saved_model.load(path)
    assert {"serving_default", "sample", "generate_from_text"} <= set(loaded.signatures)
    text = ["a thick seven", "the number 2, standing upright"]
    out = loaded.signatures["generate_from_text"](text=tf.constant(text), seed=tf.constant(5, tf.int32))
    np.testing.assert_allclose(out["images"].numpy(), model.generate_from_text(text, seed=5), atol=1e-5)
    np.testing.assert_allclose(out["embeddings"].numpy(), model.encode_text(text), atol=1e-5)
    emb = model.encode_text(text)
    sample = loaded.signatures["sample"]
    first = sample(seed=tf.constant(7), embeddings=tf.constant(emb))
    np.testing.assert_allclose(first["images"].numpy(), model.generate_from_text(emb, seed=7), atol=1e-5)
    np.testing.assert_array_equal(first["images"].numpy(),
                                  sample(seed=tf.constant(7), embeddings=tf.constant(emb))["images"].numpy())
    assert first["latents"].shape == (2, model.latent_dim)


def test_preset_draws_the_digit_and_the_thickness_asked_for():
    """gan_cls_digits_32 (recorded: digit agreement 0.855 vs chance 0.1 and 0.10 untrained; thick > thin for 7 of
    10 digits): thresholds leave room for another CPU's round-off (one digit's thickness order may flip)."""
    from tfgan_zoo.evaluation.text_to_image import text_report

    model = tfgan_zoo.from_preset("gan_cls_digits_32")
    report = text_report(model, samples=20, seed=0)
    assert report["digit_accuracy"] >= 0.7
    assert report["thick_over_thin"] >= 0.6 and report["thickness_gap"] > 0


def test_cli_sample_with_text(tmp_path):
    from tfgan_zoo.cli import main

    model, _ = build_tiny("gan_cls")
    weights = str(tmp_path / "m.weights.h5")
    model.save_weights(weights)
    npy = str(tmp_path / "s.npy")
    code = main(["sample", "--config", "zoo_configs/gan_cls/gan_cls_tiny.yaml", "--checkpoint", weights, "--text",
                 "a thick seven", "--text", "a thin 2", "--num_images", "4", "--seed", "3", "--out",
                 str(tmp_path / "s.png"), "--npy", npy])
    assert code in (0, None)
    np.testing.assert_allclose(np.load(npy), model.generate_from_text(["a thick seven", "a thin 2"], seed=3,
                                                                      num_per_text=2), atol=1e-6)
    other, _ = build_tiny("dcgan")
    other.save_weights(str(tmp_path / "d.weights.h5"))
    with pytest.raises(SystemExit, match="text-to-image"):
        main(["sample", "--config", "zoo_configs/dcgan/dcgan_tiny.yaml", "--checkpoint", str(tmp_path / "d.weights.h5"),
              "--text", "a 7", "--out", str(tmp_path / "d.png")])
