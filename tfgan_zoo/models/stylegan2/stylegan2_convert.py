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


# ================================================================================================ PyTorch ports
# rosinality/stylegan2-pytorch (`.pt` of {"g_ema", "latent_avg", optionally "g", "d"}) and NVlabs/stylegan2-ada-pytorch
# (the G_ema / D state dicts) are translated key by key into the official TF layout above (the exact inverse of the
# ports' own TF→PyTorch converters), then mapped by the same core; the report names the PyTorch keys.
#: the resampling filter every official StyleGAN2 uses (and the only one the zoo's layers implement)
RESAMPLE_TAPS = (1.0, 3.0, 3.0, 1.0)


def _fir(gain=1.0):
    k = np.outer(RESAMPLE_TAPS, RESAMPLE_TAPS)
    return (k / k.sum() * gain).astype(np.float32)


def _torch_conv(v):  # [out, in, kh, kw] → [kh, kw, in, out]
    return np.transpose(v, (2, 3, 1, 0))


def _torch_modconv(v):  # rosinality's [1, out, in, kh, kw] → [kh, kw, in, out]
    return np.transpose(v[0], (2, 3, 1, 0)) if v.ndim == 5 and v.shape[0] == 1 else v


def _flipped(convert):
    # The ports run the ×2 up-convolution as conv_transpose2d with the stored kernel; the TF layout (and the zoo)
    # correlates the zero-inserted input with the kernel, which is the same with the kernel flipped in space.
    return lambda v: convert(v)[::-1, ::-1] if np.ndim(v) >= 4 else v


def _minus_one(v):  # the ports store the modulation bias with its +1 (bias_init=1); the TF layout without it
    return v - 1.0


def _transposed(v):  # Linear [out, in] → [in, out]
    return v.T if v.ndim == 2 else v


class _PortTranslation:
    """Translates one PyTorch network's state dict into official TF names, remembering each key's origin."""

    def __init__(self, state: dict, network: str):
        self.state = state
        self.network = network
        self.out: dict[str, np.ndarray] = {}
        self.origin: dict[str, str] = {}
        self.used: set[str] = set()
        self.ignored: list[tuple[str, str]] = []
        self.mismatched: list[tuple[str, tuple, str]] = []

    def put(self, torch_key, tf_key, convert=None):
        self.origin[tf_key] = f"{self.network}:{torch_key}"
        if torch_key not in self.state:
            return
        self.used.add(torch_key)
        value = np.asarray(self.state[torch_key], np.float32)
        self.out[tf_key] = convert(value) if convert is not None else value

    def filter(self, torch_key, gain):
        """A stored resampling filter: checked against the official [1, 3, 3, 1] one (a different filter is an
        error: the zoo's layers implement that one only), then reported as ignored."""
        if torch_key not in self.state:
            return
        self.used.add(torch_key)
        value = np.asarray(self.state[torch_key], np.float32)
        expected = _fir(gain)
        if value.shape != expected.shape or not np.allclose(value, expected, rtol=1e-6, atol=1e-7):
            self.mismatched.append((f"{self.network}:{torch_key}", tuple(value.shape),
                                    f"the [1, 3, 3, 1] filter (gain {gain:g}) the zoo's resampling implements"))
            return
        self.ignored.append((f"{self.network}:{torch_key}", f"the resampling filter [1, 3, 3, 1] (gain {gain:g}), "
                                                           "built into the zoo's layers"))

    def unused(self):
        return [f"{self.network}:{k}" for k in sorted(self.state) if k not in self.used]


def _log2_of(state, pattern, what, source):
    found = sorted({int(m.group(1)) for k in state if (m := re.fullmatch(pattern, k))})
    if not found:
        raise ConversionError(f"{source}: no {what} keys; not the expected StyleGAN2 layout. First keys: "
                              f"{list(state)[:6]}.")
    return found


