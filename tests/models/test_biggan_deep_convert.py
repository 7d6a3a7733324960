"""BigGAN-deep state dicts of ajbrock/BigGAN-PyTorch (BigGANdeep.py) → the zoo's biggan_deep, tested without torch.

Synthetic state dicts in the official layout (two bottleneck blocks per stage, SN `u0` / `sv0`, ccbn statistics, the
128-channel output conv of which 3 are used) with random values, written in torch's zip format; the reference is a
NumPy forward of the official Generator and Discriminator in eval mode (the SN and layer helpers of
tests/models/test_biggan_convert.py; `cat([z, shared(y)])` as the linear input and every ccbn condition). Two
resolutions, within 1e-4.
"""

import numpy as np
import pytest
import tensorflow as tf

from tests.models.test_biggan_convert import (
    _attention,
    _attention_forward,
    _bn,
    _conv,
    _linear,
    _pool,
    _relu,
    _sn,
    _up,
    sn_weight,
)
from tests.pretrained.test_convert import write_torch_zip
from tfgan_zoo.models.biggan_deep.biggan_deep_convert import biggan_deep_from_pytorch
from tfgan_zoo.utils.conversion import ConversionError

CLASSES, SHARED, DIM_Z = 10, 8, 8
#: image size → (G widths: input, each stage's output; G attention stage; D input conv width, stage widths; D attention
#: stage; D downsampling)
ARCH = {16: ([16, 16, 8], 0, 8, [16, 16], 0, [1, 1]), 32: ([16, 16, 8, 8], 1, 8, [16, 16, 16], 0, [1, 1, 0])}


def _ccbn(rng, sd, key, c):
    _sn(rng, sd, f"{key}.gain", (c, DIM_Z + SHARED), bias=False)
    _sn(rng, sd, f"{key}.bias", (c, DIM_Z + SHARED), bias=False)
    sd[f"{key}.stored_mean"] = rng.normal(0, 0.3, c).astype(np.float32)
    sd[f"{key}.stored_var"] = rng.uniform(0.5, 2, c).astype(np.float32)


