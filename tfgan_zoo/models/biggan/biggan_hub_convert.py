"""TF-Hub BigGAN modules (deepmind/biggan-128, -256, -512; versions 1 and 2) → the zoo's `biggan`.

    model = biggan_from_hub("biggan-256_2")          # the unpacked module folder (saved_model.pb, variables/)
    print(model.conversion_report)
    model.inference_generator([z, labels])            # z: the module's `z` input, labels: argmax of its `y`

    tfgan-zoo convert --from biggan-hub biggan-256_2 --out biggan256_preset

A TF-Hub module of the TF1 format is a SavedModel folder; its variables are a plain TF checkpoint at
`variables/variables`, read here with `tf.train.load_checkpoint` (no `tensorflow_hub`, no graph is run).

Where the names and the forward come from (public sources, read, not copied):

* ajbrock/BigGAN-PyTorch `TFHub/converter.py` lists the module's generator variables: `linear/w` (the class
  embedding: a bias-free linear map of the one-hot `y`, [classes, 128]), `Generator/G_Z/G_linear/{w,b}`,
  `Generator/GBlock[_i]/{conv0,conv1,conv_sc}/{w,b}`, `Generator/GBlock[_i]/HyperBN[_1]/{gamma,beta}/w`,
  `Generator/GBlock[_i]/CrossReplicaBN[_1]/{accumulated_mean,accumulated_var,accumulation_counter}`,
  `Generator/attention/{theta,phi,g,o_conv}/w` and `attention/gamma`, `Generator/conv_2d/{w,b}`,
  `Generator/ScaledCrossReplicaBN/{gamma,beta}` and `Generator/ScaledCrossReplicaBNbn/accumulated_*`; every
  spectrally normalized weight has `u0` (and `u1`, …); the exponential moving averages the module samples with
  are `<name>/ema_b999900` next to each `w`, `b`, `gamma`, `beta`. Its `TFHub/biggan.py` gives the generator:
  z split into blocks + 1 equal chunks, chunk 0 → G_linear → NHWC 4×4×16ch, block i conditioned on
  [chunk i+1, class embedding] (z chunk FIRST; the zoo concatenates [embedding, chunk], so the rows of every
  HyperBN linear are reordered), HyperBN γ = 1 + gamma(c), β = beta(c); the attention block sits before
  GBlock 4 at 128² (64×64 features), before GBlock 5 at 256² (128×128) and before GBlock 4 at 512² (64×64);
  widths 16,16,8,4,2,1 ×96 (128²), 16,16,8,8,4,2,1 (256²), 16,16,8,8,4,2,1,1 (512²); z 120 / 140 / 128.
* An op-by-op transcript of the hub generator graph in a public TF re-implementation of it (a `tf_tools` /
  `tftorch` BigGAN port for TPUs, found by the variable name `accumulated_mean`) fixes the numerics: batch norm
  ε = 1e-4 with `accumulated_mean` / `accumulated_var` used directly as the statistics (the counter is not read),
  and spectral norm from the stored `u0` ([1, out]) with one power iteration whose normalisation is
  x·rsqrt(Σx² + 1e-4): v = n(u0 Wᵀ), u = n(v W), σ = v W uᵀ with W the kernel reshaped to [-1, out]; `u1`, `u2`
  only orthogonalise further singular vectors and never scale the weight.

What the converter does: the zoo's inference uses a stored kernel as is, so every SN weight is stored as W/σ (σ
from that iteration, in float64) with the iteration's u as `vector_u`; the class embedding `linear/w` becomes
`shared_embedding` (an embedding lookup of class c is the linear map of one-hot(c)); batch-norm variances get
+ (1e-4 − 1e-5) because the zoo's BN has ε = 1e-5 (exact: (x − μ)/√(σ² + 1e-4) either way). The generator's EMA
weights are used (`ema=False`: the raw training weights); the other copy, `u1`/`u2` and the counters are reported
as ignored. Any other variable, a missing one or a shape that does not fit is a strict error naming it. The
modules ship no discriminator: the zoo's D keeps its initialisation with the official `D_arch` (reported).

Batch-norm statistics and truncation: the module's `truncation` input scales z (z = truncation · TN(−2, 2)) and
also decides which batch-norm statistics the module normalises with (its version-2 changelog fixes "batch
statistics for previous truncation value" being used on the first call with a new value; BigGAN-PyTorch's TFHub
README says its port runs "without truncation" and that standing statistics must be accumulated per truncation
level by the user). How the module obtains the statistics of a given truncation lives in its graph
(saved_model.pb), not in its variables, and no public source establishes it for these modules, so it is not read.
The converter maps the one set the variables hold (`accumulated_mean` / `accumulated_var`) and says so in the
report; asking for a truncation's statistics raises `ConversionError` explaining this and that
`model.standing_statistics(truncation=…)` re-estimates statistics from the converted generator. The zoo's
`generate(..., truncation=t)` samples z from N(0, 1) truncated to [−t, t] (BigGAN-PyTorch's convention); to feed
the module's own z pass it to the generator directly.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tfgan_zoo.models.biggan.biggan_convert import check_no_clash, finish_conversion, official_d_downsample
from tfgan_zoo.utils.conversion import ConversionError, ConversionReport, MultiNetworkConversionReport

__all__ = ["HUB_BN_EPSILON", "biggan_from_hub", "hub_spectral_normalize", "read_hub_variables"]

#: the batch-norm and spectral-norm epsilon of the hub graphs
HUB_BN_EPSILON = 1e-4
ZOO_BN_EPSILON = 1e-5
EMA_SUFFIXES = ("ema_b999900", "ema_0.9999")
#: the attention resolution of each published module (BigGAN-PyTorch's TFHub/biggan.py)
OFFICIAL_ATTENTION = {128: 64, 256: 128, 512: 64}


def read_hub_variables(module) -> dict:
    """{name: array} of a TF1 hub module's `variables/variables` checkpoint (a leading `module/` is dropped)."""
    import tensorflow as tf

    path = Path(module)
    prefix = path / "variables" / "variables" if path.is_dir() else path
    if not Path(str(prefix) + ".index").exists():
        raise ConversionError(
            f"{module}: not a TF-Hub module folder: expected {prefix}.index (the module's variables checkpoint; a "
            "hub module unpacks into saved_model.pb, tfhub_module.pb and variables/variables.{index,data-*}). "
            "Pass the unpacked folder (tar xzf the downloaded .tar.gz first) or the checkpoint prefix itself.")
    reader = tf.train.load_checkpoint(str(prefix))
    out = {}
    for name in sorted(reader.get_variable_to_shape_map()):
        key = name[len("module/"):] if name.startswith("module/") else name
        out[key] = np.asarray(reader.get_tensor(name))
    return out