def _rosinality_generator(state, source, latent_avg=None) -> _PortTranslation:
    t = _PortTranslation(state, "g_ema")
    if "input.input" not in state or "conv1.conv.weight" not in state:
        raise ConversionError(f"{source} is not a rosinality/stylegan2-pytorch Generator state dict (no 'input.input' "
                              f"/ 'conv1.conv.weight'). First keys: {list(state)[:6]}.")
    mlp = _log2_of(state, r"style\.(\d+)\.weight", "mapping (style.N.weight)", source)
    if mlp != list(range(1, len(mlp) + 1)):
        raise ConversionError(f"{source}: mapping layers style.{mlp}; expected style.1 … style.{len(mlp)}.")
    for i in mlp:
        t.put(f"style.{i}.weight", f"G_mapping/Dense{i - 1}/weight", _transposed)
        t.put(f"style.{i}.bias", f"G_mapping/Dense{i - 1}/bias")
    convs = _log2_of(state, r"convs\.(\d+)\.conv\.weight", "convs.N.conv.weight", source) if any(
        k.startswith("convs.") for k in state) else []
    log2 = len(convs) // 2 + 2
    t.put("input.input", "G_synthesis/4x4/Const/const")

    def styled(prefix, scope, flip=False):
        t.put(f"{prefix}.conv.weight", f"{scope}/weight", _flipped(_torch_modconv) if flip else _torch_modconv)
        t.put(f"{prefix}.conv.modulation.weight", f"{scope}/mod_weight", _transposed)
        t.put(f"{prefix}.conv.modulation.bias", f"{scope}/mod_bias", _minus_one)
        t.put(f"{prefix}.noise.weight", f"{scope}/noise_strength", lambda v: v.reshape(()) if v.size == 1 else v)
        t.put(f"{prefix}.activate.bias", f"{scope}/bias")
        if flip:
            t.filter(f"{prefix}.conv.blur.kernel", 4.0)

    def torgb(prefix, scope, upsample):
        t.put(f"{prefix}.conv.weight", f"{scope}/weight", _torch_modconv)
        t.put(f"{prefix}.conv.modulation.weight", f"{scope}/mod_weight", _transposed)
        t.put(f"{prefix}.conv.modulation.bias", f"{scope}/mod_bias", _minus_one)
        t.put(f"{prefix}.bias", f"{scope}/bias", lambda v: v.reshape(-1))
        if upsample:
            t.filter(f"{prefix}.upsample.kernel", 4.0)

    styled("conv1", "G_synthesis/4x4/Conv")
    torgb("to_rgb1", "G_synthesis/4x4/ToRGB", False)
    for res in range(3, log2 + 1):
        r, j = 2**res, res - 3
        styled(f"convs.{2 * j}", f"G_synthesis/{r}x{r}/Conv0_up", flip=True)
        styled(f"convs.{2 * j + 1}", f"G_synthesis/{r}x{r}/Conv1")
        torgb(f"to_rgbs.{j}", f"G_synthesis/{r}x{r}/ToRGB", True)
    for i in range(2 * log2 - 3):
        t.put(f"noises.noise_{i}", f"G_synthesis/noise{i}")
    if latent_avg is not None:
        t.state = {**state, "latent_avg": latent_avg}
        t.put("latent_avg", "dlatent_avg", lambda v: v.reshape(-1))
    return t


def _rosinality_discriminator(state, log2, source) -> _PortTranslation:
    t = _PortTranslation(state, "d")
    if "final_linear.0.weight" not in state or "convs.0.0.weight" not in state:
        raise ConversionError(f"{source} is not a rosinality/stylegan2-pytorch Discriminator state dict (no "
                              f"'convs.0.0.weight' / 'final_linear.0.weight'). First keys: {list(state)[:6]}.")
    top = 2**log2
    t.put("convs.0.0.weight", f"{top}x{top}/FromRGB/weight", _torch_conv)
    t.put("convs.0.1.bias", f"{top}x{top}/FromRGB/bias")
    for i, res in enumerate(range(log2, 2, -1), start=1):
        r = 2**res
        t.put(f"convs.{i}.conv1.0.weight", f"{r}x{r}/Conv0/weight", _torch_conv)
        t.put(f"convs.{i}.conv1.1.bias", f"{r}x{r}/Conv0/bias")
        t.filter(f"convs.{i}.conv2.0.kernel", 1.0)
        t.put(f"convs.{i}.conv2.1.weight", f"{r}x{r}/Conv1_down/weight", _torch_conv)
        t.put(f"convs.{i}.conv2.2.bias", f"{r}x{r}/Conv1_down/bias")
        t.filter(f"convs.{i}.skip.0.kernel", 1.0)
        t.put(f"convs.{i}.skip.1.weight", f"{r}x{r}/Skip/weight", _torch_conv)
    t.put("final_conv.0.weight", "4x4/Conv/weight", _torch_conv)
    t.put("final_conv.1.bias", "4x4/Conv/bias")
    t.put("final_linear.0.weight", "4x4/Dense0/weight", _transposed)
    t.put("final_linear.0.bias", "4x4/Dense0/bias")
    t.put("final_linear.1.weight", "Output/weight", _transposed)
    t.put("final_linear.1.bias", "Output/bias")
    return t


