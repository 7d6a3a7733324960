"""TF-Hub BigGAN-deep modules (deepmind/biggan-deep-128, -256, -512) → the zoo's `biggan_deep`.

    model = biggan_deep_from_hub("biggan-deep-256_1", truncation=0.4)
    model.inference_generator([z, labels])      # z: the module's `z` input (0.4 · TN(−2, 2)), labels: argmax of `y`

    tfgan-zoo convert --from biggan-deep-hub biggan-deep-256_1 --truncation 0.4 --out deep256_t04

Weights are read from the module's `variables/variables` checkpoint with `tf.train.load_checkpoint`; the batch-norm
statistics, which these modules do not keep in variables, from constants of the module graph in `saved_model.pb`
(parsed as the SavedModel protocol buffer the TF1 hub format uses; the constant sub-graph is evaluated, nothing
else of the graph runs and `tensorflow_hub` is not needed).

Where the names come from: huggingface/pytorch-pretrained-BigGAN `convert_tf_to_pytorch.py` (read, not copied)
lists the variables and shapes: `linear/w/ema_0.9999` (the class embedding, a bias-free linear map of the one-hot
`y`), `Generator/GenZ/G_linear/{w,b}/ema_0.9999` and `u0` (input `cat([z, embedding])`, output viewed as NHWC
4×4×16ch), `Generator/GBlock[_i]/BatchNorm[_j]/{scale,offset}/w/ema_0.9999` and `u0` (j = 0…3: the conditional
batch norms; γ = 1 + scale(c), β = offset(c) with c = `cat([z, embedding])`), `Generator/GBlock[_i]/conv{0..3}/
{w,b}/ema_0.9999` and `u0`, `Generator/attention/{theta,phi,g,o_conv}/w/ema_0.9999` and `u0`,
`Generator/attention/gamma/ema_0.9999`, `Generator/BatchNorm/{scale,offset}/ema_0.9999` (the output batch norm) and
`Generator/conv_to_rgb/{w,b}/ema_0.9999` and `u0` (ch outputs of which the first 3 are the image). Its
configurations give the blocks: pairs (no upsampling, upsampling) per resolution, widths 16,16,8,4,2,1 ×128 at
128², 16,16,8,8,4,2,1 at 256², 16,16,8,8,4,2,1,1 at 512², the attention block after the fourth pair (64×64), the
shortcut keeping the first C_out channels; batch-norm ε 1e-4 and 51 sets of statistics per batch norm
(`n_stats=51`, one per truncation 0, 0.02, …, 1.0). Its `extract_batch_norm_stats` reads those statistics as the
graph tensors `stack_{10i+1}`, `stack_{10i+3}`, `stack_{10i+6}`, `stack_{10i+8}` (i = 0, 1, …; under the scope
`module_apply_default/` once hub has applied the module), each [51, C], taken in order as (mean, variance) of
GBlock's BatchNorm … BatchNorm_3, GBlock_1's, …, and last the output BatchNorm; this converter reads the same nodes
from saved_model.pb (named `stack_N`, or `<scope>/stack_N`) and checks every shape against the batch norm it fills.
Spectral norm and batch-norm numerics are those of the BigGAN modules (`tfgan_zoo.models.biggan.biggan_hub_convert`).

Truncation: statistics exist for truncation k/50; `truncation=t` loads set k = 50·t into every batch norm and
must be one of those values (the module's own graph interpolates between neighbouring sets for other values, which
a model with one set of statistics cannot do: such a t is a `ConversionError` listing the nearest valid values).
The choice is recorded in the report (and, through it, in a preset's metadata): the converted model reproduces the
module at that truncation only; `truncation=None` is refused when the module has statistics tables. The module's z
input is z = truncation · TN(−2, 2) (the zoo's `generate(truncation=t)` instead samples N(0, 1) truncated to
[−t, t]); feed the module's z to the generator directly to reproduce its samples.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tfgan_zoo.models.biggan.biggan_convert import check_no_clash, finish_conversion
from tfgan_zoo.models.biggan.biggan_hub_convert import (
    HUB_BN_EPSILON,
    ZOO_BN_EPSILON,
    HubMapper,
    _attention_resolution,
    _block_scopes,
    _ema_suffix,
    hub_d_defaults,
    read_hub_variables,
)
from tfgan_zoo.models.biggan_deep.biggan_deep_convert import official_deep_d_downsample
from tfgan_zoo.utils.conversion import ConversionError, ConversionReport, MultiNetworkConversionReport

__all__ = ["biggan_deep_from_hub", "read_hub_statistics"]

OFFICIAL_DEEP_ATTENTION = {128: 64, 256: 64, 512: 64}


def _stack_names(count):
    """The first `count` statistics tensors in pytorch-pretrained-BigGAN's order: stack_1, 3, 6, 8, 11, 13, …"""
    return [f"stack_{10 * i + k}" for i in range(count // 4 + 1) for k in (1, 3, 6, 8)][:count]


def read_hub_statistics(module, count: int) -> list:
    """The first `count` batch-norm statistics tables of a hub module's graph (see the module docstring); [] when
    the module folder has no saved_model.pb. Raises `ConversionError` if tables are missing or not constant."""
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    pb = Path(module) / "saved_model.pb"
    if not pb.is_file():
        return []
    saved = saved_model_pb2.SavedModel()
    saved.ParseFromString(pb.read_bytes())
    wanted = _stack_names(count)
    for meta in sorted(saved.meta_graphs, key=lambda m: len(m.meta_info_def.tags)):  # the untagged graph first
        nodes = {}
        for node in meta.graph_def.node:
            m = re.fullmatch(r"(?:.*/)?(stack_\d+)", node.name)
            if m and m.group(1) in wanted:
                nodes.setdefault(m.group(1), []).append(node.name)
        if not nodes:
            continue
        missing = [n for n in wanted if n not in nodes]
        if missing:
            raise ConversionError(f"{pb}: the batch-norm statistics tensors {missing[:4]}… are not in the graph "
                                  f"({count} expected: {wanted[0]}, {wanted[1]}, …).")
        ambiguous = {n: v for n, v in nodes.items() if len(v) > 1}
        if ambiguous:
            raise ConversionError(f"{pb}: several graph nodes could be the statistics tensors: {ambiguous}.")
        names = [nodes[n][0] for n in wanted]
        sub = tf.compat.v1.graph_util.extract_sub_graph(meta.graph_def, names)
        graph = tf.Graph()
        with graph.as_default():
            tf.compat.v1.import_graph_def(sub, name="")
            try:
                with tf.compat.v1.Session(graph=graph) as session:
                    return [np.asarray(v) for v in session.run([f"{n}:0" for n in names])]
            except tf.errors.OpError as e:
                raise ConversionError(f"{pb}: the statistics tensors are not constants of the graph ({e.message}); "
                                      "this converter does not run the module.") from None
    return []


def read_generator(variables: dict, ema: str | None, source="", attention_resolution=None):
    if "Generator/GenZ/G_linear/u0" not in variables:
        hint = " It is a BigGAN module (Generator/G_Z): use --from biggan-hub." if any(
            k.startswith("Generator/G_Z/") for k in variables) else ""
        raise ConversionError(f"{source}: not a TF-Hub BigGAN-deep generator (no Generator/GenZ/G_linear).{hint} "
                              f"First variables: {list(variables)[:6]}.")

    def get(name):
        key = f"{name}/{ema}" if ema and f"{name}/{ema}" in variables else name
        if key not in variables:
            raise ConversionError(f"{source}: the variable {key} is missing (needed to read the architecture).")
        return variables[key]

    blocks = _block_scopes(variables, "Generator", "conv0", source)
    if len(blocks) % 2:
        raise ConversionError(f"{source}: {len(blocks)} GBlocks; BigGAN-deep has two per resolution.")
    classes, shared = (int(s) for s in get("linear/w").shape)
    latent = int(get("Generator/GenZ/G_linear/w").shape[0]) - shared
    widths = [int(get(f"{blocks[0]}/conv0/w").shape[2])] + [int(get(f"{b}/conv3/w").shape[3]) for b in blocks[1::2]]
    cond = int(get(f"{blocks[0]}/BatchNorm/scale/w").shape[0])
    if cond != latent + shared or latent <= 0:
        raise ConversionError(f"{source}: the batch norms take {cond} inputs and G_linear "
                              f"{latent + shared}; BigGAN-deep conditions both on cat([z, embedding]).")
    base = int(get("Generator/conv_to_rgb/w").shape[2])
    if any(w % base for w in widths):
        raise ConversionError(f"{source}: G widths {widths} are not multiples of the last width {base}.")
    image_size = 4 * 2 ** (len(blocks) // 2)
    attention = []
    if any(k.startswith("Generator/attention/") for k in variables):
        theta_in = int(get("Generator/attention/theta/w").shape[2])
        attention = [_attention_resolution(attention_resolution, widths, image_size, theta_in, source,
                                           OFFICIAL_DEEP_ATTENTION)]
    return dict(latent_dim=latent, num_classes=classes, image_size=image_size, channels=3, g_base_channels=base,
                g_channel_mults=[w // base for w in widths], shared_dim=shared, g_attention=attention), blocks


def _select(tables, truncation, source):
    """Set k = truncation·(n − 1) of each [n, C] table."""
    n = int(tables[0].shape[0])
    grid = [round(k / (n - 1), 6) for k in range(n)]
    if truncation is None:
        raise ConversionError(f"{source}: the module has batch-norm statistics for {n} truncation values "
                              f"({grid[0]}, {grid[1]}, …, {grid[-1]}) and a converted model holds one set: pass "
                              "truncation=t (--truncation t), the value you will sample z = t·TN(−2, 2) with.")
    k = float(truncation) * (n - 1)
    if not 0 <= round(k) < n or abs(k - round(k)) > 1e-6:
        near = sorted(grid, key=lambda t: abs(t - float(truncation)))[:2]
        raise ConversionError(f"{source}: no batch-norm statistics for truncation {truncation}: the module has them "
                              f"for multiples of {grid[1]} in [0, 1] (nearest: {near}) and interpolates between "
                              "neighbouring sets for other values, which a converted model (one set of statistics) "
                              "cannot; convert at one of the stored values.")
    return int(round(k))


def _map_generator(m: HubMapper, spec: dict, blocks: list, stats: list):
    emb, key = m.take("linear/w", "shared_embedding/embeddings", averaged=True)
    if emb is not None:
        m.assign(m.layer("shared_embedding").embeddings, emb, key, "shared_embedding/embeddings")
    latent, shared = spec["latent_dim"], spec["shared_dim"]
    rows = np.concatenate([np.arange(latent, latent + shared), np.arange(latent)])  # hub [z, emb] → zoo [emb, z]
    m.sn("Generator/GenZ/G_linear", m.layer("linear"), "linear", in_perm=rows)
    tables = iter(stats)

    def statistics(bn, path, where):
        mean, var = next(tables, None), next(tables, None)
        if mean is None or var is None:
            m.report.missing += [f"{path}/moving_mean ← {where}", f"{path}/moving_variance ← {where}"]
            return
        m.assign(bn.moving_mean, mean, f"{where} (mean)", f"{path}/moving_mean")
        m.assign(bn.moving_variance, np.asarray(var, np.float64) + (HUB_BN_EPSILON - ZOO_BN_EPSILON),
                 f"{where} (variance)", f"{path}/moving_variance (+ {HUB_BN_EPSILON - ZOO_BN_EPSILON:g}: ε)")

    for j, scope in enumerate(blocks):
        name = f"block{j // 2 + 1}{'ab'[j % 2]}"
        for k in range(4):
            hub_bn, cbn = f"{scope}/BatchNorm" + (f"_{k}" if k else ""), m.layer(f"{name}_bn{k + 1}")
            m.sn(f"{hub_bn}/scale", cbn.gamma, f"{name}_bn{k + 1}/gamma", bias=False, in_perm=rows)
            m.sn(f"{hub_bn}/offset", cbn.beta, f"{name}_bn{k + 1}/beta", bias=False, in_perm=rows)
            statistics(cbn.bn, f"{name}_bn{k + 1}/bn", f"{hub_bn} statistics")
            m.sn(f"{scope}/conv{k}", m.layer(f"{name}_conv{k + 1}"), f"{name}_conv{k + 1}")
    for res in spec["g_attention"]:
        att, name = m.layer(f"attention_{res}"), f"attention_{res}"
        for hub_part, part in (("theta", "theta"), ("phi", "phi"), ("g", "g"), ("o_conv", "o")):
            m.sn(f"Generator/attention/{hub_part}", getattr(att, part), f"{name}/{part}", bias=False)
        gamma, key = m.take("Generator/attention/gamma", f"{name}/gamma", averaged=True)
        if gamma is not None:
            m.assign(att.gamma, gamma, key, f"{name}/gamma")
    out_bn = m.layer("out_bn")
    for hub, var in (("scale", out_bn.gamma), ("offset", out_bn.beta)):
        value, key = m.take(f"Generator/BatchNorm/{hub}", f"out_bn/{var.name}", averaged=True)
        if value is not None:
            m.assign(var, value, key, f"out_bn/{var.name}")
    statistics(out_bn, "out_bn", "Generator/BatchNorm statistics")
    m.sn("Generator/conv_to_rgb", m.layer("out_conv"), "out_conv", keep_outputs=spec["channels"])


def biggan_deep_from_hub(module, truncation=None, strict: bool = True, ema: bool = True, attention_resolution=None,
                         **model_kwargs):
    """Converts a TF-Hub BigGAN-deep module (biggan-deep-128/256/512) into the zoo's `biggan_deep`.

    Args:
        module: the unpacked module folder (saved_model.pb and variables/).
        truncation: the truncation value whose batch-norm statistics are loaded (a multiple of 0.02 in [0, 1]).
        strict: raise `ConversionError` on unused variables, missing weights or statistics, or shape mismatches.
        ema: map the EMA weights (True) or the raw training weights.
        attention_resolution: where the attention block runs, for modules of unpublished sizes.
        **model_kwargs: other `biggan_deep` arguments (training settings; D's shape).
    """
    import tfgan_zoo

    source = str(module)
    variables = read_hub_variables(module)
    suffix = _ema_suffix(variables, ema, source)
    g, blocks = read_generator(variables, suffix, source, attention_resolution)
    count = 2 * (4 * len(blocks) + 1)
    tables = read_hub_statistics(module, count)
    index = None
    if tables:
        index = _select(tables, truncation, source)
        stats = [t[index] for t in tables]
        where = f"batch-norm statistics for truncation {index / (tables[0].shape[0] - 1):g} (set {index} of " \
                f"{tables[0].shape[0]} in the graph's stack tensors)"
    else:
        stats = []
        where = "NO batch-norm statistics (saved_model.pb absent or without them)"
    kwargs = dict(g)
    mults = list(reversed(g["g_channel_mults"][:-1]))
    d_defaults = hub_d_defaults(g, mults, official_deep_d_downsample)
    kwargs.update({k: v for k, v in d_defaults.items() if k not in model_kwargs})
    check_no_clash(model_kwargs, g, "the module")
    model = tfgan_zoo.build_model("biggan_deep", **{"init": "glorot", **model_kwargs, **kwargs})
    architecture = (f"TF-Hub BigGAN-deep {g['image_size']}², {g['num_classes']} classes, z {g['latent_dim']}, class "
                    f"embedding {g['shared_dim']}, G ch {g['g_base_channels']}×{g['g_channel_mults']}, attention "
                    f"{g['g_attention']}, {suffix or 'raw'} weights, {where}")
    report = MultiNetworkConversionReport(source, architecture, checkpoint="variables/variables + saved_model.pb",
                                          model="biggan_deep")
    mapper = HubMapper(variables, model.inference_generator, ConversionReport(source, architecture), suffix)
    _map_generator(mapper, g, blocks, stats)
    report.add("Generator", model.inference_generator.name, mapper.finish())
    report.not_converted["Discriminator"] = "the TF-Hub modules ship the generator only (official D_arch built)"
    model.hub_truncation = None if index is None else index / (tables[0].shape[0] - 1)
    return finish_conversion(model, report, strict, "biggan_deep", "The module does not map")
