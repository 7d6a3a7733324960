"""Official PyTorch CycleGAN checkpoints → the zoo's cyclegan, tested without torch.

Synthetic checkpoints carry the official key names and shapes (junyanz/pytorch-CycleGAN-and-pix2pix
`ResnetGenerator`, `NLayerDiscriminator`) with random values, written in torch's file format by the writer of
tests/pretrained/test_convert.py; NumPy forward passes written from the official architecture (NCHW, PyTorch padding)
are the references.
"""


import numpy as np
import pytest
import tensorflow as tf

from tests.pretrained.test_convert import (
    _nchw,
    batch_norm,
    conv2d,
    instance_norm,
    leaky_relu,
    official_resnet_forward,
    official_resnet_state_dict,
    random_batch_norm,
    random_instance_norm,
    write_torch_legacy,
    write_torch_zip,
)
from tfgan_zoo.models.cyclegan.cyclegan_convert import cyclegan_from_pytorch
from tfgan_zoo.models.cyclegan.cyclegan_gan import CycleGAN
from tfgan_zoo.pretrained.convert import ConversionError

SIZE, NGF, NDF, N_BLOCKS, N_LAYERS = 32, 4, 4, 2, 3


# ----------------------------------------------------------------------------- NLayerDiscriminator in NumPy
def official_patch_discriminator_state_dict(rng, input_nc, ndf, n_layers, norm="instance", affine=False):
    """Keys and shapes of NLayerDiscriminator(input_nc, ndf, n_layers, norm_layer): model.0 conv (bias), then per
    layer k a conv model.{3k+2} (bias only with instance norm) and its norm model.{3k+3}; the final conv
    model.{3n+2}."""
    use_bias = norm == "instance"
    sd = {}

    def conv(key, o, i, bias):
        sd[f"{key}.weight"] = rng.normal(0, 0.15, (o, i, 4, 4)).astype(np.float32)
        if bias:
            sd[f"{key}.bias"] = rng.normal(0, 0.1, (o,)).astype(np.float32)

    conv("model.0", ndf, input_nc, True)
    mult = 1
    for k in range(n_layers):
        prev, mult = mult, min(2 ** (k + 1), 8)
        conv(f"model.{3 * k + 2}", ndf * mult, ndf * prev, use_bias)
        if norm == "batch":
            sd.update(random_batch_norm(rng, f"model.{3 * k + 3}", ndf * mult))
        elif affine:
            sd.update(random_instance_norm(rng, f"model.{3 * k + 3}", ndf * mult))
    conv(f"model.{3 * n_layers + 2}", 1, ndf * mult, True)
    return sd


def official_patch_discriminator_forward(sd, x, n_layers, norm="instance"):
    nrm = batch_norm if norm == "batch" else instance_norm
    h = leaky_relu(conv2d(x, sd["model.0.weight"], sd["model.0.bias"], 2, 1))
    for k in range(n_layers):
        key = f"model.{3 * k + 2}"
        h = conv2d(h, sd[f"{key}.weight"], sd.get(f"{key}.bias"), 2 if k < n_layers - 1 else 1, 1)
        h = leaky_relu(nrm(h, sd, f"model.{3 * k + 3}"))
    final = f"model.{3 * n_layers + 2}"
    return conv2d(h, sd[f"{final}.weight"], sd[f"{final}.bias"], 1, 1)


def _nhwc(x):
    return np.transpose(x, (0, 2, 3, 1))


def _checkpoints(rng, norm="instance", affine=False, channels=3):
    return {
        "G_A": official_resnet_state_dict(rng, channels, channels, NGF, N_BLOCKS, norm, affine=affine),
        "G_B": official_resnet_state_dict(rng, channels, channels, NGF, N_BLOCKS, norm, affine=affine),
        "D_A": official_patch_discriminator_state_dict(rng, channels, NDF, N_LAYERS, norm, affine),
        "D_B": official_patch_discriminator_state_dict(rng, channels, NDF, N_LAYERS, norm, affine),
    }


