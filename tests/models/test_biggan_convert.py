"""BigGAN-PyTorch state dicts (ajbrock/BigGAN-PyTorch G_ema.pth / D.pth) → the zoo's biggan, tested without torch.

Synthetic state dicts carry the official keys, shapes and buffers (SN `u0` / `sv0`, ccbn `stored_mean` /
`stored_var`, the shared embedding, attention `gamma`) with random values, written in torch's zip format. The
reference is a NumPy forward of `BigGAN.py`'s Generator and Discriminator in eval mode written from the official code
(NCHW; `SN.W_()` with one power iteration from the stored u; ccbn γ = 1 + gain(y); hierarchical z split with
y = [shared(class), chunk]; nearest ×2 upsampling; `Attention` with 2×2 max-pooled φ and g; wide D blocks without
pre-activation in the first; sum pooling and the projection head). The converted networks must match within 1e-4
at two resolutions.
"""

import numpy as np
import pytest
import tensorflow as tf

from tests.pretrained.test_convert import conv2d, write_torch_zip
from tfgan_zoo.models.biggan.biggan_convert import biggan_from_pytorch
from tfgan_zoo.utils.conversion import ConversionError

CLASSES, SHARED, CHUNK = 10, 8, 4
#: image size → (G widths: input, each block's output; G attention block; D widths; D attention block)
ARCH = {16: ([16, 16, 8], 0, [8, 16, 16], 0), 32: ([16, 16, 8, 8], 1, [8, 16, 16, 16], 0)}


def _sn(rng, sd, key, shape, bias=True):
    sd[f"{key}.weight"] = rng.normal(0, 0.5, shape).astype(np.float32)
    if bias:
        sd[f"{key}.bias"] = rng.normal(0, 0.1, shape[0]).astype(np.float32)
    sd[f"{key}.u0"] = rng.normal(0, 1, (1, shape[0])).astype(np.float32)
    sd[f"{key}.sv0"] = np.ones(1, np.float32)


