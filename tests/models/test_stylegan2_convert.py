"""Official StyleGAN2 (NVlabs/stylegan2) weights → the zoo's stylegan2, tested with synthetic .npz files.

The fixtures are written in the official variable layout by `zoo_to_official` below, an inverse written
separately from the converter (NCHW constants and noise, mod_bias without the +1, Dense0 rows in NCHW order),
from a tiny zoo model whose weights are randomised (to multiples of 2^-10, so that the ±1 of mod_bias is exact);
converting them back into a fresh model must reproduce the images, the discriminator scores and every weight bit for
bit.
"""

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tfgan_zoo.models.stylegan2.stylegan2_convert import stylegan2_from_official
from tfgan_zoo.pretrained.convert import ConversionError

TINY = dict(image_size=16, latent_dim=16, w_dim=16, fmap_base=64, fmap_max=16, mapping_layers=2, channels=1)


def zoo_to_official(model):
    """(Gs vars, D vars) dicts with official names and layouts, from a zoo StyleGAN2 (test fixtures only)."""
    g = model.generator_ema
    mapping, synth = g.get_layer("mapping"), g.get_layer("synthesis")
    out = {"lod": np.float32(0.0), "dlatent_avg": g.get_layer("truncation").w_avg.numpy()}
    for i in range(model.mapping_layers):
        layer = mapping.get_layer(f"dense{i}")
        out[f"G_mapping/Dense{i}/weight"] = layer.kernel.numpy()
        out[f"G_mapping/Dense{i}/bias"] = layer.bias.numpy()
    const = synth.get_layer("b4_const").const.numpy()  # [4, 4, C]
    out["G_synthesis/4x4/Const/const"] = np.moveaxis(const, -1, 0)[None]  # [1, C, 4, 4]
    log2 = int(np.log2(model.image_size))
    layers = [("4x4/Conv", "b4_conv")]
    for res in range(3, log2 + 1):
        r = 2**res
        layers += [(f"{r}x{r}/Conv0_up", f"b{r}_conv0"), (f"{r}x{r}/Conv1", f"b{r}_conv1")]
    for idx, (scope, name) in enumerate(layers):
        mod = synth.get_layer(f"{name}_mod")
        noise = synth.get_layer(f"{name}_noise")
        out[f"G_synthesis/{scope}/weight"] = mod.kernel.numpy()
        out[f"G_synthesis/{scope}/mod_weight"] = mod.style_kernel.numpy()
        out[f"G_synthesis/{scope}/mod_bias"] = mod.style_bias.numpy() - 1.0
        out[f"G_synthesis/{scope}/noise_strength"] = noise.strength.numpy()
        out[f"G_synthesis/{scope}/bias"] = synth.get_layer(f"{name}_act").bias.numpy()
        out[f"G_synthesis/noise{idx}"] = noise.noise_const.numpy()[None, None, :, :, 0]  # [1, 1, H, W]
    for res in range(2, log2 + 1):
        r = 2**res
        t = synth.get_layer(f"b{r}_torgb")
        out[f"G_synthesis/{r}x{r}/ToRGB/weight"] = t.conv.kernel.numpy()
        out[f"G_synthesis/{r}x{r}/ToRGB/mod_weight"] = t.conv.style_kernel.numpy()
        out[f"G_synthesis/{r}x{r}/ToRGB/mod_bias"] = t.conv.style_bias.numpy() - 1.0
        out[f"G_synthesis/{r}x{r}/ToRGB/bias"] = t.bias.numpy()
    d = model.discriminator
    dv = {}
    top = model.image_size
    dv[f"{top}x{top}/FromRGB/weight"] = d.get_layer(f"b{top}_fromrgb").kernel.numpy()
    dv[f"{top}x{top}/FromRGB/bias"] = d.get_layer(f"b{top}_fromrgb").bias.numpy()
    for res in range(log2, 2, -1):
        r = 2**res
        for scope, name in (("Conv0", "conv0"), ("Conv1_down", "conv1")):
            dv[f"{r}x{r}/{scope}/weight"] = d.get_layer(f"b{r}_{name}").kernel.numpy()
            dv[f"{r}x{r}/{scope}/bias"] = d.get_layer(f"b{r}_{name}").bias.numpy()
        dv[f"{r}x{r}/Skip/weight"] = d.get_layer(f"b{r}_skip").kernel.numpy()
    dv["4x4/Conv/weight"] = d.get_layer("b4_conv").kernel.numpy()
    dv["4x4/Conv/bias"] = d.get_layer("b4_conv").bias.numpy()
    fc = d.get_layer("b4_fc").kernel.numpy()  # rows in (h, w, c) order
    c = fc.shape[0] // 16
    dv["4x4/Dense0/weight"] = fc.reshape(4, 4, c, -1).transpose(2, 0, 1, 3).reshape(16 * c, -1)  # (c, h, w)
    dv["4x4/Dense0/bias"] = d.get_layer("b4_fc").bias.numpy()
    dv["Output/weight"] = d.get_layer("b4_out").kernel.numpy()
    dv["Output/bias"] = d.get_layer("b4_out").bias.numpy()
    return out, dv


