"""BigGAN-PyTorch checkpoints (ajbrock/BigGAN-PyTorch: `G_ema.pth`, `G.pth`, `D.pth`) → the zoo's `biggan`.

    model = biggan_from_pytorch("weights/138k/G_ema.pth", discriminator="weights/138k/D.pth")
    print(model.conversion_report)
    model.generate(4, seed=0, labels=[207, 360, 387, 974], truncation=0.4)

The files are `torch.save(net.state_dict())` (zip or legacy format), read without torch and without running pickled
code. Official layout (`BigGAN.py`, `layers.py`; `G_shared`, hierarchical z, the published configuration):

* `shared.weight` [classes, shared_dim]: the shared class embedding (plain `nn.Embedding`) → `shared_embedding`.
* `linear.*` SNLinear(z_chunk, 16·C₀): its NCHW `view(-1, C₀, 4, 4)` becomes the zoo's NHWC reshape, so the output
  units (weight rows, bias, `u0`) are permuted from (c, h, w) to (h, w, c) order.
* `blocks.{i}.0` GBlock: `bn1` / `bn2` ccbn with `gain.*` and `bias.*` SNLinear(shared_dim + z_chunk, C, bias=False)
  (γ = 1 + gain(y), β = bias(y); y = [shared(class), z chunk i+1]) and `stored_mean` / `stored_var` (running or
  standing statistics) → `block{i+1}_bn{1,2}` (`gamma`, `beta`, `bn/moving_*`); `conv1`, `conv2`, `conv_sc` →
  `block{i+1}_conv*`. `blocks.{i}.1` Attention (`theta`, `phi`, `g`, `o`, `gamma`) → `attention_{res}`.
* `output_layer.0` bn (`gain`, `bias`, `stored_*`) → `out_bn`; `output_layer.2` SNConv2d → `out_conv`.
* D: `blocks.{i}.0.conv1/conv2/conv_sc` → `block{i+1}_conv*`, `blocks.{i}.1` → `attention_{res}`, `linear` and
  `embed` (SNEmbedding) → `projection/linear`, `projection/embed`.

Spectral norm: every SN layer stores its raw `weight` and power-iteration vector `u0` (and `sv0`, the σ of the last
training step). The official eval forward divides the weight by σ from one power iteration started at the stored
`u0` (without updating it); the zoo's inference uses its stored kernel as is (`tfgan_zoo.layers.spectral`), so the
converter runs that same iteration in float64 and stores W/σ as the kernel — the two forwards are then the same
function — and `u0` (permuted where the outputs are) as `vector_u`. `sv0` (and `u1`/`sv1`… of extra singular
values, which never scale the weight) are reported as ignored. The SNEmbedding's `u0` runs over classes while the
zoo's runs over features: that `vector_u` is filled with the iteration's right singular vector. Batch-norm epsilon
is 1e-5 (the official default; `BN_eps` is not stored). D's per-block downsampling is not in the keys: the official
`D_arch` is assumed (all blocks but the last at 64² and above, the first two at 32²; pass `d_downsample` otherwise).
Non-hierarchical or unshared-embedding generators are refused with a message (the zoo's `biggan` is the published
hierarchical, shared-embedding configuration).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport, MultiNetworkConversionReport
from tfgan_zoo.utils.torch_checkpoint import load_torch_state_dict
from tfgan_zoo.utils.torch_mapping import strip_module_prefix

__all__ = ["biggan_from_pytorch", "official_d_downsample", "spectral_normalize"]

SV_IGNORED = "σ of the last training step; the official eval forward recomputes σ from u0 (as the converter does)"


def spectral_normalize(weight: np.ndarray, u: np.ndarray, eps: float = 1e-12):
    """BigGAN-PyTorch's eval-mode `SN.W_()`: one power iteration from the stored `u` (not updated) on
    `weight.view(out, -1)`; returns (W/σ, σ, u', v) in float64."""
    w = np.asarray(weight, np.float64).reshape(weight.shape[0], -1)
    u = np.asarray(u, np.float64).reshape(1, -1)
    v = u @ w
    v = v / max(np.linalg.norm(v), eps)
    u_new = v @ w.T
    u_new = u_new / max(np.linalg.norm(u_new), eps)
    sigma = float(np.squeeze((v @ w.T) @ u_new.T))
    return np.asarray(weight, np.float64) / sigma, sigma, u_new, v


def official_d_downsample(image_size: int, blocks: int) -> list[int]:
    """BigGAN-PyTorch's `D_arch` downsampling: the first two blocks at 32², all but the last block above."""
    if image_size == 32:
        return [1, 1] + [0] * (blocks - 2)
    return [1] * (blocks - 1) + [0]


class _SNMapper:
    """Maps BigGAN-PyTorch SN layers (weight, bias, u0, sv0) onto the zoo's SpectralNormalization wrappers."""

    def __init__(self, state: dict, network, report: ConversionReport):
        self.state, self.network, self.report = state, network, report
        self.used: set[str] = set()

    def take(self, key):
        if key in self.state:
            self.used.add(key)
            return self.state[key]
        return None

    def assign(self, variable, value, key, path):
        value = np.asarray(value)
        if tuple(value.shape) != tuple(variable.shape):
            self.report.mismatched.append((key, tuple(value.shape), f"{tuple(variable.shape)} for {path}"))
            return
        variable.assign(value.astype(np.float32))
        self.report.mapped.append((key, path))

    def layer(self, *names):
        layer = self.network.get_layer(names[0])
        for name in names[1:]:
            layer = getattr(layer, name)
        return layer

    def sn(self, key, wrapper, path, kind, perm=None, embedding=False, in_perm=None, keep_outputs=None):
        """`kind`: 'conv' ([out, in, kh, kw] → [kh, kw, in, out]) or 'linear' ([out, in] → [in, out]); `perm`
        reorders output units, `in_perm` a linear layer's inputs; `keep_outputs`: only the first k output units
        (σ is that of the whole official weight); `embedding`: an SNEmbedding [classes, features] stored as a
        [classes, features] kernel."""
        w, u = self.take(f"{key}.weight"), self.take(f"{key}.u0")
        for extra in sorted(k for k in self.state if re.fullmatch(re.escape(key) + r"\.(sv\d+|u[1-9]\d*)", k)):
            self.used.add(extra)
            self.report.ignored.append((extra, SV_IGNORED if extra.split(".")[-1].startswith("sv") else
                                        "the vector of an extra singular value; only the first scales the weight"))
        if w is None or u is None:
            self.report.missing += [f"{path}/kernel ← {key}.{n}" for n, v in (("weight", w), ("u0", u)) if v is None]
            return
        if u.size != w.shape[0]:
            self.report.mismatched.append((f"{key}.u0", tuple(u.shape), f"(1, {w.shape[0]}) for {key}.weight"))
            return
        normalized, _sigma, _u, v = spectral_normalize(w, u)
        if in_perm is not None:
            normalized = normalized[:, in_perm]
        if keep_outputs is not None:
            normalized, u = normalized[:keep_outputs], u.reshape(-1)[:keep_outputs]
            u = u / max(np.linalg.norm(u), 1e-12)
            self.report.filled.append((f"{path}/vector_u", "u0[:k]", f"the official layer has {w.shape[0]} outputs "
                                       f"of which the first {keep_outputs} are used; its u0 restricted to them"))
        if embedding:
            kernel, u_value = normalized, v
            self.report.filled.append((f"{path}/vector_u", "v", "SNEmbedding's u0 runs over classes; the zoo's u "
                                       "runs over features: the power iteration's right singular vector"))
        elif kind == "conv":
            kernel, u_value = np.transpose(normalized, (2, 3, 1, 0)), u.reshape(1, -1)
        else:
            kernel, u_value = normalized.T, u.reshape(1, -1)
        if perm is not None:
            kernel, u_value = kernel[..., perm], u_value[..., perm]
        self.assign(wrapper.layer.kernel, kernel, f"{key}.weight", f"{path}/kernel")
        if not embedding:
            self.assign(wrapper.vector_u, u_value, f"{key}.u0", f"{path}/vector_u")
        else:
            wrapper.vector_u.assign(u_value.reshape(wrapper.vector_u.shape).astype(np.float32))
            self.report.mapped.append((f"{key}.u0", f"{path}/vector_u (used for σ, see filled)"))
        b = self.take(f"{key}.bias")
        if getattr(wrapper.layer, "use_bias", False):
            if b is None:
                self.report.missing.append(f"{path}/bias ← {key}.bias")
            else:
                b = b[:keep_outputs] if keep_outputs is not None else b
                self.assign(wrapper.layer.bias, b[perm] if perm is not None else b, f"{key}.bias", f"{path}/bias")
        elif b is not None:
            self.used.discard(f"{key}.bias")  # left unused: a strict error

    def bn(self, key, layer, path, gain="gain", bias="bias"):
        pairs = ((f"{key}.stored_mean", layer.moving_mean), (f"{key}.stored_var", layer.moving_variance))
        if gain:
            pairs = ((f"{key}.{gain}", layer.gamma), (f"{key}.{bias}", layer.beta)) + pairs
        for k, var in pairs:
            value = self.take(k)
            if value is None:
                self.report.missing.append(f"{path}/{var.name} ← {k}")
            else:
                self.assign(var, value, k, f"{path}/{var.name}")
        for counter in ("accumulation_counter", "num_batches_tracked"):
            if self.take(f"{key}.{counter}") is not None:
                self.report.ignored.append((f"{key}.{counter}", "a statistics counter; inference does not use it"))

    def attention(self, key, name):
        att = self.layer(name)
        for part in ("theta", "phi", "g", "o"):
            self.sn(f"{key}.{part}", getattr(att, part), f"{name}/{part}", "conv")
        g = self.take(f"{key}.gamma")
        if g is None:
            self.report.missing.append(f"{name}/gamma ← {key}.gamma")
        else:
            self.assign(att.gamma, np.reshape(g, ()), f"{key}.gamma", f"{name}/gamma")

    def finish(self):
        self.report.unused = sorted(k for k in self.state if k not in self.used)
        self.report.mapped.sort()
        return self.report


def _blocks(state, source):
    found = sorted({int(m.group(1)) for k in state if (m := re.fullmatch(r"blocks\.(\d+)\.0\.conv1\.weight", k))})
    if not found or found != list(range(len(found))):
        raise ConversionError(f"{source}: no BigGAN-PyTorch blocks (blocks.N.0.conv1.weight); first keys: "
                              f"{list(state)[:6]}.")
    return len(found)


def _mults(widths, base, what):
    if any(w % base for w in widths):
        raise ConversionError(f"{what} widths {widths} are not multiples of the base width {base}.")
    return [w // base for w in widths]


def read_generator(state: dict, source: str = "") -> dict:
    if "shared.weight" not in state or "output_layer.2.weight" not in state:
        hint = " It looks like a discriminator (D.pth)." if "embed.weight" in state else ""
        raise ConversionError(f"{source or 'The checkpoint'} is not a BigGAN-PyTorch generator with a shared "
                              f"embedding (no shared.weight / output_layer.2.weight).{hint} First keys: "
                              f"{list(state)[:6]}.")
    n = _blocks(state, source)
    classes, shared_dim = (int(s) for s in state["shared.weight"].shape)
    chunk = int(state["linear.weight"].shape[1])
    cond = int(state["blocks.0.0.bn1.gain.weight"].shape[1])
    if cond != shared_dim + chunk:
        raise ConversionError(f"{source}: the batch-norm conditions have {cond} inputs, not shared_dim + z chunk = "
                              f"{shared_dim} + {chunk}; only hierarchical (skip-z) generators with a shared "
                              "embedding (the published configuration) convert into the zoo's biggan.")
    widths = [int(state["blocks.0.0.conv1.weight"].shape[1])]
    widths += [int(state[f"blocks.{i}.0.conv2.weight"].shape[0]) for i in range(n)]
    base = int(state["output_layer.2.weight"].shape[1])
    attention = [4 * 2 ** (i + 1) for i in range(n) if f"blocks.{i}.1.gamma" in state]
    return dict(latent_dim=chunk * (n + 1), num_classes=classes, image_size=4 * 2**n,
                channels=int(state["output_layer.2.weight"].shape[0]), g_base_channels=base,
                g_channel_mults=_mults(widths, base, "G"), shared_dim=shared_dim, g_attention=attention,
                hierarchical=True)


def read_discriminator(state: dict, image_size: int, source: str = "", downsample=None) -> dict:
    if "embed.weight" not in state or "linear.weight" not in state:
        raise ConversionError(f"{source or 'The checkpoint'} is not a BigGAN-PyTorch projection discriminator (no "
                              f"embed.weight / linear.weight). First keys: {list(state)[:6]}.")
    n = _blocks(state, source)
    widths = [int(state[f"blocks.{i}.0.conv2.weight"].shape[0]) for i in range(n)]
    downsample = list(downsample) if downsample is not None else official_d_downsample(image_size, n)
    if len(downsample) != n:
        raise ConversionError(f"{source}: d_downsample has {len(downsample)} entries for {n} blocks.")
    res, attention = image_size, []
    for i in range(n):
        res //= 2 if downsample[i] else 1
        if f"blocks.{i}.1.gamma" in state:
            if res in attention:
                raise ConversionError(f"{source}: two attention blocks at {res}²; the zoo's discriminator has at most "
                                      "one per resolution.")
            attention.append(res)
    return dict(num_classes=int(state["embed.weight"].shape[0]), d_base_channels=widths[0],
                d_channel_mults=_mults(widths, widths[0], "D"), d_downsample=downsample, d_attention=attention)


def _map_generator(m: _SNMapper, spec: dict):
    m.assign(m.layer("shared_embedding").embeddings, m.take("shared.weight"), "shared.weight",
             "shared_embedding/embeddings")  # read_generator checked that it is there
    top = spec["g_base_channels"] * spec["g_channel_mults"][0]
    perm = np.arange(16 * top).reshape(top, 4, 4).transpose(1, 2, 0).reshape(-1)  # NHWC unit ← NCHW unit
    m.sn("linear", m.layer("linear"), "linear", "linear", perm=perm)
    res = 4
    for i in range(len(spec["g_channel_mults"]) - 1):
        name, key = f"block{i + 1}", f"blocks.{i}.0"
        for bn in ("bn1", "bn2"):
            cbn = m.layer(f"{name}_{bn}")
            m.sn(f"{key}.{bn}.gain", cbn.gamma, f"{name}_{bn}/gamma", "linear")
            m.sn(f"{key}.{bn}.bias", cbn.beta, f"{name}_{bn}/beta", "linear")
            m.bn(f"{key}.{bn}", cbn.bn, f"{name}_{bn}/bn", gain=None)
        for conv in ("conv1", "conv2", "conv_sc"):
            m.sn(f"{key}.{conv}", m.layer(f"{name}_{conv}"), f"{name}_{conv}", "conv")
        res *= 2
        if f"blocks.{i}.1.gamma" in m.state:  # read_generator put res in g_attention
            m.attention(f"blocks.{i}.1", f"attention_{res}")
    m.bn("output_layer.0", m.layer("out_bn"), "out_bn")
    m.sn("output_layer.2", m.layer("out_conv"), "out_conv", "conv")


def _map_discriminator(m: _SNMapper, spec: dict, image_size: int):
    res = image_size
    for i, down in enumerate(spec["d_downsample"]):
        name, key = f"block{i + 1}", f"blocks.{i}.0"
        for conv in ("conv1", "conv2", "conv_sc"):
            try:
                layer = m.layer(f"{name}_{conv}")
            except ValueError:
                continue  # no learnable shortcut in this block: a conv_sc key stays unused (strict error)
            m.sn(f"{key}.{conv}", layer, f"{name}_{conv}", "conv")
        res //= 2 if down else 1
        if f"blocks.{i}.1.gamma" in m.state:  # read_discriminator put res in d_attention
            m.attention(f"blocks.{i}.1", f"attention_{res}")
    head = m.layer("projection")
    m.sn("linear", head.linear, "projection/linear", "linear")
    m.sn("embed", head.embed, "projection/embed", "linear", embedding=True)


def biggan_from_pytorch(checkpoint, discriminator=None, strict: bool = True, d_downsample=None, **model_kwargs):
    """Converts BigGAN-PyTorch state dicts into the zoo's `biggan`.

    Args:
        checkpoint: `G_ema.pth` (or `G.pth`): the generator's state dict.
        discriminator: `D.pth` (optional; without it D keeps its initialisation, reported, with the official
            `D_arch` of the generator's resolution unless `d_*` arguments say otherwise).
        strict: raise `ConversionError` on unused keys, missing weights or shape mismatches.
        d_downsample: D's per-block downsampling when it is not the official `D_arch` (see the module docstring).
        **model_kwargs: other `biggan` arguments (training settings); the architecture comes from the keys.

    Returns:
        A `BigGAN` whose EMA (inference) and training generators hold the checkpoint's generator.
    """
    return convert_pytorch_pair(
        "biggan", "BigGAN", checkpoint, discriminator, strict, d_downsample, model_kwargs,
        read_generator=read_generator, read_discriminator=read_discriminator, map_generator=_map_generator,
        map_discriminator=_map_discriminator,
        official_d=lambda g: (list(reversed(g["g_channel_mults"])), official_d_downsample))


def convert_pytorch_pair(family, label, checkpoint, discriminator, strict, d_downsample, model_kwargs, *,
                         read_generator, read_discriminator, map_generator, map_discriminator, official_d):
    """The BigGAN-PyTorch conversion both `biggan` and `biggan_deep` run: read G (and D) state dicts, infer the
    architecture from their keys (`read_*`), build `family` with it, map the weights (`map_*`) and report.
    `official_d(g)` gives the official D's channel multipliers and its downsampling function for G's spec."""
    import tfgan_zoo

    files = {"G": Path(checkpoint), **({"D": Path(discriminator)} if discriminator is not None else {})}
    states = {k: strip_module_prefix(load_torch_state_dict(p)) for k, p in files.items()}
    g = read_generator(states["G"], f"G ({files['G']})")
    kwargs = dict(g)
    d = None
    if "D" in states:
        d = read_discriminator(states["D"], g["image_size"], f"D ({files['D']})", d_downsample)
        if d["num_classes"] != g["num_classes"]:
            raise ConversionError(f"G has {g['num_classes']} classes and D {d['num_classes']}: not one model's pair.")
        kwargs.update(d)
    else:  # the official D_arch of this generator: G's widths reversed, the official downsampling and attention
        mults, downsample = official_d(g)
        d_defaults = dict(d_base_channels=g["g_base_channels"], d_channel_mults=mults, d_attention=g["g_attention"],
                          d_downsample=list(d_downsample) if d_downsample is not None else downsample(
                              g["image_size"], len(mults)))
        kwargs.update({k: v for k, v in d_defaults.items() if k not in model_kwargs})
    check_no_clash(model_kwargs, kwargs, "the checkpoints")
    # every weight is overwritten: build with the cheap glorot init (orthogonal init of a 128² model takes minutes
    # on CPU: 165 s against 12 s measured); pass init="orthogonal" to keep the training init in the model's config
    model = tfgan_zoo.build_model(family, **{"init": "glorot", **model_kwargs, **kwargs})
    hierarchical = " (hierarchical)" if family == "biggan" else ""
    architecture = (f"{label} {g['image_size']}², {g['num_classes']} classes, z {g['latent_dim']}{hierarchical}, "
                    f"shared {g['shared_dim']}, G ch {g['g_base_channels']}×{g['g_channel_mults']}, attention "
                    f"{g['g_attention']}" + (f"; D ch {d['d_base_channels']}×{d['d_channel_mults']}" if d else ""))
    report = MultiNetworkConversionReport(str(files["G"]), architecture, checkpoint="explicit files", model=family)
    for key, network in (("G", model.inference_generator), ("D", model.discriminator)):
        if key not in states:
            report.not_converted[key] = "no checkpoint given"
            continue
        mapper = _SNMapper(states[key], network, ConversionReport(str(files[key]), architecture))
        if key == "G":
            map_generator(mapper, g)
        else:
            map_discriminator(mapper, d, g["image_size"])
        report.add(key, network.name, mapper.finish())
    return finish_conversion(model, report, strict, family, "The checkpoints do not map")


def check_no_clash(given: dict, read: dict, what: str) -> None:
    """Raises when a keyword argument contradicts the architecture read from the file."""
    clash = {k: (v, read[k]) for k, v in given.items() if k in read and _norm(read[k]) != _norm(v)}
    if clash:
        raise ConversionError(f"Arguments contradict {what} (given, read): {clash}.")


def finish_conversion(model, report, strict: bool, family: str, what: str):
    """The end of every BigGAN-family conversion: a strict report check, the training generator set equal to the
    converted inference (EMA) generator, and the report attached as `model.conversion_report`."""
    report.mapped.sort()
    if strict and not report.ok:
        raise ConversionError(f"{what} cleanly onto the zoo's {family} (pass strict=False to load anyway):\n"
                              + str(report), report)
    if model.generator is not model.inference_generator:
        for target, value in zip(model.generator.weights, model.inference_generator.weights):
            target.assign(value)
    model.conversion_report = report
    return model


def _norm(v):
    return list(v) if isinstance(v, (list, tuple)) else v