def _ada_generator(state, source, network="G_ema") -> _PortTranslation:
    t = _PortTranslation(state, network)
    if "synthesis.b4.const" not in state or "mapping.fc0.weight" not in state:
        raise ConversionError(f"{source} is not an NVlabs/stylegan2-ada-pytorch generator state dict (no "
                              f"'mapping.fc0.weight' / 'synthesis.b4.const'). First keys: {list(state)[:6]}.")
    if any(k.startswith("mapping.embed.") for k in state):
        raise ConversionError(f"{source} is a class-conditional generator (mapping.embed.*); the zoo's stylegan2 is "
                              "unconditional, so it cannot take these weights.")
    fcs = _log2_of(state, r"mapping\.fc(\d+)\.weight", "mapping.fcN.weight", source)
    for i in fcs:
        t.put(f"mapping.fc{i}.weight", f"G_mapping/Dense{i}/weight", _transposed)
        t.put(f"mapping.fc{i}.bias", f"G_mapping/Dense{i}/bias")
    t.put("mapping.w_avg", "dlatent_avg")
    res = _log2_of(state, r"synthesis\.b(\d+)\.torgb\.weight", "synthesis.bR.torgb.weight", source)
    log2 = int(round(math.log2(res[-1])))
    t.put("synthesis.b4.const", "G_synthesis/4x4/Const/const", lambda v: v[None] if v.ndim == 3 else v)

    def layer(prefix, scope, noise_index, flip=False):
        t.put(f"{prefix}.weight", f"{scope}/weight", _flipped(_torch_conv) if flip else _torch_conv)
        t.put(f"{prefix}.affine.weight", f"{scope}/mod_weight", _transposed)
        t.put(f"{prefix}.affine.bias", f"{scope}/mod_bias", _minus_one)
        t.put(f"{prefix}.noise_strength", f"{scope}/noise_strength")
        t.put(f"{prefix}.noise_const", f"G_synthesis/noise{noise_index}", lambda v: v[None, None] if v.ndim == 2 else v)
        t.put(f"{prefix}.bias", f"{scope}/bias")
        t.filter(f"{prefix}.resample_filter", 1.0)

    def torgb(prefix, scope):
        t.put(f"{prefix}.weight", f"{scope}/weight", _torch_conv)
        t.put(f"{prefix}.affine.weight", f"{scope}/mod_weight", _transposed)
        t.put(f"{prefix}.affine.bias", f"{scope}/mod_bias", _minus_one)
        t.put(f"{prefix}.bias", f"{scope}/bias")

    layer("synthesis.b4.conv1", "G_synthesis/4x4/Conv", 0)
    torgb("synthesis.b4.torgb", "G_synthesis/4x4/ToRGB")
    t.filter("synthesis.b4.resample_filter", 1.0)
    for res_ in range(3, log2 + 1):
        r = 2**res_
        layer(f"synthesis.b{r}.conv0", f"G_synthesis/{r}x{r}/Conv0_up", 2 * res_ - 5, flip=True)
        layer(f"synthesis.b{r}.conv1", f"G_synthesis/{r}x{r}/Conv1", 2 * res_ - 4)
        torgb(f"synthesis.b{r}.torgb", f"G_synthesis/{r}x{r}/ToRGB")
        t.filter(f"synthesis.b{r}.resample_filter", 1.0)
    return t