def randomised_model(seed):
    model = tfgan_zoo.build_model("stylegan2", seed=seed, **TINY)
    rng = np.random.default_rng(seed)
    for net in (model.generator_ema, model.discriminator):
        for v in net.weights:  # biases, strengths and w_avg are zeros at init: randomise everything
            value = rng.normal(0.0, 0.5 if v.path.endswith(("bias", "noise_strength", "w_avg")) else 1.0, v.shape)
            # multiples of 2^-10: the official mod_bias (zoo bias − 1) and back is then exact in float32, so
            # converted outputs can be compared bit for bit
            v.assign((np.round(value * 1024) / 1024).astype(np.float32))
    return model


@pytest.fixture(scope="module")
def source():
    return randomised_model(5)


@pytest.fixture(scope="module")
def dumps(source, tmp_path_factory):
    gs, d = zoo_to_official(source)
    folder = tmp_path_factory.mktemp("official")
    np.savez(folder / "Gs.npz", **gs)
    np.savez(folder / "D.npz", **d)
    return folder / "Gs.npz", folder / "D.npz", gs, d


def test_official_layouts_of_the_fixture(dumps):
    _, _, gs, d = dumps
    fresh = tfgan_zoo.build_model("stylegan2", **TINY)
    fresh_gs, fresh_d = zoo_to_official(fresh)
    # freshly initialised: the official mod_bias starts at 0 (the zoo's style_bias at 1)
    assert all(np.all(v == 0) for k, v in fresh_gs.items() if k.endswith("mod_bias"))
    assert gs["G_synthesis/4x4/Const/const"].shape == (1, 16, 4, 4)
    assert gs["G_synthesis/noise4"].shape == (1, 1, 16, 16)
    assert gs["G_synthesis/16x16/Conv0_up/weight"].shape == (3, 3, 16, 8)
    assert d["4x4/Dense0/weight"].shape == (16 * 16, 16)  # nf(1)·4·4 rows, nf(0) columns