def hub_spectral_normalize(kernel: np.ndarray, u0: np.ndarray, eps: float = HUB_BN_EPSILON):
    """The hub graph's spectral norm of a TF kernel (`[..., out]`) from its stored `u0` (`[1, out]`): one power
    iteration with x·rsqrt(Σx² + eps) normalisation. Returns (kernel/σ, σ, u) in float64."""
    w = np.asarray(kernel, np.float64)
    mat = w.reshape(-1, w.shape[-1])
    v = np.asarray(u0, np.float64).reshape(1, -1) @ mat.T
    v = v / np.sqrt(np.sum(v * v) + eps)
    u = v @ mat
    u = u / np.sqrt(np.sum(u * u) + eps)
    sigma = float(((v @ mat) @ u.T).item())
    return w / sigma, sigma, u


class HubMapper:
    """Maps hub variables (TF layouts already) onto Keras weights, tracking what was used, for one network."""

    def __init__(self, variables: dict, network, report: ConversionReport, ema: str | None):
        self.vars, self.network, self.report, self.ema = variables, network, report, ema
        self.used: set[str] = set()

    def averaged(self, name):
        """`name` (a w / b / gamma / beta / scale / offset variable) in the copy being converted."""
        return f"{name}/{self.ema}" if self.ema else name

    def take(self, name, path, averaged=False):
        key = self.averaged(name) if averaged else name
        if key not in self.vars:
            self.report.missing.append(f"{path} ← {key}")
            return None, key
        self.used.add(key)
        if averaged:
            other = name if self.ema else None
            for twin in [other] + [f"{name}/{s}" for s in EMA_SUFFIXES if s != self.ema]:
                if twin and twin in self.vars:
                    self.used.add(twin)
                    self.report.ignored.append((twin, "the other copy of this weight (the converter maps "
                                                f"{'the EMA' if self.ema else 'the raw training'} weights)"))
        return self.vars[key], key

    def assign(self, variable, value, key, path):
        value = np.asarray(value)
        target = tuple(variable.shape)
        if value.shape != target and np.squeeze(value).shape == tuple(s for s in target if s != 1):
            value = value.reshape(target)  # the hub's [1, 1, 1, C] vectors and [1] scalars
        if tuple(value.shape) != tuple(variable.shape):
            self.report.mismatched.append((key, tuple(value.shape), f"{tuple(variable.shape)} for {path}"))
            return False
        variable.assign(value.astype(np.float32))
        self.report.mapped.append((key, path))
        return True

    def layer(self, name):
        return self.network.get_layer(name)

    def sn(self, scope, wrapper, path, bias=True, in_perm=None, keep_outputs=None):
        """An SN layer `scope/{w,b,u0}` onto a Keras `SpectralNormalization` wrapper; `in_perm` reorders the
        kernel's input rows, `keep_outputs` keeps the first k outputs (σ is that of the whole weight)."""
        w, w_key = self.take(f"{scope}/w", f"{path}/kernel", averaged=True)
        u0, u_key = self.take(f"{scope}/u0", f"{path}/vector_u")
        for extra in sorted(k for k in self.vars if re.fullmatch(re.escape(scope) + r"/u[1-9]\d*", k)):
            self.used.add(extra)
            self.report.ignored.append((extra, "orthogonalises a further singular vector; only u0 scales the weight"))
        if bias:
            b, b_key = self.take(f"{scope}/b", f"{path}/bias", averaged=True)
        if w is None or u0 is None:
            return
        if u0.size != w.shape[-1]:
            self.report.mismatched.append((u_key, tuple(u0.shape), f"(1, {w.shape[-1]}) for {w_key}"))
            return
        kernel, _sigma, u = hub_spectral_normalize(w, u0)
        if in_perm is not None:
            kernel = kernel[in_perm]
        if keep_outputs is not None:
            kernel, u = kernel[..., :keep_outputs], u[:, :keep_outputs] / np.linalg.norm(u[:, :keep_outputs])
            b = b[..., :keep_outputs] if bias and b is not None else None
            self.report.filled.append((f"{path}/vector_u", "u[:k]", f"the hub layer has {w.shape[-1]} outputs of "
                                       f"which the first {keep_outputs} are used; its u restricted to them"))
        self.assign(wrapper.layer.kernel, kernel, w_key, f"{path}/kernel")
        self.assign(wrapper.vector_u, u.reshape(1, -1), u_key, f"{path}/vector_u")
        if bias and b is not None:
            self.assign(wrapper.layer.bias, b, b_key, f"{path}/bias")

    def statistics(self, scope, bn, path, name="accumulated"):
        """Batch-norm statistics `scope/accumulated_{mean,var}` (ε 1e-4 folded into the variance)."""
        mean, m_key = self.take(f"{scope}/{name}_mean", f"{path}/moving_mean")
        var, v_key = self.take(f"{scope}/{name}_var", f"{path}/moving_variance")
        counter = f"{scope}/accumulation_counter"
        if counter in self.vars:
            self.used.add(counter)
            self.report.ignored.append((counter, "the number of accumulated batches; the hub graph reads the "
                                        "accumulated mean and variance directly"))
        if mean is not None:
            self.assign(bn.moving_mean, mean, m_key, f"{path}/moving_mean")
        if var is not None:
            self.assign(bn.moving_variance, np.asarray(var, np.float64) + (HUB_BN_EPSILON - ZOO_BN_EPSILON), v_key,
                        f"{path}/moving_variance (+ {HUB_BN_EPSILON - ZOO_BN_EPSILON:g}: hub ε 1e-4, zoo ε 1e-5)")

    def finish(self):
        self.report.unused = sorted(k for k in self.vars if k not in self.used)
        self.report.mapped.sort()
        return self.report


