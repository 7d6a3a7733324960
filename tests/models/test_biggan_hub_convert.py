"""TF-Hub BigGAN modules (biggan-128/256/512) → the zoo's biggan, tested without tensorflow_hub.

A synthetic module folder holds a `variables/variables` checkpoint written with `tf.raw_ops.SaveV2` under the hub
variable names and shapes (EMA copies `…/ema_b999900` next to different raw weights, `u0`/`u1`/`u2` per SN layer,
`accumulated_mean`/`accumulated_var`/`accumulation_counter` per batch norm, the `[1, 1, 1, C]` output-BN scale and
offset), random values, at the 128² and 256² block structures with a small width. The reference is a NumPy forward
of the hub generator (NHWC, TF kernel layouts) written in this file from the public descriptions of the hub graph:
z split into equal chunks, chunk 0 → G_linear → 4×4, HyperBN on [z chunk, linear(one-hot y)] with γ = 1 + ·,
batch norm ε = 1e-4 on the accumulated statistics, spectral norm by one power iteration from u0 with
x·rsqrt(Σx² + 1e-4) normalisation, nearest ×2 upsampling, the attention block before GBlock 4 (128²) / GBlock 5
(256²) with 2×2 max-pooled φ and g, output BN → ReLU → conv → tanh. The converted generator must match it within
1e-4.
"""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.models.biggan.biggan_hub_convert import biggan_from_hub
from tfgan_zoo.utils.conversion import ConversionError

CLASSES, SHARED, CHUNK, CH = 5, 8, 4, 4
EMA = "ema_b999900"
#: structure → (width multipliers of the input and each block's output, index of the GBlock the attention precedes)
STRUCTURES = {128: ([16, 16, 8, 4, 2, 1], 4), 256: ([16, 16, 8, 8, 4, 2, 1], 5), 16: ([4, 4, 2], 1)}


def write_hub_module(folder, variables):
    """A hub module folder whose `variables/variables` checkpoint holds `variables` under their exact names."""
    (folder / "variables").mkdir(parents=True)
    names = sorted(variables)
    tf.raw_ops.SaveV2(prefix=str(folder / "variables" / "variables"), tensor_names=names,
                      shape_and_slices=[""] * len(names), tensors=[tf.constant(variables[n]) for n in names])
    return folder


def _sn(rng, v, scope, shape, bias=True):
    for copy in (f"/{EMA}", ""):  # the EMA weights and (different) raw training weights
        v[f"{scope}/w{copy}"] = rng.normal(0, 0.5, shape).astype(np.float32)
        if bias:
            v[f"{scope}/b{copy}"] = rng.normal(0, 0.1, shape[-1]).astype(np.float32)
    for u in ("u0", "u1", "u2"):
        v[f"{scope}/{u}"] = rng.normal(0, 1, (1, shape[-1])).astype(np.float32)


def _stats(rng, v, scope, c):
    v[f"{scope}/accumulated_mean"] = rng.normal(0, 0.3, c).astype(np.float32)
    v[f"{scope}/accumulated_var"] = rng.uniform(0.5, 2, c).astype(np.float32)
    v[f"{scope}/accumulation_counter"] = np.float32(40.0)