def _attention(rng, sd, key, c):
    for part, (o, i) in (("theta", (c // 8, c)), ("phi", (c // 8, c)), ("g", (c // 2, c)), ("o", (c, c // 2))):
        _sn(rng, sd, f"{key}.{part}", (o, i, 1, 1), bias=False)
    sd[f"{key}.gamma"] = np.array([0.7], np.float32)


def official_g(rng, size):
    widths, att, _, _ = ARCH[size]
    n = len(widths) - 1
    sd = {"shared.weight": rng.normal(0, 1, (CLASSES, SHARED)).astype(np.float32)}
    _sn(rng, sd, "linear", (widths[0] * 16, CHUNK))
    for i in range(n):
        cin, cout, key = widths[i], widths[i + 1], f"blocks.{i}.0"
        _sn(rng, sd, f"{key}.conv1", (cout, cin, 3, 3))
        _sn(rng, sd, f"{key}.conv2", (cout, cout, 3, 3))
        _sn(rng, sd, f"{key}.conv_sc", (cout, cin, 1, 1))
        for bn, c in (("bn1", cin), ("bn2", cout)):
            _sn(rng, sd, f"{key}.{bn}.gain", (c, SHARED + CHUNK), bias=False)
            _sn(rng, sd, f"{key}.{bn}.bias", (c, SHARED + CHUNK), bias=False)
            sd[f"{key}.{bn}.stored_mean"] = rng.normal(0, 0.3, c).astype(np.float32)
            sd[f"{key}.{bn}.stored_var"] = rng.uniform(0.5, 2, c).astype(np.float32)
        if i == att:
            _attention(rng, sd, f"blocks.{i}.1", cout)
    c = widths[-1]
    sd["output_layer.0.gain"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
    sd["output_layer.0.bias"] = rng.normal(0, 0.2, c).astype(np.float32)
    sd["output_layer.0.stored_mean"] = rng.normal(0, 0.3, c).astype(np.float32)
    sd["output_layer.0.stored_var"] = rng.uniform(0.5, 2, c).astype(np.float32)
    _sn(rng, sd, "output_layer.2", (3, c, 3, 3))
    return sd


def official_d(rng, size):
    _, _, widths, att = ARCH[size]
    sd, cin = {}, 3
    for i, cout in enumerate(widths):
        key = f"blocks.{i}.0"
        _sn(rng, sd, f"{key}.conv1", (cout, cin, 3, 3))
        _sn(rng, sd, f"{key}.conv2", (cout, cout, 3, 3))
        down = i < len(widths) - 1 if size != 32 else i < 2
        if cin != cout or down:
            _sn(rng, sd, f"{key}.conv_sc", (cout, cin, 1, 1))
        if i == att:
            _attention(rng, sd, f"blocks.{i}.1", cout)
        cin = cout
    _sn(rng, sd, "linear", (1, cin))
    _sn(rng, sd, "embed", (CLASSES, cin), bias=False)
    return sd


# ----------------------------------------------------------------------------- the official forward in NumPy
def sn_weight(sd, key):
    """`SN.W_()` in eval mode: v = normalize(u W), u' = normalize(v Wᵀ), σ = v Wᵀ u'ᵀ; W / σ."""
    w = sd[f"{key}.weight"].astype(np.float64)
    mat = w.reshape(w.shape[0], -1)
    v = sd[f"{key}.u0"].astype(np.float64) @ mat
    v /= np.linalg.norm(v)
    u = v @ mat.T
    u /= np.linalg.norm(u)
    return w / ((v @ mat.T) @ u.T).item()


def _conv(x, sd, key, pad):
    return conv2d(x, sn_weight(sd, key), sd.get(f"{key}.bias"), 1, pad)


def _linear(x, sd, key):
    out = x @ sn_weight(sd, key).T
    return out + sd[f"{key}.bias"] if f"{key}.bias" in sd else out


def _relu(x):
    return np.maximum(x, 0)


def _up(x):
    return x.repeat(2, axis=2).repeat(2, axis=3)


def _pool(x, mode):
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // 2, 2, w // 2, 2)
    return x.max(axis=(3, 5)) if mode == "max" else x.mean(axis=(3, 5))


def _bn(x, mean, var, eps=1e-5):
    return (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + eps)


def _attention_forward(x, sd, key):
    n, c, h, w = x.shape
    theta = _conv(x, sd, f"{key}.theta", 0).reshape(n, c // 8, h * w)
    phi = _pool(_conv(x, sd, f"{key}.phi", 0), "max").reshape(n, c // 8, h * w // 4)
    g = _pool(_conv(x, sd, f"{key}.g", 0), "max").reshape(n, c // 2, h * w // 4)
    logits = np.einsum("nci,ncj->nij", theta, phi)
    beta = np.exp(logits - logits.max(-1, keepdims=True))
    beta /= beta.sum(-1, keepdims=True)
    o = _conv(np.einsum("ncj,nij->nci", g, beta).reshape(n, c // 2, h, w), sd, f"{key}.o", 0)
    return x + sd[f"{key}.gamma"][0] * o


def official_g_forward(sd, z, y):
    n_blocks = sum(1 for k in sd if k.endswith(".0.conv1.weight"))
    zs = np.split(z, n_blocks + 1, axis=1)
    emb = sd["shared.weight"][y].astype(np.float64)
    h = _linear(zs[0], sd, "linear").reshape(len(z), -1, 4, 4)
    for i in range(n_blocks):
        cond, key = np.concatenate([emb, zs[i + 1]], axis=1), f"blocks.{i}.0"

        def ccbn(x, bn):
            gain = 1 + _linear(cond, sd, f"{key}.{bn}.gain")
            bias = _linear(cond, sd, f"{key}.{bn}.bias")
            x = _bn(x, sd[f"{key}.{bn}.stored_mean"], sd[f"{key}.{bn}.stored_var"])
            return x * gain[:, :, None, None] + bias[:, :, None, None]

        out = _conv(_up(_relu(ccbn(h, "bn1"))), sd, f"{key}.conv1", 1)
        out = _conv(_relu(ccbn(out, "bn2")), sd, f"{key}.conv2", 1)
        h = out + _conv(_up(h), sd, f"{key}.conv_sc", 0)
        if f"blocks.{i}.1.gamma" in sd:
            h = _attention_forward(h, sd, f"blocks.{i}.1")
    h = _bn(h, sd["output_layer.0.stored_mean"], sd["output_layer.0.stored_var"])
    h = h * sd["output_layer.0.gain"][None, :, None, None] + sd["output_layer.0.bias"][None, :, None, None]
    return np.tanh(_conv(_relu(h), sd, "output_layer.2", 1))


def official_d_forward(sd, x, y, downsample):
    h = x
    for i, down in enumerate(downsample):
        key = f"blocks.{i}.0"
        out = _relu(h) if i > 0 else h
        out = _conv(_relu(_conv(out, sd, f"{key}.conv1", 1)), sd, f"{key}.conv2", 1)
        if down:
            out = _pool(out, "avg")
        sc = h
        if i > 0:
            sc = _conv(sc, sd, f"{key}.conv_sc", 0) if f"{key}.conv_sc.weight" in sd else sc
            sc = _pool(sc, "avg") if down else sc
        else:
            sc = _pool(sc, "avg") if down else sc
            sc = _conv(sc, sd, f"{key}.conv_sc", 0) if f"{key}.conv_sc.weight" in sd else sc
        h = out + sc
        if f"blocks.{i}.1.gamma" in sd:
            h = _attention_forward(h, sd, f"blocks.{i}.1")
    h = _relu(h).sum(axis=(2, 3))
    return _linear(h, sd, "linear") + (sn_weight(sd, "embed")[y] * h).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("size", [16, 32])
def test_conversion_matches_the_official_forward(tmp_path, size):
    rng = np.random.default_rng(size)
    g_sd, d_sd = official_g(rng, size), official_d(rng, size)
    model = biggan_from_pytorch(write_torch_zip(tmp_path / "G_ema.pth", g_sd),
                                discriminator=write_torch_zip(tmp_path / "D.pth", d_sd))
    report = model.conversion_report
    assert report.ok, str(report)
    sv = [k for k, _ in report.ignored]
    assert sv and all(k.endswith(".sv0") for k in sv)
    assert len(report.mapped) + len(sv) == len(g_sd) + len(d_sd)
    assert [p for p, _, _ in report.filled] == ["discriminator/projection/embed/vector_u"]
    widths, _, d_widths, _ = ARCH[size]
    assert (model.image_size, model.latent_dim, model.g_channel_mults, model.d_channel_mults) == (
        size, CHUNK * len(widths), [w // widths[-1] for w in widths], [w // d_widths[0] for w in d_widths])
    z = rng.standard_normal((3, model.latent_dim)).astype(np.float32)
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


def test_strict_errors_name_the_problem(tmp_path):
    rng = np.random.default_rng(1)
    g_sd = official_g(rng, 16)
    g = write_torch_zip(tmp_path / "G_ema.pth", g_sd)
    assert biggan_from_pytorch(g).conversion_report.not_converted == {"D": "no checkpoint given"}
    with pytest.raises(ConversionError, match=r"blocks\.0\.0\.extra"):
        biggan_from_pytorch(write_torch_zip(tmp_path / "a.pth", {**g_sd, "blocks.0.0.extra": g_sd["linear.sv0"]}))
    bad = {**g_sd, "blocks.1.0.bn2.stored_var": np.ones(3, np.float32)}
    with pytest.raises(ConversionError, match=r"blocks\.1\.0\.bn2\.stored_var"):
        biggan_from_pytorch(write_torch_zip(tmp_path / "b.pth", bad))
    with pytest.raises(ConversionError, match="looks like a discriminator"):
        biggan_from_pytorch(write_torch_zip(tmp_path / "D.pth", official_d(rng, 16)))
    flat = {**g_sd, "blocks.0.0.bn1.gain.weight": np.ones((16, SHARED), np.float32)}
    with pytest.raises(ConversionError, match="hierarchical"):
        biggan_from_pytorch(write_torch_zip(tmp_path / "c.pth", flat))


def test_convert_command_writes_a_biggan_preset_that_exports_serves_and_converts_to_tflite(tmp_path):
    import tfgan_zoo
    from tests.models.test_dcgan_convert import exports_serves_and_converts_to_tflite
    from tfgan_zoo.cli import main

    rng = np.random.default_rng(4)
    g_sd = official_g(rng, 16)
    src = write_torch_zip(tmp_path / "G_ema.pth", g_sd)
    assert main(["convert", "--from", "biggan-pytorch", str(src), "--out", str(tmp_path / "preset")]) == 0
    model = tfgan_zoo.from_preset(str(tmp_path / "preset"))
    z = rng.standard_normal((2, model.latent_dim)).astype(np.float32)
    y = np.array([2, 9], np.int32)
    expected = official_g_forward(g_sd, z.astype(np.float64), y).transpose(0, 2, 3, 1)
    exports_serves_and_converts_to_tflite(model, tmp_path, {"latents": z, "labels": y}, expected)
