"""pytorch/examples DCGAN checkpoints (netG_epoch_N.pth / netD_epoch_N.pth) → the zoo's dcgan, tested without torch.

Synthetic checkpoints carry the official key names and shapes of `dcgan/main.py`'s `Generator` and `Discriminator`
(BatchNorm2d with running statistics and `num_batches_tracked`) with random values, written in torch's zip format by
the writer of tests/pretrained/test_convert.py; the reference is a NumPy forward pass of the official networks in
eval mode (NCHW, ConvTranspose2d weight [in, out, kh, kw] with PyTorch's padding, BatchNorm eps 1e-5).
"""

import numpy as np
import pytest
import tensorflow as tf

from tests.pretrained.test_convert import batch_norm, conv2d, conv_transpose2d, relu, write_torch_zip
from tfgan_zoo.models.dcgan.dcgan_convert import dcgan_from_pytorch_examples
from tfgan_zoo.utils.conversion import ConversionError


def _bn(rng, sd, key, c):
    sd[f"{key}.weight"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
    sd[f"{key}.bias"] = rng.normal(0, 0.2, c).astype(np.float32)
    sd[f"{key}.running_mean"] = rng.normal(0, 0.2, c).astype(np.float32)
    sd[f"{key}.running_var"] = rng.uniform(0.5, 2.0, c).astype(np.float32)
    sd[f"{key}.num_batches_tracked"] = np.array(1234, np.int64)


def official_netg(rng, nz, ngf, nc, layers=5):
    """`Generator.state_dict()`: ConvTranspose2d at main.0, 3, 6, …; BatchNorm2d after each but the last."""
    sd, c = {}, ngf * 2 ** (layers - 2)
    sd["main.0.weight"] = rng.normal(0, 0.3, (nz, c, 4, 4)).astype(np.float32)
    _bn(rng, sd, "main.1", c)
    for i in range(1, layers - 1):
        sd[f"main.{3 * i}.weight"] = rng.normal(0, 0.3, (c, c // 2, 4, 4)).astype(np.float32)
        _bn(rng, sd, f"main.{3 * i + 1}", c // 2)
        c //= 2
    sd[f"main.{3 * (layers - 1)}.weight"] = rng.normal(0, 0.3, (c, nc, 4, 4)).astype(np.float32)
    return sd


def official_netg_forward(sd, z, layers=5):
    h = z[:, :, None, None]  # the official input is [N, nz, 1, 1]
    h = relu(batch_norm(conv_transpose2d(h, sd["main.0.weight"], None, 1, 0), sd, "main.1"))
    for i in range(1, layers - 1):
        h = relu(batch_norm(conv_transpose2d(h, sd[f"main.{3 * i}.weight"], None, 2, 1), sd, f"main.{3 * i + 1}"))
    return np.tanh(conv_transpose2d(h, sd[f"main.{3 * (layers - 1)}.weight"], None, 2, 1))


def official_netd(rng, ndf, nc, layers=4):
    sd, c = {"main.0.weight": rng.normal(0, 0.2, (ndf, nc, 4, 4)).astype(np.float32)}, ndf
    for i in range(2, layers + 1):
        sd[f"main.{3 * i - 4}.weight"] = rng.normal(0, 0.2, (2 * c, c, 4, 4)).astype(np.float32)
        _bn(rng, sd, f"main.{3 * i - 3}", 2 * c)
        c *= 2
    sd[f"main.{3 * layers - 1}.weight"] = rng.normal(0, 0.2, (1, c, 4, 4)).astype(np.float32)
    return sd


def official_netd_forward(sd, x, layers=4):
    """`Discriminator.forward`: the sigmoid probability, `view(-1, 1).squeeze(1)`."""
    h = conv2d(x, sd["main.0.weight"], None, 2, 1)
    h = np.where(h > 0, h, 0.2 * h)
    for i in range(2, layers + 1):
        h = batch_norm(conv2d(h, sd[f"main.{3 * i - 4}.weight"], None, 2, 1), sd, f"main.{3 * i - 3}")
        h = np.where(h > 0, h, 0.2 * h)
    h = conv2d(h, sd[f"main.{3 * layers - 1}.weight"])
    return 1.0 / (1.0 + np.exp(-h.reshape(-1)))


@pytest.mark.parametrize("size", [64, 32])
def test_conversion_matches_the_official_forward(tmp_path, size):
    layers = {64: 5, 32: 4}[size]
    nz, ngf, ndf, nc = (100, 4, 4, 3) if size == 64 else (16, 8, 4, 1)
    rng = np.random.default_rng(size)
    g_sd, d_sd = official_netg(rng, nz, ngf, nc, layers), official_netd(rng, ndf, nc, layers - 1)
    for epoch in (3, 24):  # the folder form picks the highest epoch
        write_torch_zip(tmp_path / f"netG_epoch_{epoch}.pth", g_sd if epoch == 24 else official_netg(rng, nz, ngf, nc,
                                                                                                     layers))
        write_torch_zip(tmp_path / f"netD_epoch_{epoch}.pth", d_sd)
    model = dcgan_from_pytorch_examples(tmp_path)
    report = model.conversion_report
    assert report.ok and report.checkpoint == "epoch 24 of [3, 24]" and not report.not_converted, str(report)
    assert len(report.ignored) == 2 * layers - 3 and not report.filled  # num_batches_tracked of every BatchNorm
    assert len(report.mapped) == len(g_sd) + len(d_sd) - len(report.ignored)
    assert (model.latent_dim, model.image_size, model.channels, model.g_base_filters, model.d_base_filters) == (
        nz, size, nc, ngf, ndf)
    z = rng.standard_normal((3, nz)).astype(np.float32)
    expected = official_netg_forward(g_sd, z.astype(np.float64), layers).transpose(0, 2, 3, 1)
    got = model.generator(tf.constant(z), training=False).numpy()
    assert np.abs(expected).max() > 0.3  # not a degenerate comparison
    np.testing.assert_allclose(got, expected, atol=1e-4)
    x = rng.uniform(-1, 1, (3, size, size, nc)).astype(np.float32)
    prob = official_netd_forward(d_sd, x.transpose(0, 3, 1, 2).astype(np.float64), layers - 1)
    logits = model.discriminator(tf.constant(x), training=False).numpy().reshape(-1)
    np.testing.assert_allclose(1.0 / (1.0 + np.exp(-logits)), prob, atol=1e-4)


def test_strict_errors_name_the_problem(tmp_path):
    rng = np.random.default_rng(0)
    g_sd, d_sd = official_netg(rng, 8, 2, 1, 4), official_netd(rng, 2, 1, 3)
    g = write_torch_zip(tmp_path / "netG_epoch_0.pth", g_sd)
    model = dcgan_from_pytorch_examples(g)  # G alone: D keeps its initialisation, and the report says so
    assert model.conversion_report.not_converted == {"netD": "no checkpoint given"}
    with pytest.raises(ConversionError, match="main.12.extra"):
        dcgan_from_pytorch_examples(write_torch_zip(tmp_path / "a.pth", dict(g_sd, **{"main.12.extra": g_sd[
            "main.1.bias"]})))
    bad = dict(g_sd, **{"main.4.running_var": np.ones(5, np.float32)})
    with pytest.raises(ConversionError, match=r"main\.4\.running_var.*\(5,\)"):
        dcgan_from_pytorch_examples(write_torch_zip(tmp_path / "b.pth", bad))
    with pytest.raises(ConversionError, match="looks like a discriminator"):
        dcgan_from_pytorch_examples(write_torch_zip(tmp_path / "netD.pth", d_sd))
    with pytest.raises(ConversionError, match="not one DCGAN's pair"):
        dcgan_from_pytorch_examples(g, discriminator=write_torch_zip(tmp_path / "d5.pth", official_netd(rng, 2, 1, 4)))
    with pytest.raises(ConversionError, match="contradict"):
        dcgan_from_pytorch_examples(g, latent_dim=100)
    with pytest.raises(FileNotFoundError, match="epochs present"):
        dcgan_from_pytorch_examples(tmp_path, epoch=7)


def exports_serves_and_converts_to_tflite(model, tmp_path, inputs, expected, atol=1e-4):
    """The converted model as a SavedModel (`serving_default` on `inputs`), served over gRPC, and as TFLite."""
    from export import TFLiteRunner, convert_tflite, export_saved_model
    from serving import PredictClient, serve

    path = export_saved_model(model, tmp_path / "models", model_name="converted")
    served = tf.saved_model.load(path).signatures["serving_default"](
        **{k: tf.constant(v) for k, v in inputs.items()})["images"].numpy()
    np.testing.assert_allclose(served, expected, atol=atol)
    server = serve(str(tmp_path / "models"), poll_interval=0, rest_port=None)
    try:
        with PredictClient(server.grpc_address, "converted", timeout=60) as client:
            got = client.predict(inputs)["images"]
    finally:
        server.stop()
    np.testing.assert_allclose(got, expected, atol=atol)
    tflite = convert_tflite(path, tmp_path / "converted.tflite", "none", batch_size=len(expected))
    np.testing.assert_allclose(TFLiteRunner(tflite)(**inputs)["images"], expected, atol=atol)


def test_convert_command_writes_a_preset_that_exports_serves_and_converts_to_tflite(tmp_path):
    import tfgan_zoo
    from tfgan_zoo.cli import main
    from tfgan_zoo.pretrained.presets import read_preset

    rng = np.random.default_rng(7)
    g_sd = official_netg(rng, 8, 4, 3, 4)
    write_torch_zip(tmp_path / "netG_epoch_2.pth", g_sd)
    write_torch_zip(tmp_path / "netD_epoch_2.pth", official_netd(rng, 4, 3, 3))
    out = tmp_path / "preset"
    assert main(["convert", "--from", "dcgan-pytorch-examples", str(tmp_path / "netG_epoch_2.pth"),
                 "--discriminator", str(tmp_path / "netD_epoch_2.pth"), "--out", str(out)]) == 0
    model = tfgan_zoo.from_preset(str(out))
    preset = read_preset(out)
    z = rng.standard_normal((2, 8)).astype(np.float32)
    expected = official_netg_forward(g_sd, z.astype(np.float64), 4).transpose(0, 2, 3, 1)
    np.testing.assert_allclose(model.generator(tf.constant(z), training=False).numpy(), expected, atol=1e-4)
    meta = preset["metadata"]
    assert meta["format"] == "dcgan-pytorch-examples" and meta["source"] == "pytorch/examples (dcgan)"
    assert set(meta["source_sha256"]) == {"netG_epoch_2.pth", "netD_epoch_2.pth"}
    assert len(preset["weights"]["sha256"]) == 64
    exports_serves_and_converts_to_tflite(model, tmp_path, {"latents": z}, expected)
    with pytest.raises(SystemExit):
        main(["convert", "--from", "no-such-format", str(tmp_path), "--out", str(out)])
    with pytest.raises(SystemExit) as error:  # a discriminator given as the generator: a clear error, exit code 2
        main(["convert", "--from", "dcgan-pytorch-examples", str(tmp_path / "netD_epoch_2.pth"), "--out",
              str(tmp_path / "bad")])
    assert error.value.code == 2 and not (tmp_path / "bad").exists()
