"""TF-Hub BigGAN-deep modules (biggan-deep-128/256/512) → the zoo's biggan_deep, tested without tensorflow_hub.

A synthetic module folder holds the hub variable names and shapes (`…/ema_0.9999` EMA weights next to different raw
weights, `u0` per SN layer) in a `variables/variables` checkpoint written with `tf.raw_ops.SaveV2`, and a
`saved_model.pb` (the SavedModel protocol buffer) whose graph holds the per-truncation batch-norm statistics as the
tensors pytorch-pretrained-BigGAN reads (`stack_1`, `stack_3`, `stack_6`, `stack_8`, `stack_11`, …: [51, C] each,
(mean, variance) per batch norm in block order, the output batch norm last) among distracting `stack_N` nodes. The
reference is a NumPy forward of the hub generator written here from pytorch-pretrained-BigGAN's description: the
class embedding linear(one-hot y), c = [z, embedding] into G_linear and every conditional BN (γ = 1 + scale(c)),
bottleneck blocks (BN-ReLU-1×1 → BN-ReLU-[up]-3×3 → BN-ReLU-3×3 → BN-ReLU-1×1; shortcut: first C_out channels,
upsampled), attention after the fourth block pair, output BN-ReLU-conv, first 3 channels, tanh; BN ε 1e-4 with the
statistics of the chosen truncation. Converted and reference generators must agree within 1e-4 at the 128² and
256² block structures.
"""

import numpy as np
import pytest
import tensorflow as tf

from tests.models.test_biggan_hub_convert import maxpool, relu, up, write_hub_module
from tfgan_zoo.models.biggan_deep.biggan_deep_hub_convert import biggan_deep_from_hub
from tfgan_zoo.utils.conversion import ConversionError

CLASSES, SHARED, LATENT, CH, N_STATS = 5, 8, 6, 4, 51
EMA = "ema_0.9999"
#: structure → width multipliers of the 4×4 input and each resolution's output
STRUCTURES = {128: [16, 16, 8, 4, 2, 1], 256: [16, 16, 8, 8, 4, 2, 1], 16: [4, 4, 2]}


def _sn(rng, v, scope, shape, bias=True):
    for copy in (f"/{EMA}", ""):
        v[f"{scope}/w{copy}"] = rng.normal(0, 0.5, shape).astype(np.float32)
        if bias:
            v[f"{scope}/b{copy}"] = rng.normal(0, 0.1, shape[-1]).astype(np.float32)
    v[f"{scope}/u0"] = rng.normal(0, 1, (1, shape[-1])).astype(np.float32)


