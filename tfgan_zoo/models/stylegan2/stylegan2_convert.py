"""Converter from official StyleGAN2 (NVlabs/stylegan2, TensorFlow 1) weights into the zoo's `stylegan2` model.

    model = stylegan2_from_official("ffhq-Gs.npz", discriminator="ffhq-D.npz")
    print(model.conversion_report)
    model.generate(4, seed=0, truncation_psi=0.5)

Input format. The official `.pkl` files pickle `dnnlib.tflib.Network` objects, which only unpickle with the
official code (and TF 1.x) importable, so this converter reads a NumPy `.npz` of the networks' variables keyed by
their official names instead. To make one, on a machine with the official repository on the Python path: call
`dnnlib.tflib.init_tf()`, unpickle the file to get the `(G, D, Gs)` triple, and for each network you want, fetch
the values of all entries of its `vars` dictionary in one `dnnlib.tflib.run` call over the dictionary's values;
then write `numpy.savez` with the dictionary's keys as the array names (one file per network, e.g. Gs → `Gs.npz`,
D → `D.npz`, optionally the non-EMA G). The keys then look like `G_mapping/Dense0/weight`,
`G_synthesis/4x4/Const/const`, `G_synthesis/8x8/Conv0_up/mod_weight`, `G_synthesis/noise3`, `dlatent_avg`, `lod`
(generator) and `16x16/FromRGB/weight`, `8x8/Skip/weight`, `4x4/Dense0/weight`, `Output/bias` (discriminator).

Mapping (official scope → zoo layer; weights are stored raw in both and scaled at run time by the equalized-lr
constant He·lrmul, so values copy unchanged except where noted):

* `G_mapping/Dense{i}/{weight,bias}` → `mapping/dense{i}` kernel `[in, out]` / bias; `dlatent_avg` →
  `truncation/w_avg`; `lod` (always 0 in StyleGAN2) is ignored.
* `G_synthesis/4x4/Const/const` `[1, C, 4, 4]` (NCHW) → `b4_const/const` `[4, 4, C]`.
* `4x4/Conv`, `{r}x{r}/Conv0_up`, `{r}x{r}/Conv1` → `b4_conv`, `b{r}_conv0`, `b{r}_conv1`: `weight` `[k, k, in, out]`
  → `_mod/kernel`; `mod_weight` `[w_dim, in]` → `_mod/style_kernel`; `mod_bias` → `_mod/style_bias` **plus 1** (the
  official code adds the constant 1 after the bias, the zoo initialises the bias to 1); `noise_strength` →
  `_noise/noise_strength`; `bias` → `_act/bias`. `G_synthesis/noise{i}` `[1, 1, H, W]` → the stored inference
  noise `_noise/noise_const` `[H, W, 1]` of layer i (0 = 4×4, 2r−5 / 2r−4 = Conv0_up / Conv1 of log2-resolution r).
* `{r}x{r}/ToRGB/{weight,mod_weight,mod_bias,bias}` → `b{r}_torgb/modconv/…` (mod_bias + 1) and `b{r}_torgb/bias`.
* Discriminator: `{R}x{R}/FromRGB` → `b{R}_fromrgb`; `{r}x{r}/Conv0`, `Conv1_down`, `Skip` → `b{r}_conv0`, `b{r}_conv1`,
  `b{r}_skip`; `4x4/Conv` → `b4_conv`; `4x4/Dense0/weight` → `b4_fc/kernel` with its rows permuted from the
  official NCHW flattening (c, h, w) to the zoo's NHWC flattening (h, w, c); `Output` → `b4_out`.

The generator weights load into both the EMA generator (inference) and the training generator unless
`training_generator` (the official non-EMA G) is given. Known differences that remain: the zoo's minibatch-stddev
layer groups contiguous examples where the official one groups strided examples (discriminator outputs agree when
the batch is a single group, batch ≤ 4); the official networks run in float16 on GPUs.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport

__all__ = ["load_official_npz", "stylegan2_from_official"]

_ARCH_KEYS = ("latent_dim", "w_dim", "image_size", "channels", "mapping_layers", "fmap_base", "fmap_min", "fmap_max",
              "mbstd_num_features")


def load_official_npz(source) -> dict:
    """A `{official variable name: array}` dict from an `.npz` path or an existing mapping."""
    if source is None:
        return {}
    if isinstance(source, dict):
        return {str(k): np.asarray(v) for k, v in source.items()}
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"No such weights file: '{path}'. Expected an .npz of official StyleGAN2 variables "
                                "(see the module docstring for how to make one from the official pickle).")
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


# ------------------------------------------------------------------------------------------------ layouts
def _const(v):  # [1, C, 4, 4] → [4, 4, C]
    return np.transpose(v, (0, 2, 3, 1))[0]


def _noise(v):  # [1, 1, H, W] → [H, W, 1]
    return np.transpose(v, (0, 2, 3, 1))[0]


def _plus_one(v):
    return v + 1.0


def _dense0(channels):
    def convert(v):  # rows (c, h, w) → (h, w, c)
        out = v.shape[-1]
        if v.ndim != 2 or v.shape[0] != channels * 16:
            return v  # left to the shape check
        return v.reshape(channels, 4, 4, out).transpose(1, 2, 0, 3).reshape(channels * 16, out)

    return convert


# ------------------------------------------------------------------------------------------------ architecture
def _infer_architecture(g: dict, d: dict) -> tuple[dict, str]:
    if "G_mapping/Dense0/weight" not in g or "G_synthesis/4x4/Const/const" not in g:
        raise ConversionError(
            "Not an official StyleGAN2 generator: expected keys 'G_mapping/Dense0/weight' and "
            f"'G_synthesis/4x4/Const/const'. First keys: {sorted(g)[:6]}. Make the .npz from the Gs network's `vars` "
            "(see tfgan_zoo/models/stylegan2/stylegan2_convert.py)."
        )
    dense = sorted(int(m.group(1)) for k in g if (m := re.fullmatch(r"G_mapping/Dense(\d+)/weight", k)))
    if dense != list(range(len(dense))):
        raise ConversionError(f"Mapping layers are not numbered 0…n−1: found Dense{dense}.")
    res = sorted({int(m.group(1)) for k in g if (m := re.match(r"G_synthesis/(\d+)x\1/", k))})
    log2 = int(round(math.log2(res[-1])))
    if res != [2**r for r in range(2, log2 + 1)]:
        raise ConversionError(f"Synthesis resolutions {res} are not 4, 8, …, {res[-1]}.")
    nf = {1: int(g["G_synthesis/4x4/Const/const"].shape[1])}
    for r in range(3, log2 + 1):
        key = f"G_synthesis/{2**r}x{2**r}/Conv1/weight"
        if key in g:
            nf[r - 1] = int(g[key].shape[-1])
    if "4x4/Dense0/weight" in d:
        nf[0] = int(d["4x4/Dense0/weight"].shape[-1])
    fmap_max = max(nf.values())
    below = {s: v for s, v in nf.items() if v < fmap_max}
    fmap_base = (min(below.items())[1] * 2 ** min(below)) if below else fmap_max * 2 ** max(nf)
    fmap_min = 1
    if any(int(np.clip(int(fmap_base / 2.0**s), 1, fmap_max)) != v for s, v in nf.items()):
        fmap_min = min(nf.values())  # widths clipped from below
    torgb = g.get("G_synthesis/4x4/ToRGB/weight")
    arch = {
        "latent_dim": int(g["G_mapping/Dense0/weight"].shape[0]),
        "w_dim": int(g[f"G_mapping/Dense{dense[-1]}/weight"].shape[-1]),
        "mapping_layers": len(dense),
        "image_size": 2**log2,
        "channels": int(torgb.shape[-1]) if torgb is not None else 3,
        "fmap_base": int(fmap_base), "fmap_min": int(fmap_min), "fmap_max": int(fmap_max),
    }
    if "4x4/Conv/weight" in d:
        arch["mbstd_num_features"] = max(1, int(d["4x4/Conv/weight"].shape[2]) - nf[1])
    # the formula must reproduce every width read from the file
    for s, v in nf.items():
        if int(np.clip(int(fmap_base / 2.0**s), fmap_min, fmap_max)) != v:
            raise ConversionError(
                f"Cannot infer fmap_base/fmap_min/fmap_max from the widths {dict(sorted(nf.items()))} (stage → "
                "feature maps); pass them explicitly, e.g. stylegan2_from_official(..., fmap_base=32768, fmap_max=512)."
            )
    text = (f"StyleGAN2 config-f {arch['image_size']}×{arch['image_size']}×{arch['channels']}, z {arch['latent_dim']}, "
            f"w {arch['w_dim']}, {arch['mapping_layers']} mapping layers, widths {dict(sorted(nf.items()))}")
    return arch, text


# ------------------------------------------------------------------------------------------------ mapping
class _Mapper:
    def __init__(self, state: dict, report: ConversionReport, prefix: str):
        self.state = state
        self.report = report
        self.prefix = prefix  # tag for report entries ("G", "Gs", "D")
        self.used: set[str] = set()

    def assign(self, key, variable, convert=None):
        path = f"{self.prefix}:{variable.path}"
        if key not in self.state:
            self.report.missing.append(f"{path} ← {key} (expected shape {tuple(variable.shape)})")
            return
        self.used.add(key)
        value = np.asarray(self.state[key], np.float32)
        value = convert(value) if convert is not None else value
        if tuple(value.shape) != tuple(variable.shape):
            self.report.mismatched.append((f"{self.prefix}:{key}", tuple(np.shape(self.state[key])),
                                           f"{tuple(variable.shape)} for {variable.path}"))
            return
        variable.assign(value)
        self.report.mapped.append((f"{self.prefix}:{key}", path))

    def ignore(self, key, reason):
        if key in self.state:
            self.used.add(key)
            self.report.ignored.append((f"{self.prefix}:{key}", reason))

    def finish(self):
        self.report.unused += [f"{self.prefix}:{k}" for k in sorted(self.state) if k not in self.used]


def _map_generator(state, generator, num_ws, log2, report, prefix):
    m = _Mapper(state, report, prefix)
    mapping, trunc, synth = (generator.get_layer(n) for n in ("mapping", "truncation", "synthesis"))
    for layer in mapping.layers:
        if (mt := re.fullmatch(r"dense(\d+)", layer.name)):
            i = mt.group(1)
            m.assign(f"G_mapping/Dense{i}/weight", layer.kernel)
            m.assign(f"G_mapping/Dense{i}/bias", layer.bias)
    m.assign("dlatent_avg", trunc.w_avg)
    m.ignore("lod", "the progressive-growing level of G_main; always 0 for StyleGAN2")
    m.assign("G_synthesis/4x4/Const/const", synth.get_layer("b4_const").const, _const)

    def style_layer(scope, name, noise_index):
        mod = synth.get_layer(f"{name}_mod")
        m.assign(f"G_synthesis/{scope}/weight", mod.kernel)
        m.assign(f"G_synthesis/{scope}/mod_weight", mod.style_kernel)
        m.assign(f"G_synthesis/{scope}/mod_bias", mod.style_bias, _plus_one)
        noise = synth.get_layer(f"{name}_noise")
        m.assign(f"G_synthesis/{scope}/noise_strength", noise.strength)
        m.assign(f"G_synthesis/noise{noise_index}", noise.noise_const, _noise)
        m.assign(f"G_synthesis/{scope}/bias", synth.get_layer(f"{name}_act").bias)

    def torgb(r):
        layer = synth.get_layer(f"b{r}_torgb")
        scope = f"G_synthesis/{r}x{r}/ToRGB"
        m.assign(f"{scope}/weight", layer.conv.kernel)
        m.assign(f"{scope}/mod_weight", layer.conv.style_kernel)
        m.assign(f"{scope}/mod_bias", layer.conv.style_bias, _plus_one)
        m.assign(f"{scope}/bias", layer.bias)

    style_layer("4x4/Conv", "b4_conv", 0)
    torgb(4)
    for res in range(3, log2 + 1):
        r = 2**res
        style_layer(f"{r}x{r}/Conv0_up", f"b{r}_conv0", res * 2 - 5)
        style_layer(f"{r}x{r}/Conv1", f"b{r}_conv1", res * 2 - 4)
        torgb(r)
    m.finish()


def _map_discriminator(state, disc, log2, report):
    m = _Mapper(state, report, "D")

    def conv(scope, name, bias=True):
        layer = disc.get_layer(name)
        m.assign(f"{scope}/weight", layer.kernel)
        if bias:
            m.assign(f"{scope}/bias", layer.bias)

    top = 2**log2
    conv(f"{top}x{top}/FromRGB", f"b{top}_fromrgb")
    for res in range(log2, 2, -1):
        r = 2**res
        conv(f"{r}x{r}/Conv0", f"b{r}_conv0")
        conv(f"{r}x{r}/Conv1_down", f"b{r}_conv1")
        conv(f"{r}x{r}/Skip", f"b{r}_skip", bias=False)
    conv("4x4/Conv", "b4_conv")
    fc = disc.get_layer("b4_fc")
    m.assign("4x4/Dense0/weight", fc.kernel, _dense0(int(fc.kernel.shape[0]) // 16))
    m.assign("4x4/Dense0/bias", fc.bias)
    conv("Output", "b4_out")
    m.ignore("lod", "progressive-growing level; unused by D_stylegan2")
    m.finish()


def stylegan2_from_official(generator, discriminator=None, training_generator=None, strict: bool = True,
                            **model_kwargs):
    """Converts official StyleGAN2 weights (`.npz` of the networks' `vars`, see the module docstring).

    Args:
        generator: the Gs (EMA) network's variables: an `.npz` path or a `{name: array}` dict.
        discriminator: D's variables (optional; without it the discriminator keeps its initialisation).
        training_generator: the non-EMA G's variables (optional; default: the training generator gets Gs's).
        strict: raise `ConversionError` if official keys are missing, unused, or have the wrong shape.
        **model_kwargs: other `stylegan2` arguments (training settings, `mbstd_group_size`, or the fmap_* values
            where they cannot be read from the widths); architecture values that contradict the file are an error.

    Returns:
        A `StyleGAN2` model; `model.conversion_report` is a `ConversionReport` (`mapped`, `missing`, `unused`,
        `ignored`, `mismatched`).
    """
    import tfgan_zoo

    gs = load_official_npz(generator)
    d = load_official_npz(discriminator)
    g_train = load_official_npz(training_generator) if training_generator is not None else None
    source = ", ".join(str(s) if not isinstance(s, dict) else "<dict>"
                       for s in (generator, discriminator, training_generator) if s is not None)
    explicit = {k: model_kwargs[k] for k in ("fmap_base", "fmap_min", "fmap_max") if k in model_kwargs}
    try:
        arch, text = _infer_architecture(gs, d)
    except ConversionError:
        if len(explicit) < 3:
            raise
        arch, text = None, "StyleGAN2 (widths from the given fmap_* arguments)"
    report = ConversionReport(source, text)
    if arch is None:
        g0 = gs["G_mapping/Dense0/weight"]
        dense = [k for k in gs if re.fullmatch(r"G_mapping/Dense\d+/weight", k)]
        top = max(int(m.group(1)) for k in gs if (m := re.match(r"G_synthesis/(\d+)x\1/", k)))
        arch = {"latent_dim": int(g0.shape[0]), "w_dim": int(gs[f"G_mapping/Dense{len(dense) - 1}/weight"].shape[-1]),
                "mapping_layers": len(dense), "image_size": top,
                "channels": int(gs["G_synthesis/4x4/ToRGB/weight"].shape[-1]), **explicit}
    clash = {k: (model_kwargs[k], arch[k]) for k in _ARCH_KEYS if k in model_kwargs and k in arch
             and k not in explicit and model_kwargs[k] != arch[k]}
    if clash:
        raise ConversionError(
            "Arguments contradict the weights (given, read from the file): "
            + ", ".join(f"{k}={a!r} vs {b!r}" for k, (a, b) in clash.items()) + ". Drop them.", report)
    model = tfgan_zoo.build_model("stylegan2", **{**arch, **model_kwargs})
    log2 = int(round(math.log2(model.image_size)))
    _map_generator(gs, model.generator_ema, model.num_ws, log2, report, "Gs")
    if g_train is not None:
        _map_generator(g_train, model.generator, model.num_ws, log2, report, "G")
    else:
        for target, src in zip(model.generator.weights, model.generator_ema.weights):
            target.assign(src)
    if d:
        _map_discriminator(d, model.discriminator, log2, report)
    report.mapped.sort()
    if strict and not report.ok:
        raise ConversionError(
            "The official weights do not map cleanly onto the zoo's stylegan2 (pass strict=False to load what "
            "matches anyway):\n" + str(report), report)
    model.conversion_report = report
    return model