def _ema_suffix(variables, ema: bool, source) -> str | None:
    found = [s for s in EMA_SUFFIXES if any(k.endswith("/" + s) for k in variables)]
    if not ema:
        return None
    if not found:
        raise ConversionError(f"{source}: no exponential-moving-average weights (`…/w/{EMA_SUFFIXES[0]}`) in the "
                              "module; pass ema=False to convert its raw weights.")
    return found[0]


def _block_scopes(variables, root, first_conv, source):
    """`root/GBlock`, `root/GBlock_1`, … in order (checked contiguous)."""
    found = {}
    for k in variables:
        m = re.fullmatch(re.escape(root) + r"/GBlock(?:_(\d+))?/" + re.escape(first_conv) + r"/w(?:/.*)?", k)
        if m:
            found[int(m.group(1) or 0)] = f"{root}/GBlock" + (f"_{m.group(1)}" if m.group(1) else "")
    if not found or sorted(found) != list(range(len(found))):
        raise ConversionError(f"{source}: no hub generator blocks ({root}/GBlock/{first_conv}/w, {root}/GBlock_1/…) "
                              f"in contiguous order; found {sorted(found)}. First variables: {list(variables)[:6]}.")
    return [found[i] for i in range(len(found))]


def _attention_resolution(requested, widths, image_size, theta_in, source, official=OFFICIAL_ATTENTION):
    """The feature resolution the attention block runs at: the official one of the published modules, else the
    single resolution whose width equals the attention's input channels (or `requested`)."""
    resolutions = [4 * 2 ** (i + 1) for i in range(len(widths) - 1)]
    width_at = dict(zip(resolutions, widths[1:]))
    if requested is None:
        if image_size in official:
            requested = official[image_size]
        else:
            candidates = [r for r in resolutions[:-1] if width_at[r] == theta_in]
            if len(candidates) != 1:
                raise ConversionError(f"{source}: where the attention block sits is not stored in the variables and "
                                      f"{image_size}² is not a published module size; its {theta_in} input channels "
                                      f"fit the feature resolutions {candidates}: pass attention_resolution=…")
            requested = candidates[0]
    if width_at.get(requested) != theta_in:
        raise ConversionError(f"{source}: the attention block has {theta_in} input channels but the features at "
                              f"{requested}×{requested} have {width_at.get(requested)}; pass the right "
                              "attention_resolution.")
    return requested