def _write_dir(directory, sds, tag="latest"):
    directory.mkdir(exist_ok=True)
    for name, sd in sds.items():
        write_torch_zip(directory / f"{tag}_net_{name}.pth", sd)
    return directory


def _check_against_references(model, sds, rng, norm="instance"):
    """Every converted network against the official forward; returns the max abs error per network."""
    x = rng.uniform(-1, 1, (2, SIZE, SIZE, model.channels)).astype(np.float32)
    x64 = _nchw(x).astype(np.float64)
    errors = {}
    for name, direction in (("G_A", "a_to_b"), ("G_B", "b_to_a")):
        if name in sds:
            expected = _nhwc(official_resnet_forward(sds[name], x64, N_BLOCKS, norm))
            got = model.translate(x, direction)
            np.testing.assert_allclose(got, expected, atol=1e-4)
            assert np.abs(expected).max() > 0.1 and expected.std() > 0.05  # not degenerate
            errors[name] = float(np.abs(got - expected).max())
    for name, disc in (("D_A", model.discriminator_b), ("D_B", model.discriminator_a)):
        if name in sds:
            expected = _nhwc(official_patch_discriminator_forward(sds[name], x64, N_LAYERS, norm))
            got = np.asarray(disc(x, training=False))
            assert got.shape == expected.shape == (2, 2, 2, 1)
            np.testing.assert_allclose(got, expected, atol=1e-4)
            assert expected.std() > 0.05  # the patches differ: not a degenerate comparison
            errors[name] = float(np.abs(got - expected).max())
    return errors


# ----------------------------------------------------------------------------- tests
def test_full_checkpoint_directory_converts_every_network(tmp_path):
    rng = np.random.default_rng(10)
    sds = _checkpoints(rng)
    directory = _write_dir(tmp_path / "horse2zebra", sds)
    write_torch_legacy(directory / "5_net_G_A.pth", official_resnet_state_dict(rng, 3, 3, 8, 1))  # older, ignored
    model = cyclegan_from_pytorch(directory, image_size=SIZE)
    assert isinstance(model, CycleGAN)
    report = model.conversion_report
    assert report.ok and not report.not_converted and set(report.networks) == {"G_A", "G_B", "D_A", "D_B"}
    assert "latest" in report.checkpoint and "also present: 5" in report.checkpoint
    assert (model.g_base_filters, model.n_blocks, model.d_base_filters, model.d_layers) == (NGF, N_BLOCKS, NDF,
                                                                                            N_LAYERS)
    assert not report.filled  # affine=False instance norm on both sides: nothing to fill
    for name, sd in sds.items():
        assert len(report.networks[name].mapped) == len(sd) and report.networks[name].ok
    assert len(report.mapped) == sum(len(sd) for sd in sds.values())
    assert any(p.startswith("discriminator_b/") for k, p in report.mapped if k.startswith("D_A:"))
    assert any(p.startswith("generator_b_to_a/") for k, p in report.mapped if k.startswith("G_B:"))
    text = str(report)
    assert "G_A → generator.a_to_b" in text and "D_A → discriminator_b" in text
    errors = _check_against_references(model, sds, rng)
    assert set(errors) == {"G_A", "G_B", "D_A", "D_B"} and max(errors.values()) < 1e-4

    # The converted model exports; its b → a signature is the model's b → a translation.
    from tfgan_zoo.export import export_saved_model

    path = export_saved_model(model, tmp_path / "export")
    x = rng.uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32)
    served = tf.saved_model.load(str(path)).signatures["translate_b_to_a"](images=tf.constant(x))["images"]
    np.testing.assert_allclose(served.numpy(), model.translate(x, "b_to_a"), atol=1e-5)