def hub_module(rng, structure, attention=True):
    """(variables, statistics tables in reading order) of a BigGAN-deep module with the block structure."""
    widths = [m * CH for m in STRUCTURES[structure]]
    cond = LATENT + SHARED
    v = {f"linear/w/{EMA}": rng.normal(0, 1, (CLASSES, SHARED)).astype(np.float32),
         "linear/w": rng.normal(0, 1, (CLASSES, SHARED)).astype(np.float32)}
    _sn(rng, v, "Generator/GenZ/G_linear", (cond, 16 * widths[0]))
    tables, j = [], 0
    for stage in range(len(widths) - 1):
        for cin, cout in ((widths[stage], widths[stage]), (widths[stage], widths[stage + 1])):
            scope, hidden = "Generator/GBlock" + (f"_{j}" if j else ""), cin // 4
            for k, (a, b) in enumerate(((cin, hidden), (hidden, hidden), (hidden, hidden), (hidden, cout))):
                bn = f"{scope}/BatchNorm" + (f"_{k}" if k else "")
                _sn(rng, v, f"{bn}/scale", (cond, a), bias=False)
                _sn(rng, v, f"{bn}/offset", (cond, a), bias=False)
                tables += [rng.normal(0, 0.3, (N_STATS, a)), rng.uniform(0.5, 2, (N_STATS, a))]
                _sn(rng, v, f"{scope}/conv{k}", (3, 3, a, b) if k in (1, 2) else (1, 1, a, b))
            j += 1
        if attention and stage == 3:
            c = widths[4]
            for part, (a, b) in (("theta", (c, c // 8)), ("phi", (c, c // 8)), ("g", (c, c // 2)),
                                 ("o_conv", (c // 2, c))):
                _sn(rng, v, f"Generator/attention/{part}", (1, 1, a, b), bias=False)
            v[f"Generator/attention/gamma/{EMA}"] = np.array(0.7, np.float32)
            v["Generator/attention/gamma"] = np.array(0.2, np.float32)
    c = widths[-1]
    for copy in (f"/{EMA}", ""):
        v[f"Generator/BatchNorm/scale{copy}"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
        v[f"Generator/BatchNorm/offset{copy}"] = rng.normal(0, 0.2, c).astype(np.float32)
    tables += [rng.normal(0, 0.3, (N_STATS, c)), rng.uniform(0.5, 2, (N_STATS, c))]
    _sn(rng, v, "Generator/conv_to_rgb", (3, 3, c, c))
    return v, [t.astype(np.float32) for t in tables]


def write_deep_module(folder, variables, tables):
    """The module folder: the variables checkpoint and a saved_model.pb whose graph holds the statistics tensors."""
    from tensorflow.core.protobuf import saved_model_pb2

    write_hub_module(folder, variables)
    graph = tf.Graph()
    with graph.as_default():
        names = iter(f"stack_{10 * i + k}" for i in range(len(tables)) for k in (1, 3, 6, 8))
        for table in tables:
            name = next(names)
            index = int(name.split("_")[1])
            tf.stack([tf.constant([index, index + 1])], name=f"stack_{index - 1}")  # unrelated stack ops around
            tf.stack([tf.constant(row) for row in table], name=name)
        tf.stack([tf.constant([1.0])], name=f"stack_{int(next(names).split('_')[1])}")  # beyond the tables
    saved = saved_model_pb2.SavedModel(saved_model_schema_version=1)
    saved.meta_graphs.add().graph_def.CopyFrom(graph.as_graph_def())
    (folder / "saved_model.pb").write_bytes(saved.SerializeToString())
    return folder


# ----------------------------------------------------------------------------- the hub generator in NumPy (NHWC)
def sn_kernel(v, scope):
    w = v[f"{scope}/w/{EMA}"].astype(np.float64)
    mat = w.reshape(-1, w.shape[-1])
    left = v[f"{scope}/u0"].astype(np.float64) @ mat.T
    left = left / np.sqrt((left**2).sum() + 1e-4)
    right = left @ mat
    right = right / np.sqrt((right**2).sum() + 1e-4)
    return w / (left @ mat @ right.T).item()


def conv(x, v, scope, bias=True):
    k = sn_kernel(v, scope)
    pad = k.shape[0] // 2
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    h, w = x.shape[1:3]
    out = sum(np.einsum("nhwc,co->nhwo", xp[:, i: i + h, j: j + w], k[i, j])
              for i in range(k.shape[0]) for j in range(k.shape[1]))
    return out + v[f"{scope}/b/{EMA}"] if bias else out


def attention(x, v):
    n, h, w, c = x.shape
    theta = conv(x, v, "Generator/attention/theta", bias=False).reshape(n, h * w, -1)
    phi = maxpool(conv(x, v, "Generator/attention/phi", bias=False)).reshape(n, h * w // 4, -1)
    g = maxpool(conv(x, v, "Generator/attention/g", bias=False)).reshape(n, h * w // 4, -1)
    logits = np.einsum("nqc,nkc->nqk", theta, phi)
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    o = np.einsum("nqk,nkc->nqc", weights / weights.sum(-1, keepdims=True), g).reshape(n, h, w, -1)
    return x + v[f"Generator/attention/gamma/{EMA}"] * conv(o, v, "Generator/attention/o_conv", bias=False)


def hub_forward(v, tables, index, z, y):
    stats = iter((t[index].astype(np.float64), s[index].astype(np.float64)) for t, s in zip(tables[::2], tables[1::2]))
    n_blocks = len({k.split("/")[1] for k in v if k.startswith("Generator/GBlock")})
    cond = np.concatenate([z, np.eye(CLASSES)[y] @ v[f"linear/w/{EMA}"].astype(np.float64)], axis=1)
    h = (cond @ sn_kernel(v, "Generator/GenZ/G_linear") + v[f"Generator/GenZ/G_linear/b/{EMA}"]).reshape(
        len(z), 4, 4, -1)

    def cbn(x, bn):
        mean, var = next(stats)
        scale, offset = 1.0 + cond @ sn_kernel(v, f"{bn}/scale"), cond @ sn_kernel(v, f"{bn}/offset")
        return (x - mean) / np.sqrt(var + 1e-4) * scale[:, None, None] + offset[:, None, None]

    for j in range(n_blocks):
        if j == 8 and "Generator/attention/gamma/" + EMA in v:
            h = attention(h, v)
        scope, upsample = "Generator/GBlock" + (f"_{j}" if j else ""), j % 2 == 1
        bns = [f"{scope}/BatchNorm" + (f"_{k}" if k else "") for k in range(4)]
        out = conv(relu(cbn(h, bns[0])), v, f"{scope}/conv0")
        out = relu(cbn(out, bns[1]))
        out = conv(up(out) if upsample else out, v, f"{scope}/conv1")
        out = conv(relu(cbn(out, bns[2])), v, f"{scope}/conv2")
        out = conv(relu(cbn(out, bns[3])), v, f"{scope}/conv3")
        skip = h[..., : out.shape[-1]]
        h = out + (up(skip) if upsample else skip)
    mean, var = next(stats)
    h = (h - mean) / np.sqrt(var + 1e-4) * v[f"Generator/BatchNorm/scale/{EMA}"] + v[
        f"Generator/BatchNorm/offset/{EMA}"]
    return np.tanh(conv(relu(h), v, "Generator/conv_to_rgb")[..., :3])


@pytest.mark.parametrize("structure, truncation", [(128, 0.4), (256, 1.0)])
def test_conversion_matches_the_hub_forward(tmp_path, structure, truncation):
    rng = np.random.default_rng(structure)
    variables, tables = hub_module(rng, structure)
    model = biggan_deep_from_hub(write_deep_module(tmp_path / "module", variables, tables), truncation=truncation)
    report = model.conversion_report
    assert report.ok, str(report)
    net = report.networks["Generator"]
    assert len([k for k, _ in net.mapped if k in variables]) + len(net.ignored) == len(variables)
    assert len([k for k, _ in net.mapped if k.endswith("statistics (mean)")]) == len(tables) // 2
    assert f"truncation {truncation:g}" in report.architecture and model.hub_truncation == truncation
    assert (model.image_size, model.latent_dim, model.g_channel_mults, model.g_attention) == (
        structure, LATENT, STRUCTURES[structure], [64])
    z = rng.standard_normal((2, LATENT)).astype(np.float32)
    y = np.array([4, 0], np.int32)
    index = round(truncation * (N_STATS - 1))
    expected = hub_forward(variables, tables, index, z.astype(np.float64), y)
    assert np.abs(expected).std() > 0.1
    for g in (model.inference_generator, model.generator):
        np.testing.assert_allclose(g([tf.constant(z), tf.constant(y)], training=False).numpy(), expected, atol=1e-4)
    other = hub_forward(variables, tables, index - 10, z.astype(np.float64), y)
    assert np.abs(other - expected).max() > 1e-2  # the statistics of another truncation change the images


def test_errors_name_the_problem(tmp_path):
    rng = np.random.default_rng(3)
    variables, tables = hub_module(rng, 16, attention=False)
    module = write_deep_module(tmp_path / "m", variables, tables)
    with pytest.raises(ConversionError, match="pass truncation=t"):
        biggan_deep_from_hub(module)
    with pytest.raises(ConversionError, match=r"no batch-norm statistics for truncation 0\.41.*nearest: \[0\.4, 0\.42"):
        biggan_deep_from_hub(module, truncation=0.41)
    assert biggan_deep_from_hub(module, truncation=0.02).hub_truncation == pytest.approx(0.02)
    no_graph = write_hub_module(tmp_path / "bare", variables)
    with pytest.raises(ConversionError, match=r"block1a_bn1/bn/moving_mean ← Generator/GBlock/BatchNorm statistics"):
        biggan_deep_from_hub(no_graph, truncation=0.5)
    short = write_deep_module(tmp_path / "short", variables, tables[:-2])
    with pytest.raises(ConversionError, match=r"stack_\d+.*not in the graph"):
        biggan_deep_from_hub(short, truncation=0.5)
    wrong = write_deep_module(tmp_path / "wrong", variables, tables[:-1] + [tables[-1][:, :2]])
    with pytest.raises(ConversionError, match=r"Generator/BatchNorm statistics \(variance\)"):
        biggan_deep_from_hub(wrong, truncation=0.5)
    extra = write_deep_module(tmp_path / "extra", {**variables, "Generator/GBlock_2/conv9/w": np.ones(2, np.float32)},
                              tables)
    with pytest.raises(ConversionError, match=r"Generator/GBlock_2/conv9/w"):
        biggan_deep_from_hub(extra, truncation=0.5)


def test_convert_command_writes_a_preset_that_exports_serves_and_converts_to_tflite(tmp_path):
    import tfgan_zoo
    from tests.models.test_dcgan_convert import exports_serves_and_converts_to_tflite
    from tfgan_zoo.cli import main
    from tfgan_zoo.pretrained.presets import read_preset

    rng = np.random.default_rng(5)
    variables, tables = hub_module(rng, 16, attention=False)
    src = write_deep_module(tmp_path / "biggan-deep-tiny", variables, tables)
    out = tmp_path / "preset"
    assert main(["convert", "--from", "biggan-deep-hub", str(src), "--truncation", "0.5", "--out", str(out)]) == 0
    assert "truncation 0.5" in read_preset(out)["metadata"]["conversion"]
    model = tfgan_zoo.from_preset(str(out))
    z = rng.standard_normal((2, LATENT)).astype(np.float32)
    y = np.array([1, 3], np.int32)
    expected = hub_forward(variables, tables, 25, z.astype(np.float64), y)
    exports_serves_and_converts_to_tflite(model, tmp_path, {"latents": z, "labels": y}, expected)