def _ada_discriminator(state, log2, source) -> _PortTranslation:
    t = _PortTranslation(state, "D")
    if "b4.out.weight" not in state:
        raise ConversionError(f"{source} is not an NVlabs/stylegan2-ada-pytorch discriminator state dict (no "
                              f"'b4.out.weight'). First keys: {list(state)[:6]}.")
    if any(k.startswith("mapping.") for k in state):
        raise ConversionError(f"{source} is a class-conditional discriminator (mapping.*); the zoo's stylegan2 is "
                              "unconditional.")
    top = 2**log2

    def conv(prefix, scope, bias=True):
        t.put(f"{prefix}.weight", f"{scope}/weight", _torch_conv)
        if bias:
            t.put(f"{prefix}.bias", f"{scope}/bias")
        t.filter(f"{prefix}.resample_filter", 1.0)

    conv(f"b{top}.fromrgb", f"{top}x{top}/FromRGB")
    for res in range(log2, 2, -1):
        r = 2**res
        conv(f"b{r}.conv0", f"{r}x{r}/Conv0")
        conv(f"b{r}.conv1", f"{r}x{r}/Conv1_down")
        conv(f"b{r}.skip", f"{r}x{r}/Skip", bias=False)
        t.filter(f"b{r}.resample_filter", 1.0)
    conv("b4.conv", "4x4/Conv")
    t.put("b4.fc.weight", "4x4/Dense0/weight", _transposed)
    t.put("b4.fc.bias", "4x4/Dense0/bias")
    t.put("b4.out.weight", "Output/weight", _transposed)
    t.put("b4.out.bias", "Output/bias")
    return t


def _rewrite_report(report: ConversionReport, translations: dict, tf_prefix: dict) -> ConversionReport:
    """Names PyTorch keys in a report the core wrote in TF names (`Gs:G_synthesis/…` → `g_ema:convs.0.…`)."""
    def torch_name(entry):
        prefix, _, key = entry.partition(":")
        t = translations.get(tf_prefix.get(prefix))
        return t.origin.get(key, entry) if t is not None else entry

    out = ConversionReport(report.source, report.architecture)
    out.mapped = sorted((torch_name(k), p) for k, p in report.mapped)
    out.missing = []
    for m in report.missing:
        path, _, rest = m.partition(" ← ")
        key, _, shape = rest.partition(" (")
        prefix = path.partition(":")[0]
        out.missing.append(f"{path} ← {torch_name(f'{prefix}:{key}')} ({shape}" if rest else m)
    out.mismatched = [(torch_name(k), a, b) for k, a, b in report.mismatched]
    out.ignored = [(torch_name(k), r) for k, r in report.ignored]
    out.unused = [torch_name(k) for k in report.unused]
    for t in translations.values():
        out.unused += t.unused()
        out.ignored += t.ignored
        out.mismatched += t.mismatched
    return out


def _from_port(g: _PortTranslation, d: _PortTranslation | None, source: str, origin: str, strict: bool,
               model_kwargs: dict):
    model = stylegan2_from_official(g.out, discriminator=d.out if d is not None else None, strict=False,
                                    **model_kwargs)
    translations = {"Gs": g, **({"D": d} if d is not None else {})}
    report = _rewrite_report(model.conversion_report, translations, {"Gs": "Gs", "D": "D"})
    report.source = source
    report.architecture = f"{origin}: {report.architecture}"
    report.mapped.sort()
    if strict and not report.ok:
        raise ConversionError(f"The {origin} weights do not map cleanly onto the zoo's stylegan2 (pass strict=False "
                              "to load what matches anyway):\n" + str(report), report)
    model.conversion_report = report
    return model


def _network_log2(g: _PortTranslation) -> int:
    return int(round(math.log2(max(int(m.group(1)) for k in g.out
                                   if (m := re.match(r"G_synthesis/(\d+)x\1/", k))))))