def test_explicit_files_and_the_highest_epoch(tmp_path):
    rng = np.random.default_rng(11)
    sds = _checkpoints(rng, channels=1)
    epochs = _write_dir(tmp_path / "run", sds, tag="15")
    _write_dir(epochs, {"G_A": sds["G_B"], "G_B": sds["G_A"]}, tag="5")  # an older epoch, swapped: must not be used
    model = cyclegan_from_pytorch(epochs, image_size=SIZE)
    assert "epoch 15" in model.conversion_report.checkpoint and model.channels == 1
    _check_against_references(model, sds, rng)
    files = {name: epochs / f"15_net_{name}.pth" for name in ("G_A", "G_B")}
    model = cyclegan_from_pytorch(files, image_size=SIZE)
    assert set(model.conversion_report.not_converted) == {"D_A", "D_B"}
    assert model.conversion_report.ok
    _check_against_references(model, {k: sds[k] for k in files}, rng)


def test_single_generator_release_converts_a_to_b_and_says_b_to_a_is_not_converted(tmp_path):
    rng = np.random.default_rng(12)
    sd = official_resnet_state_dict(rng, 3, 3, NGF, N_BLOCKS)
    release = tmp_path / "horse2zebra_pretrained"
    release.mkdir()
    write_torch_zip(release / "latest_net_G.pth", sd)
    fresh = CycleGAN(image_size=SIZE, g_base_filters=NGF, n_blocks=N_BLOCKS)
    for source in (release, release / "latest_net_G.pth", {"G": release / "latest_net_G.pth"}):
        model = cyclegan_from_pytorch(source, image_size=SIZE)  # strict: a missing direction is not a key mismatch
        report = model.conversion_report
        assert report.ok and set(report.networks) == {"G_A"}
        assert set(report.not_converted) == {"G_B", "D_A", "D_B"}
        assert "single-direction release" in report.not_converted["G_B"]
        assert "G_B → generator.b_to_a: NOT CONVERTED" in str(report)
        _check_against_references(model, {"G_A": sd}, rng)
    # b_to_a has the model's own initialisation: the same shapes, not the checkpoint's weights
    assert [w.shape for w in model.generator.b_to_a.weights] == [w.shape for w in fresh.generator.b_to_a.weights]


def test_wrong_kind_or_mismatched_checkpoints_are_clear_errors(tmp_path):
    rng = np.random.default_rng(13)
    sds = _checkpoints(rng)
    d_file = write_torch_zip(tmp_path / "d.pth", sds["D_A"])
    g_file = write_torch_zip(tmp_path / "g.pth", sds["G_A"])
    with pytest.raises(ConversionError, match="NLayerDiscriminator"):
        cyclegan_from_pytorch({"G_A": d_file}, image_size=SIZE)
    with pytest.raises(ConversionError, match="ResNet generator"):
        cyclegan_from_pytorch({"G_A": g_file, "D_A": g_file}, image_size=SIZE)
    other = write_torch_zip(tmp_path / "six.pth", official_resnet_state_dict(rng, 3, 3, NGF, 1))
    with pytest.raises(ConversionError, match=r"G_A .*g\.pth.* and G_B .*six\.pth.*n_blocks: 2 vs 1"):
        cyclegan_from_pytorch({"G_A": g_file, "G_B": other}, image_size=SIZE)
    wide = write_torch_zip(tmp_path / "wide.pth", official_patch_discriminator_state_dict(rng, 3, 8, N_LAYERS))
    with pytest.raises(ConversionError, match=r"D_A .* and D_B .*ndf: 4 vs 8"):
        cyclegan_from_pytorch({"G_A": g_file, "D_A": d_file, "D_B": wide}, image_size=SIZE)
    with pytest.raises(ConversionError, match="No generator"):
        cyclegan_from_pytorch({"D_A": d_file}, image_size=SIZE)
    with pytest.raises(FileNotFoundError, match="No official CycleGAN generator"):
        cyclegan_from_pytorch(_write_dir(tmp_path / "empty", {}), image_size=SIZE)
    with pytest.raises(ConversionError, match="contradict"):
        cyclegan_from_pytorch({"G_A": g_file}, image_size=SIZE, n_blocks=9)
    bad = dict(sds["G_B"])
    bad["model.1.bias"] = np.zeros(7, np.float32)
    bad["extra.weight"] = np.zeros(2, np.float32)
    bad_file = write_torch_zip(tmp_path / "bad.pth", bad)
    with pytest.raises(ConversionError, match=r"G_B → generator.b_to_a(.|\n)*unused(.|\n)*extra.weight") as err:
        cyclegan_from_pytorch({"G_A": g_file, "G_B": bad_file}, image_size=SIZE)
    assert err.value.report.mismatched == [("G_B:model.1.bias", (7,), (4,))]
    lenient = cyclegan_from_pytorch({"G_A": g_file, "G_B": bad_file}, strict=False, image_size=SIZE)
    assert not lenient.conversion_report.ok and lenient.conversion_report.unused == ["G_B:extra.weight"]