def official_g(rng, size):
    widths, att = ARCH[size][:2]
    sd = {"shared.weight": rng.normal(0, 1, (CLASSES, SHARED)).astype(np.float32)}
    _sn(rng, sd, "linear", (widths[0] * 16, DIM_Z + SHARED))
    for i in range(len(widths) - 1):
        for j, (cin, cout) in enumerate(((widths[i], widths[i]), (widths[i], widths[i + 1]))):
            key, hidden = f"blocks.{i}.{j}", cin // 4
            for k, (ci, co, ks) in enumerate(((cin, hidden, 1), (hidden, hidden, 3), (hidden, hidden, 3),
                                              (hidden, cout, 1)), start=1):
                _sn(rng, sd, f"{key}.conv{k}", (co, ci, ks, ks))
                _ccbn(rng, sd, f"{key}.bn{k}", ci)
        if i == att:
            _attention(rng, sd, f"blocks.{i}.2", widths[i + 1])
    c = widths[-1]
    sd["output_layer.0.gain"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
    sd["output_layer.0.bias"] = rng.normal(0, 0.2, c).astype(np.float32)
    sd["output_layer.0.stored_mean"] = rng.normal(0, 0.3, c).astype(np.float32)
    sd["output_layer.0.stored_var"] = rng.uniform(0.5, 2, c).astype(np.float32)
    _sn(rng, sd, "output_layer.2", (128, c, 3, 3))  # the official output conv: 128 channels, the first 3 used
    return sd


def official_d(rng, size):
    _, _, base, widths, att, _ = ARCH[size]
    sd = {}
    _sn(rng, sd, "input_conv", (base, 3, 3, 3))
    cin = base
    for i, cout in enumerate(widths):
        for j in range(2):
            key, ci, hidden = f"blocks.{i}.{j}", cin if j == 0 else cout, cout // 4
            for k, (a, b, ks) in enumerate(((ci, hidden, 1), (hidden, hidden, 3), (hidden, hidden, 3),
                                            (hidden, cout, 1)), start=1):
                _sn(rng, sd, f"{key}.conv{k}", (b, a, ks, ks))
            if ci != cout:
                _sn(rng, sd, f"{key}.conv_sc", (cout - ci, ci, 1, 1))
        if i == att:
            _attention(rng, sd, f"blocks.{i}.2", cout)
        cin = cout
    _sn(rng, sd, "linear", (1, cin))
    _sn(rng, sd, "embed", (CLASSES, cin), bias=False)
    return sd


def official_g_forward(sd, z, y):
    stages = sum(1 for k in sd if k.endswith(".0.conv1.weight"))
    cond = np.concatenate([z, sd["shared.weight"][y].astype(np.float64)], axis=1)  # hier: z = cat([z, y]); y = z
    h = _linear(cond, sd, "linear").reshape(len(z), -1, 4, 4)

    def ccbn(x, key):
        gain, bias = 1 + _linear(cond, sd, f"{key}.gain"), _linear(cond, sd, f"{key}.bias")
        return (_bn(x, sd[f"{key}.stored_mean"], sd[f"{key}.stored_var"]) * gain[:, :, None, None]
                + bias[:, :, None, None])

    for i in range(stages):
        for j in range(2):
            key = f"blocks.{i}.{j}"
            out = _conv(_relu(ccbn(h, f"{key}.bn1")), sd, f"{key}.conv1", 0)
            out = _relu(ccbn(out, f"{key}.bn2"))
            if j == 1:
                out = _up(out)
            out = _conv(out, sd, f"{key}.conv2", 1)
            out = _conv(_relu(ccbn(out, f"{key}.bn3")), sd, f"{key}.conv3", 1)
            out = _conv(_relu(ccbn(out, f"{key}.bn4")), sd, f"{key}.conv4", 0)
            x = h[:, : out.shape[1]]
            h = out + (_up(x) if j == 1 else x)
        if f"blocks.{i}.2.gamma" in sd:
            h = _attention_forward(h, sd, f"blocks.{i}.2")
    h = _bn(h, sd["output_layer.0.stored_mean"], sd["output_layer.0.stored_var"])
    h = h * sd["output_layer.0.gain"][None, :, None, None] + sd["output_layer.0.bias"][None, :, None, None]
    return np.tanh(_conv(_relu(h), sd, "output_layer.2", 1)[:, :3])


def official_d_forward(sd, x, y, downsample):
    h = _conv(x, sd, "input_conv", 1)
    for i, down in enumerate(downsample):
        for j in range(2):
            key = f"blocks.{i}.{j}"
            out = _conv(_relu(h), sd, f"{key}.conv1", 0)
            out = _conv(_relu(out), sd, f"{key}.conv2", 1)
            out = _relu(_conv(_relu(out), sd, f"{key}.conv3", 1))
            pool = down and j == 0
            out = _conv(_pool(out, "avg") if pool else out, sd, f"{key}.conv4", 0)
            sc = _pool(h, "avg") if pool else h
            if f"{key}.conv_sc.weight" in sd:
                sc = np.concatenate([sc, _conv(sc, sd, f"{key}.conv_sc", 0)], axis=1)
            h = out + sc
        if f"blocks.{i}.2.gamma" in sd:
            h = _attention_forward(h, sd, f"blocks.{i}.2")
    h = _relu(h).sum(axis=(2, 3))
    return _linear(h, sd, "linear") + (sn_weight(sd, "embed")[y] * h).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("size", [16, 32])
def test_conversion_matches_the_official_forward(tmp_path, size):
    rng = np.random.default_rng(size + 1)
    g_sd, d_sd = official_g(rng, size), official_d(rng, size)
    model = biggan_deep_from_pytorch(write_torch_zip(tmp_path / "G_ema.pth", g_sd),
                                     discriminator=write_torch_zip(tmp_path / "D.pth", d_sd))
    report = model.conversion_report
    assert report.ok, str(report)
    sv = [k for k, _ in report.ignored]
    assert sv and all(k.endswith(".sv0") for k in sv)
    assert len(report.mapped) + len(sv) == len(g_sd) + len(d_sd)
    assert sorted(p for p, _, _ in report.filled) == ["discriminator/projection/embed/vector_u",
                                                      "generator_ema/out_conv/vector_u"]
    assert model.d_downsample == ARCH[size][5] and model.latent_dim == DIM_Z
    z = rng.standard_normal((3, DIM_Z)).astype(np.float32)
    y = np.array([1, 7, 3], np.int32)
    expected = official_g_forward(g_sd, z.astype(np.float64), y).transpose(0, 2, 3, 1)
    assert np.abs(expected).std() > 0.1
    for net in (model.inference_generator, model.generator):
        np.testing.assert_allclose(net([tf.constant(z), tf.constant(y)], training=False).numpy(), expected,
                                   atol=1e-4)
    x = rng.uniform(-1, 1, (3, size, size, 3)).astype(np.float32)
    expected = official_d_forward(d_sd, x.transpose(0, 3, 1, 2).astype(np.float64), y, model.d_downsample)
    got = model.discriminator([tf.constant(x), tf.constant(y)], training=False).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4 * max(1.0, np.abs(expected).max()))


def test_strict_errors_name_the_problem_and_the_command_writes_a_preset(tmp_path):
    import tfgan_zoo
    from tfgan_zoo.cli import main

    rng = np.random.default_rng(2)
    g_sd = official_g(rng, 16)
    model = biggan_deep_from_pytorch(write_torch_zip(tmp_path / "G.pth", g_sd))
    assert model.conversion_report.not_converted == {"D": "no checkpoint given"}
    assert main(["convert", "--from", "biggan-deep-pytorch", str(tmp_path / "G.pth"), "--out",
                 str(tmp_path / "p")]) == 0
    z, y = rng.standard_normal((2, DIM_Z)).astype(np.float32), np.array([0, 9], np.int32)
    expected = official_g_forward(g_sd, z.astype(np.float64), y).transpose(0, 2, 3, 1)
    loaded = tfgan_zoo.from_preset(str(tmp_path / "p")).inference_generator
    np.testing.assert_allclose(loaded([tf.constant(z), tf.constant(y)], training=False).numpy(), expected, atol=1e-4)
    with pytest.raises(ConversionError, match=r"blocks\.1\.1\.bn3\.stored_mean"):
        biggan_deep_from_pytorch(write_torch_zip(tmp_path / "a.pth", {**g_sd, "blocks.1.1.bn3.stored_mean":
                                                                      np.zeros(5, np.float32)}))
    with pytest.raises(ConversionError, match="not the BigGAN-deep layout"):
        from tests.models.test_biggan_convert import official_g as biggan_g

        biggan_deep_from_pytorch(write_torch_zip(tmp_path / "b.pth", biggan_g(rng, 16)))