def stylegan2_from_rosinality(checkpoint, discriminator=None, strict: bool = True, **model_kwargs):
    """Converts a rosinality/stylegan2-pytorch checkpoint into the zoo's `stylegan2`.

    Args:
        checkpoint: the `.pt` file (`{"g_ema": …, "latent_avg": …}` as its `convert_weight.py` writes, or a training
            checkpoint with `"g"`, `"d"`, optimizer states and `"args"`), read without torch and without running
            code; or a bare `g_ema` state dict file.
        discriminator: a separate Discriminator state dict file (optional; `"d"` inside the checkpoint is used
            otherwise).
        strict: raise `ConversionError` on unused keys, missing weights or shape mismatches (naming the keys).
        **model_kwargs: other `stylegan2` arguments (e.g. `mbstd_group_size`); the architecture comes from the keys.

    Returns:
        A `StyleGAN2` whose EMA (inference) and training generators hold `g_ema`; `conversion_report` names the
        PyTorch keys. Without `latent_avg` in the file, `truncation/w_avg` is reported missing (strict error).
    """
    from tfgan_zoo.utils.torch_checkpoint import load_torch_checkpoint

    ckpt = load_torch_checkpoint(checkpoint)
    if not isinstance(ckpt, dict):
        raise ConversionError(f"{checkpoint} holds a {type(ckpt).__name__}, not a rosinality checkpoint dict.")
    if "g_ema" in ckpt:
        g_state, latent_avg, d_state = ckpt["g_ema"], ckpt.get("latent_avg"), ckpt.get("d")
        extra = sorted(set(ckpt) - {"g_ema", "g", "d", "latent_avg", "g_optim", "d_optim", "args", "ada_aug_p"})
        if extra:
            raise ConversionError(f"{checkpoint}: unexpected entries {extra} beside g_ema (expected g_ema, "
                                  "latent_avg and optionally g, d, g_optim, d_optim, args, ada_aug_p).")
    elif "input.input" in ckpt:
        g_state, latent_avg, d_state = ckpt, ckpt.get("latent_avg"), None
        g_state = {k: v for k, v in g_state.items() if k != "latent_avg"}
    else:
        raise ConversionError(f"{checkpoint} is not a rosinality/stylegan2-pytorch checkpoint: no 'g_ema' entry and "
                              f"no Generator keys. Entries: {sorted(ckpt)[:8]}.")
    if discriminator is not None:
        from tfgan_zoo.utils.torch_checkpoint import load_torch_state_dict

        d_state = load_torch_state_dict(discriminator)
    g = _rosinality_generator(dict(g_state), f"{checkpoint} (g_ema)", latent_avg)
    d = _rosinality_discriminator(dict(d_state), _network_log2(g), f"{discriminator or checkpoint} (d)") \
        if d_state is not None else None
    return _from_port(g, d, str(checkpoint), "rosinality/stylegan2-pytorch", strict, model_kwargs)


def stylegan2_from_ada_pytorch(checkpoint, discriminator=None, strict: bool = True, **model_kwargs):
    """Converts NVlabs/stylegan2-ada-pytorch state dicts into the zoo's `stylegan2`.

    Args:
        checkpoint: `torch.save(G_ema.state_dict(), path)` (the pickle's `G_ema` loaded with the official
            `legacy.load_network_pkl` and saved as a state dict), or one file `{"G_ema": …, "D": …}`.
        discriminator: `torch.save(D.state_dict(), path)` (optional).
        strict, **model_kwargs: as `stylegan2_from_rosinality`.

    The official run-time details the state dicts do not carry: `conv_clamp` (256 in the official training configs;
    activations are clamped to ±256·√2 — far outside what trained networks produce, and not applied by the zoo) and
    the float16 layers on GPUs; the zoo runs float32. Class-conditional networks (`mapping.embed`) are refused.
    """
    from tfgan_zoo.utils.torch_checkpoint import load_torch_checkpoint, load_torch_state_dict

    ckpt = load_torch_checkpoint(checkpoint)
    if isinstance(ckpt, dict) and ("G_ema" in ckpt or "G" in ckpt) and not any(
            isinstance(v, np.ndarray) for v in ckpt.values()):
        g_state, d_state = ckpt.get("G_ema", ckpt.get("G")), ckpt.get("D")
    else:
        g_state, d_state = ckpt, None
    if not isinstance(g_state, dict):
        raise ConversionError(f"{checkpoint} does not hold a generator state dict.")
    if discriminator is not None:
        d_state = load_torch_state_dict(discriminator)
    g = _ada_generator(dict(g_state), f"{checkpoint} (G_ema)")
    d = _ada_discriminator(dict(d_state), _network_log2(g), f"{discriminator or checkpoint} (D)") \
        if d_state is not None else None
    return _from_port(g, d, str(checkpoint), "NVlabs/stylegan2-ada-pytorch", strict, model_kwargs)