def test_affine_instance_norm_maps_every_weight_into_affine_networks(tmp_path):
    rng = np.random.default_rng(18)
    sds = _checkpoints(rng, affine=True)
    model = cyclegan_from_pytorch(_write_dir(tmp_path / "affine", sds), image_size=SIZE)
    assert model.instance_norm_affine and "affine instance norm" in model.conversion_report.architecture
    report = model.conversion_report
    assert report.ok and not report.filled and len(report.mapped) == sum(len(sd) for sd in sds.values())
    assert any(k == "D_A:model.3.weight" and p == "discriminator_b/conv2_norm/gamma" for k, p in report.mapped)
    _check_against_references(model, sds, rng)


def test_affine_generator_with_a_plain_discriminator_is_an_error(tmp_path):
    rng = np.random.default_rng(15)
    g = write_torch_zip(tmp_path / "g.pth", official_resnet_state_dict(rng, 3, 3, NGF, N_BLOCKS, affine=True))
    d = write_torch_zip(tmp_path / "d.pth", official_patch_discriminator_state_dict(rng, 3, NDF, N_LAYERS))
    with pytest.raises(ConversionError, match="disagree on affine"):
        cyclegan_from_pytorch({"G_A": g, "D_A": d}, image_size=SIZE)


def test_batch_norm_checkpoints(tmp_path):
    rng = np.random.default_rng(16)
    sds = _checkpoints(rng, norm="batch")
    model = cyclegan_from_pytorch(_write_dir(tmp_path / "bn", sds), image_size=SIZE)
    assert model.normalization_kind == "batch" and model.conversion_report.ok
    _check_against_references(model, sds, rng, norm="batch")


def test_command_line_converts_a_directory_into_a_preset(tmp_path, capsys):
    from tfgan_zoo.pretrained import from_preset
    from tfgan_zoo.pretrained.convert import _cli

    rng = np.random.default_rng(17)
    sds = _checkpoints(rng)
    directory = _write_dir(tmp_path / "ckpt", sds)
    assert _cli(["cyclegan", str(directory), "--out", str(tmp_path / "preset"), "--image-size", str(SIZE)]) == 0
    out = capsys.readouterr().out
    assert "into cyclegan" in out and "tensors mapped" in out
    loaded = from_preset(tmp_path / "preset")
    x = rng.uniform(-1, 1, (1, SIZE, SIZE, 3)).astype(np.float32)
    for direction, name in (("a_to_b", "G_A"), ("b_to_a", "G_B")):
        expected = _nhwc(official_resnet_forward(sds[name], _nchw(x).astype(np.float64), N_BLOCKS))
        np.testing.assert_allclose(loaded.translate(x, direction), expected, atol=1e-4)
    single = tmp_path / "ckpt" / "latest_net_G_A.pth"  # one file: the standalone generator, as before
    assert _cli(["cyclegan", str(single), "--out", str(tmp_path / "g.weights.h5")]) == 0
    assert (tmp_path / "g.weights.h5").exists()