def hub_variables(rng, structure):
    mults, att = STRUCTURES[structure]
    widths = [m * CH for m in mults]
    v = {f"linear/w/{EMA}": rng.normal(0, 1, (CLASSES, SHARED)).astype(np.float32)}
    v["linear/w"] = rng.normal(0, 1, (CLASSES, SHARED)).astype(np.float32)
    _sn(rng, v, "Generator/G_Z/G_linear", (CHUNK, 16 * widths[0]))
    for i in range(len(widths) - 1):
        cin, cout = widths[i], widths[i + 1]
        scope = "Generator/GBlock" + (f"_{i}" if i else "")
        _sn(rng, v, f"{scope}/conv0", (3, 3, cin, cout))
        _sn(rng, v, f"{scope}/conv1", (3, 3, cout, cout))
        _sn(rng, v, f"{scope}/conv_sc", (1, 1, cin, cout))
        for hyper, stats, c in (("HyperBN", "CrossReplicaBN", cin), ("HyperBN_1", "CrossReplicaBN_1", cout)):
            _sn(rng, v, f"{scope}/{hyper}/gamma", (CHUNK + SHARED, c), bias=False)
            _sn(rng, v, f"{scope}/{hyper}/beta", (CHUNK + SHARED, c), bias=False)
            _stats(rng, v, f"{scope}/{stats}", c)
    c = widths[att]
    for part, (cin, cout) in (("theta", (c, c // 8)), ("phi", (c, c // 8)), ("g", (c, c // 2)),
                              ("o_conv", (c // 2, c))):
        _sn(rng, v, f"Generator/attention/{part}", (1, 1, cin, cout), bias=False)
    v[f"Generator/attention/gamma/{EMA}"] = np.array([0.8], np.float32)
    v["Generator/attention/gamma"] = np.array([0.1], np.float32)
    c = widths[-1]
    for copy in (f"/{EMA}", ""):
        v[f"Generator/ScaledCrossReplicaBN/gamma{copy}"] = rng.uniform(0.5, 1.5, (1, 1, 1, c)).astype(np.float32)
        v[f"Generator/ScaledCrossReplicaBN/beta{copy}"] = rng.normal(0, 0.2, (1, 1, 1, c)).astype(np.float32)
    _stats(rng, v, "Generator/ScaledCrossReplicaBNbn", c)
    _sn(rng, v, "Generator/conv_2d", (3, 3, c, 3))
    return v


# ----------------------------------------------------------------------------- the hub generator in NumPy (NHWC)
def _normalize(x):
    return x * (1.0 / np.sqrt(np.sum(x * x) + 1e-4))


def sn_kernel(v, scope):
    w = v[f"{scope}/w/{EMA}"].astype(np.float64)
    mat = w.reshape(-1, w.shape[-1])
    left = _normalize(v[f"{scope}/u0"].astype(np.float64) @ mat.T)
    right = _normalize(left @ mat)
    return w / (left @ mat @ right.T).item()


def conv(x, v, scope, bias=True):
    k = sn_kernel(v, scope)
    pad = k.shape[0] // 2
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    h, w = x.shape[1:3]
    out = sum(np.einsum("nhwc,co->nhwo", xp[:, i: i + h, j: j + w], k[i, j])
              for i in range(k.shape[0]) for j in range(k.shape[1]))
    return out + v[f"{scope}/b/{EMA}"] if bias else out


def batch_norm(x, v, scope):
    return (x - v[f"{scope}/accumulated_mean"]) / np.sqrt(v[f"{scope}/accumulated_var"].astype(np.float64) + 1e-4)


def relu(x):
    return np.maximum(x, 0.0)


def up(x):
    return x.repeat(2, axis=1).repeat(2, axis=2)


def maxpool(x):
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def attention(x, v):
    n, h, w, c = x.shape
    theta = conv(x, v, "Generator/attention/theta", bias=False).reshape(n, h * w, -1)
    phi = maxpool(conv(x, v, "Generator/attention/phi", bias=False)).reshape(n, h * w // 4, -1)
    g = maxpool(conv(x, v, "Generator/attention/g", bias=False)).reshape(n, h * w // 4, -1)
    rows = []
    for start in range(0, h * w, 2048):  # query chunks keep the [HW, HW/4] map small at 128×128
        logits = np.einsum("nqc,nkc->nqk", theta[:, start: start + 2048], phi)
        weights = np.exp(logits - logits.max(-1, keepdims=True))
        rows.append(np.einsum("nqk,nkc->nqc", weights / weights.sum(-1, keepdims=True), g))
    o = conv(np.concatenate(rows, axis=1).reshape(n, h, w, -1), v, "Generator/attention/o_conv", bias=False)
    return x + v[f"Generator/attention/gamma/{EMA}"][0] * o


def hub_forward(v, z, y, attention_before):
    blocks = sorted({k.split("/")[1] for k in v if k.startswith("Generator/GBlock")},
                    key=lambda s: int(s.split("_")[1]) if "_" in s else 0)
    zs = np.split(z, len(blocks) + 1, axis=1)
    emb = np.eye(CLASSES)[y] @ v[f"linear/w/{EMA}"].astype(np.float64)
    h = zs[0] @ sn_kernel(v, "Generator/G_Z/G_linear") + v[f"Generator/G_Z/G_linear/b/{EMA}"]
    h = h.reshape(len(z), 4, 4, -1)
    for i, block in enumerate(blocks):
        if i == attention_before:
            h = attention(h, v)
        cond, scope = np.concatenate([zs[i + 1], emb], axis=1), f"Generator/{block}"

        def hyper(x, k, stats):
            scale = 1.0 + cond @ sn_kernel(v, f"{scope}/{k}/gamma")
            offset = cond @ sn_kernel(v, f"{scope}/{k}/beta")
            return batch_norm(x, v, f"{scope}/{stats}") * scale[:, None, None] + offset[:, None, None]

        out = conv(up(relu(hyper(h, "HyperBN", "CrossReplicaBN"))), v, f"{scope}/conv0")
        out = conv(relu(hyper(out, "HyperBN_1", "CrossReplicaBN_1")), v, f"{scope}/conv1")
        h = out + conv(up(h), v, f"{scope}/conv_sc")
    h = batch_norm(h, v, "Generator/ScaledCrossReplicaBNbn")
    h = h * v[f"Generator/ScaledCrossReplicaBN/gamma/{EMA}"][0, 0] + v[f"Generator/ScaledCrossReplicaBN/beta/{EMA}"][
        0, 0]
    return np.tanh(conv(relu(h), v, "Generator/conv_2d"))


@pytest.mark.parametrize("structure", [128, 256])
def test_conversion_matches_the_hub_forward(tmp_path, structure):
    rng = np.random.default_rng(structure)
    variables = hub_variables(rng, structure)
    model = biggan_from_hub(write_hub_module(tmp_path / f"biggan-{structure}_2", variables))
    report = model.conversion_report
    assert report.ok, str(report)
    ignored = [k for k, _ in report.networks["Generator"].ignored]
    assert len(report.networks["Generator"].mapped) + len(ignored) == len(variables)
    assert all(k.endswith(("/u1", "/u2", "/accumulation_counter")) or f"{k}/{EMA}" in variables for k in ignored)
    assert report.not_converted == {"Discriminator": report.not_converted["Discriminator"]}
    mults, att = STRUCTURES[structure]
    assert (model.image_size, model.latent_dim, model.num_classes, model.shared_dim) == (
        structure, CHUNK * len(mults), CLASSES, SHARED)
    assert model.g_channel_mults == mults and model.g_attention == [4 * 2**att]
    batch = 2 if structure == 128 else 1
    z = rng.standard_normal((batch, model.latent_dim)).astype(np.float32)
    y = np.array([3, 1][:batch], np.int32)
    expected = hub_forward(variables, z.astype(np.float64), y, att)
    assert np.abs(expected).std() > 0.1
    for net in (model.inference_generator, model.generator):
        got = net([tf.constant(z), tf.constant(y)], training=False).numpy()
        np.testing.assert_allclose(got, expected, atol=1e-4)


def test_strict_errors_name_the_problem(tmp_path):
    rng = np.random.default_rng(2)
    v = hub_variables(rng, 16)
    with pytest.raises(ConversionError, match=r"Generator/GBlock_1/extra"):
        biggan_from_hub(write_hub_module(tmp_path / "a", {**v, "Generator/GBlock_1/extra": np.ones(3, np.float32)}))
    bad = {**v, "Generator/GBlock_1/CrossReplicaBN_1/accumulated_var": np.ones(5, np.float32)}
    with pytest.raises(ConversionError, match=r"GBlock_1/CrossReplicaBN_1/accumulated_var"):
        biggan_from_hub(write_hub_module(tmp_path / "b", bad))
    missing = {k: a for k, a in v.items() if k != "Generator/GBlock/conv_sc/u0"}
    with pytest.raises(ConversionError, match=r"GBlock/conv_sc/u0"):
        biggan_from_hub(write_hub_module(tmp_path / "c", missing))
    module = write_hub_module(tmp_path / "d", v)
    with pytest.raises(ConversionError, match="per truncation"):
        biggan_from_hub(module, truncation=0.5)
    with pytest.raises(ConversionError, match=r"variables\.index"):
        biggan_from_hub(tmp_path)
    with pytest.raises(ConversionError, match="attention block has 16 input channels"):
        biggan_from_hub(module, attention_resolution=16)
    raw = biggan_from_hub(module, ema=False).conversion_report  # the raw training copy maps too
    assert raw.ok and ("Generator:linear/w", "generator_ema/shared_embedding/embeddings") in raw.mapped


def test_convert_command_writes_a_biggan_preset_that_exports_serves_and_converts_to_tflite(tmp_path):
    import tfgan_zoo
    from tests.models.test_dcgan_convert import exports_serves_and_converts_to_tflite
    from tfgan_zoo.cli import main
    from tfgan_zoo.pretrained.presets import read_preset

    rng = np.random.default_rng(4)
    variables = hub_variables(rng, 16)
    src = write_hub_module(tmp_path / "biggan-tiny", variables)
    assert main(["convert", "--from", "biggan-hub", str(src), "--out", str(tmp_path / "preset")]) == 0
    assert read_preset(tmp_path / "preset")["metadata"]["format"] == "biggan-hub"
    model = tfgan_zoo.from_preset(str(tmp_path / "preset"))
    z = rng.standard_normal((2, model.latent_dim)).astype(np.float32)
    y = np.array([2, 4], np.int32)
    expected = hub_forward(variables, z.astype(np.float64), y, STRUCTURES[16][1])
    exports_serves_and_converts_to_tflite(model, tmp_path, {"latents": z, "labels": y}, expected)