def read_generator(variables: dict, ema: str | None, source="", attention_resolution=None) -> dict:
    if "linear/w" not in variables and f"linear/w/{ema}" not in variables:
        raise ConversionError(f"{source}: not a TF-Hub BigGAN generator: no class-embedding variable linear/w. First "
                              f"variables: {list(variables)[:6]}.")
    if any(k.startswith("Generator/GenZ/") for k in variables):
        raise ConversionError(f"{source} is a BigGAN-deep module (Generator/GenZ): use --from biggan-deep-hub.")

    def get(name):
        key = f"{name}/{ema}" if ema and f"{name}/{ema}" in variables else name
        if key not in variables:
            raise ConversionError(f"{source}: the variable {key} is missing (needed to read the architecture).")
        return variables[key]

    blocks = _block_scopes(variables, "Generator", "conv0", source)
    classes, shared = (int(s) for s in get("linear/w").shape)
    chunk = int(get("Generator/G_Z/G_linear/w").shape[0])
    widths = [int(get(f"{blocks[0]}/conv0/w").shape[2])] + [int(get(f"{b}/conv1/w").shape[3]) for b in blocks]
    cond = int(get(f"{blocks[0]}/HyperBN/gamma/w").shape[0])
    if cond != chunk + shared:
        raise ConversionError(f"{source}: the HyperBN linears take {cond} inputs, not z chunk + class embedding = "
                              f"{chunk} + {shared}.")
    base = int(get("Generator/conv_2d/w").shape[2])
    if any(w % base for w in widths):
        raise ConversionError(f"{source}: G widths {widths} are not multiples of the last width {base}.")
    image_size = 4 * 2 ** len(blocks)
    attention = []
    if any(k.startswith("Generator/attention/") for k in variables):
        theta_in = int(get("Generator/attention/theta/w").shape[2])
        attention = [_attention_resolution(attention_resolution, widths, image_size, theta_in, source)]
    return dict(latent_dim=chunk * (len(blocks) + 1), num_classes=classes, image_size=image_size,
                channels=int(get("Generator/conv_2d/w").shape[3]), g_base_channels=base,
                g_channel_mults=[w // base for w in widths], shared_dim=shared, g_attention=attention,
                hierarchical=True), blocks


def _map_generator(m: HubMapper, spec: dict, blocks: list):
    emb, key = m.take("linear/w", "shared_embedding/embeddings", averaged=True)
    if emb is not None:
        m.assign(m.layer("shared_embedding").embeddings, emb, key, "shared_embedding/embeddings")
    m.sn("Generator/G_Z/G_linear", m.layer("linear"), "linear")
    chunk, shared = spec["latent_dim"] // (len(blocks) + 1), spec["shared_dim"]
    # hub condition rows: [z chunk, embedding]; zoo: [embedding, z chunk]
    rows = np.concatenate([np.arange(chunk, chunk + shared), np.arange(chunk)])
    for i, scope in enumerate(blocks):
        name = f"block{i + 1}"
        for hyper, stats, bn in (("HyperBN", "CrossReplicaBN", "bn1"), ("HyperBN_1", "CrossReplicaBN_1", "bn2")):
            cbn = m.layer(f"{name}_{bn}")
            m.sn(f"{scope}/{hyper}/gamma", cbn.gamma, f"{name}_{bn}/gamma", bias=False, in_perm=rows)
            m.sn(f"{scope}/{hyper}/beta", cbn.beta, f"{name}_{bn}/beta", bias=False, in_perm=rows)
            m.statistics(f"{scope}/{stats}", cbn.bn, f"{name}_{bn}/bn")
        for hub_conv, conv in (("conv0", "conv1"), ("conv1", "conv2"), ("conv_sc", "conv_sc")):
            m.sn(f"{scope}/{hub_conv}", m.layer(f"{name}_{conv}"), f"{name}_{conv}")
    for res in spec["g_attention"]:
        att, name = m.layer(f"attention_{res}"), f"attention_{res}"
        for hub_part, part in (("theta", "theta"), ("phi", "phi"), ("g", "g"), ("o_conv", "o")):
            m.sn(f"Generator/attention/{hub_part}", getattr(att, part), f"{name}/{part}", bias=False)
        gamma, key = m.take("Generator/attention/gamma", f"{name}/gamma", averaged=True)
        if gamma is not None:
            m.assign(att.gamma, np.reshape(gamma, ()) if np.size(gamma) == 1 else gamma, key, f"{name}/gamma")
    out_bn = m.layer("out_bn")
    for hub, var in (("gamma", out_bn.gamma), ("beta", out_bn.beta)):
        value, key = m.take(f"Generator/ScaledCrossReplicaBN/{hub}", f"out_bn/{var.name}", averaged=True)
        if value is not None:
            m.assign(var, value, key, f"out_bn/{var.name}")
    m.statistics("Generator/ScaledCrossReplicaBNbn", out_bn, "out_bn")
    m.sn("Generator/conv_2d", m.layer("out_conv"), "out_conv")


STATISTICS_NOTE = ("batch-norm statistics: the one set the module's variables hold (accumulated_mean / "
                   "accumulated_var); the module's per-truncation statistics live in its graph and are not read")


def biggan_from_hub(module, strict: bool = True, ema: bool = True, truncation=None, attention_resolution=None,
                    **model_kwargs):
    """Converts a TF-Hub BigGAN module (biggan-128/256/512) into the zoo's `biggan`.

    Args:
        module: the unpacked module folder (with `variables/variables.index`) or the checkpoint prefix.
        strict: raise `ConversionError` on unused variables, missing weights or shape mismatches.
        ema: map the EMA weights the module samples with (True) or the raw training weights.
        truncation: must be None: per-truncation statistics are not in the variables (see the module docstring).
        attention_resolution: where the attention block runs, for modules of unpublished sizes.
        **model_kwargs: other `biggan` arguments (training settings; D's shape); G's come from the variables.

    Returns:
        A `BigGAN` whose inference (EMA) and training generators hold the module's generator.
    """
    import tfgan_zoo

    source = str(module)
    if truncation is not None:
        raise ConversionError(
            f"truncation={truncation}: the TF-Hub BigGAN modules obtain batch-norm statistics per truncation value "
            "inside their graph (saved_model.pb), whose layout for these modules no public source establishes; this "
            "converter reads only variables/variables, whose one set of accumulated statistics the converted model "
            "uses. Convert with truncation=None, then re-estimate statistics for your truncation with "
            "model.standing_statistics(truncation=...) if needed.")
    variables = read_hub_variables(module)
    suffix = _ema_suffix(variables, ema, source)
    g, blocks = read_generator(variables, suffix, source, attention_resolution)
    kwargs = dict(g)
    d_defaults = hub_d_defaults(g, list(reversed(g["g_channel_mults"])), official_d_downsample)
    kwargs.update({k: v for k, v in d_defaults.items() if k not in model_kwargs})
    check_no_clash(model_kwargs, g, "the module")
    model = tfgan_zoo.build_model("biggan", **{"init": "glorot", **model_kwargs, **kwargs})
    architecture = (f"TF-Hub BigGAN {g['image_size']}², {g['num_classes']} classes, z {g['latent_dim']} "
                    f"(hierarchical), class embedding {g['shared_dim']}, G ch {g['g_base_channels']}×"
                    f"{g['g_channel_mults']}, attention {g['g_attention']}, {suffix or 'raw'} weights; "
                    + STATISTICS_NOTE)
    report = MultiNetworkConversionReport(source, architecture, checkpoint="variables/variables", model="biggan")
    mapper = HubMapper(variables, model.inference_generator, ConversionReport(source, architecture), suffix)
    _map_generator(mapper, g, blocks)
    report.add("Generator", model.inference_generator.name, mapper.finish())
    report.not_converted["Discriminator"] = "the TF-Hub modules ship the generator only (official D_arch built)"
    return finish_conversion(model, report, strict, "biggan", "The module does not map")


def hub_d_defaults(g: dict, mults: list, downsample) -> dict:
    """The official D of a hub generator's spec `g` (the modules ship no D): widths `mults` × G's base, `downsample`'s
    official per-block downsampling, attention where G has it and D's width there is divisible by 8."""
    down = downsample(g["image_size"], len(mults))
    d_width_at, res = {}, g["image_size"]
    for mult, d in zip(mults, down):  # D's widths by feature resolution: attention needs channels divisible by 8
        res //= 2 if d else 1
        d_width_at[res] = mult * g["g_base_channels"]
    return dict(d_base_channels=g["g_base_channels"], d_channel_mults=mults, d_downsample=down,
                d_attention=[r for r in g["g_attention"] if d_width_at.get(r, 1) % 8 == 0])