def test_round_trip_images_and_scores_identical(source, dumps):
    g_path, d_path, _, _ = dumps
    model = stylegan2_from_official(g_path, discriminator=d_path)
    report = model.conversion_report
    assert report.ok and not report.missing and not report.unused and not report.mismatched
    assert [k for k, _ in report.ignored] == ["Gs:lod"]
    assert len(report.mapped) == len(dumps[2]) - 1 + len(dumps[3])
    for k in ("latent_dim", "w_dim", "image_size", "channels", "mapping_layers"):
        assert getattr(model, k) == getattr(source, k)
    z = tf.constant(np.random.default_rng(0).standard_normal((4, 16)), tf.float32)
    np.testing.assert_array_equal(model(z).numpy(), source(z).numpy())
    for psi in (0.5, None):
        ws_a, ws_b = model.ws_for(z, psi), source.ws_for(z, psi)
        np.testing.assert_array_equal(model.synthesize(ws_a).numpy(), source.synthesize(ws_b).numpy())
    # the training generator gets the same weights when no separate G is given
    np.testing.assert_array_equal(model.generator(z).numpy(), source.generator_ema(z).numpy())
    images = tf.constant(np.random.default_rng(1).uniform(-1, 1, (4, 16, 16, 1)), tf.float32)
    np.testing.assert_array_equal(model.discriminator(images).numpy(), source.discriminator(images).numpy())
    for a, b in zip(model.generator_ema.weights + model.discriminator.weights,
                    source.generator_ema.weights + source.discriminator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


def test_dense0_rows_follow_the_official_nchw_flattening(dumps):
    """An official-style forward of the last dense layer (NCHW flatten) equals the zoo's (NHWC flatten)."""
    g_path, d_path, _, d = dumps
    model = stylegan2_from_official(g_path, discriminator=d_path)
    x = np.random.default_rng(2).normal(size=(3, 4, 4, 16)).astype(np.float32)
    official = x.transpose(0, 3, 1, 2).reshape(3, -1) @ d["4x4/Dense0/weight"]
    zoo = x.reshape(3, -1) @ model.discriminator.get_layer("b4_fc").kernel.numpy()
    np.testing.assert_allclose(zoo, official, rtol=1e-5, atol=1e-5)


def test_training_generator_separately(dumps, source):
    g_path, _, gs, _ = dumps
    other = zoo_to_official(randomised_model(9))[0]
    model = stylegan2_from_official(g_path, training_generator=other)
    z = tf.constant(np.random.default_rng(3).standard_normal((2, 16)), tf.float32)
    np.testing.assert_array_equal(model(z).numpy(), source(z).numpy())
    assert not np.array_equal(model.generator(z).numpy(), model.generator_ema(z).numpy())
    assert model.conversion_report.ok


def test_missing_key_is_named(dumps):
    gs = dict(dumps[2])
    del gs["G_synthesis/8x8/Conv1/mod_weight"]
    with pytest.raises(ConversionError, match=r"8x8/Conv1/mod_weight.*expected shape \(16, 16\)") as err:
        stylegan2_from_official(gs)
    assert any("8x8/Conv1/mod_weight" in m for m in err.value.report.missing)
    lenient = stylegan2_from_official(gs, strict=False)
    assert not lenient.conversion_report.ok


def test_wrong_shape_is_named(dumps):
    gs = dict(dumps[2])
    gs["G_synthesis/16x16/ToRGB/weight"] = np.zeros((1, 1, 9, 1), np.float32)
    with pytest.raises(ConversionError, match=r"16x16/ToRGB/weight.*\(1, 1, 9, 1\).*\(1, 1, 8, 1\)"):
        stylegan2_from_official(gs)


def test_unknown_key_is_named(dumps):
    d = dict(dumps[3])
    d["4x4/Extra/weight"] = np.zeros(3, np.float32)
    with pytest.raises(ConversionError, match=r"(?s)unused checkpoint keys.*D:4x4/Extra/weight"):
        stylegan2_from_official(dumps[0], discriminator=d)


def test_not_a_stylegan2_dump_and_contradicting_arguments(dumps, tmp_path):
    with pytest.raises(ConversionError, match="Not an official StyleGAN2 generator"):
        stylegan2_from_official({"model.0.weight": np.zeros((3, 3))})
    with pytest.raises(ConversionError, match="image_size=32 vs 16"):
        stylegan2_from_official(dumps[0], image_size=32)
    with pytest.raises(FileNotFoundError, match="official StyleGAN2"):
        stylegan2_from_official(tmp_path / "nope.npz")


def test_cli(dumps, tmp_path, capsys):
    from tfgan_zoo.pretrained.convert import _cli

    out = tmp_path / "preset"
    assert _cli(["stylegan2", str(dumps[0]), "--discriminator", str(dumps[1]), "--out", str(out)]) == 0
    assert "tensors mapped" in capsys.readouterr().out
    assert any(out.iterdir())
    bad = dict(dumps[2])
    bad["junk"] = np.zeros(1)
    np.savez(tmp_path / "bad.npz", **bad)
    assert _cli(["stylegan2", str(tmp_path / "bad.npz")]) == 2
    assert "Gs:junk" in capsys.readouterr().out
