"""StyleGAN (v1) generators and discriminators of rosinality/style-based-gan-pytorch → the zoo's `stylegan`.

    model = stylegan_from_rosinality("checkpoint/train_step-7.model", image_size=256)
    print(model.conversion_report)
    model.generate(4, seed=0, truncation_psi=0.7)

The file is read without torch and without running pickled code: a training checkpoint (`{"generator", "g_running",
"discriminator", "g_optimizer", "d_optimizer"}`; `g_running`, the moving average, is converted, and its
`discriminator` (or `d`)) or a bare `StyledGenerator` state dict (with, optionally, `discriminator=` a file holding a
`Discriminator` state dict or a training checkpoint). Generator layout (its final `model.py`): `style.{1,3,…}.linear`
EqualLinear mapping layers (plain LeakyReLU(0.2) after each), `generator.progression.{i}` StyledConvBlocks
(`conv1.input` the constant of block 0; `conv1.1.conv` after nearest upsampling, or `conv1.0` FusedUpsample at 128²
and above; `conv1.{1,2}.weight` the [1, 2, 1] blur buffers; `noise{1,2}`, `adain{1,2}.style.linear`, `conv2.conv`),
`generator.to_rgb.{i}.conv`.

Mapping onto the zoo's layers (which follow the official TF StyleGAN):

* equalized lr: rosinality scales every stored weight by √(2 / fan_in); the zoo by gain / √fan_in · lr_multiplier —
  so mapping weights and biases are divided by the zoo's mapping lr multiplier (0.01), AdaIN style and toRGB weights
  (zoo gain 1) multiplied by √2; the noise strengths are `weight_orig · √(2 / C)` (its equal_lr hook's fan-in).
* AdaIN: rosinality's style bias starts at 1 (γ = style); the zoo adds 1 (γ = style + 1): γ's bias half minus 1.
* FusedUpsample (conv_transpose2d with the 4×4 average of the shifted 3×3 kernel) equals nearest upsampling, a 3×3
  correlation with the spatially flipped kernel divided by 4, as the zoo computes it.
* the constant block has no bias in rosinality (the zoo's `b4_const_act` bias is 0, reported as filled); the
  upsampling convolutions add their bias before the blur (zero-padded, so it differs at the borders from the
  official bias after the blur): the model is built with `conv_bias_before_blur=True`.
* noise: rosinality draws one noise image per block, shared by its two layers, on every call (nothing is stored);
  the zoo's inference noise (`noise_const`) is filled with one seeded N(0, 1) image per block, the same for both
  layers, so `randomize_noise=False`-style outputs equal rosinality's with those images passed as `noise`.
* w average: not stored (rosinality's `mean_style` averages the mapping over random z at sampling time); filled with
  the mean of the converted mapping over 10,000 seeded z.
* the instance norm ε is 1e-5 (InstanceNorm2d) where the official StyleGAN uses 1e-8: `adain_epsilon=1e-5`.

The discriminator (`Discriminator(fused=True, from_rgb_activate=False)`: `progression.{j}` ConvBlocks, `from_rgb.{j}`,
`linear`) widens its channels in the FIRST convolution of a block (C(r) → C(r/2), blur, then a downsampling
C(r/2) → C(r/2)) where the official and default zoo ones widen in the second, so a converted model is built with
`d_block_layout="rosinality"` (see `stylegan_networks.build_discriminator`); its fromRGB has no activation unless the
keys show `from_rgb.{j}.0.conv` (`from_rgb_activate=True`): `d_fromrgb_activation="linear"` / 'lrelu'.

* block `j` (input 4·2^(n−1−j)): `conv1.0.conv` → `b{r}_conv0` (3×3 + LeakyReLU); `conv2.0` the [1, 2, 1] blur
  buffers (checked, ignored); `conv2.1` FusedDownsample (`weight`/`bias`, √(2 / fan_in) applied in its forward, at
  inputs ≥ 128²) or EqualConv2d + AvgPool2d (`conv.weight_orig`/`bias`, below) → `b{r}_conv1` (3×3 conv, 2×2 average:
  exactly the fused stride-2 conv with the averaged 4×4 kernel) and `b{r}_conv1_act/bias`;
* the last block (4×4, after the minibatch-stddev channel): `conv1.0.conv` → `b4_conv`, the 4×4 valid `conv2.0.conv`
  → `b4_dense0` (a dense layer over the flattened 4×4 map, rows in (h, w, c) order), `linear.linear` (EqualLinear:
  gain √2 where the zoo's last layer has gain 1, so ×√2) → `b4_dense1`;
* `from_rgb.{j}` → `fromrgb_lod{…}` for every resolution up to `image_size` (the lower ones are the fade-in path);
* rosinality's minibatch stddev is taken over the whole batch, the zoo's over groups of `mbstd_group_size` (4): the
  two agree for batches of at most `mbstd_group_size` examples (pass a larger `mbstd_group_size` to match larger
  batches);
* its `alpha` fade-in equals the zoo's `lod` = 1 − alpha (`model.set_lod`).

Where the layout does not allow: rosinality's checkpoints hold all nine blocks (up to 1024²) whatever resolution they
were trained to, so `image_size` (4·2^step of the checkpoint's step) is required and the blocks above it (of G and
D) are reported as ignored.
"""

from __future__ import annotations

import math
import re

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport

__all__ = ["stylegan_from_rosinality"]

SQRT2 = math.sqrt(2.0)
NOT_CONVERTED_D = "not in the checkpoint (pass discriminator= a Discriminator state dict or training checkpoint)"
D_PREFIX = "discriminator."


def _generator_state(ckpt, source):
    if not isinstance(ckpt, dict):
        raise ConversionError(f"{source} holds a {type(ckpt).__name__}, not a checkpoint dict.")
    for key in ("g_running", "generator"):
        if isinstance(ckpt.get(key), dict):
            return ckpt[key], key
    if any(k.startswith("generator.progression.") for k in ckpt):
        return ckpt, "a StyledGenerator state dict"
    raise ConversionError(f"{source} is not a rosinality/style-based-gan-pytorch checkpoint: no 'g_running' / "
                          f"'generator' entry and no generator.progression.* keys. Entries: {sorted(ckpt)[:8]}.")


def _discriminator_state(ckpt, source):
    """The `Discriminator` state dict in `ckpt` (a training checkpoint's `discriminator` / `d`, or a bare one), or
    None when `ckpt` is a training checkpoint without one."""
    if not isinstance(ckpt, dict):
        raise ConversionError(f"{source} holds a {type(ckpt).__name__}, not a checkpoint dict.")
    for key in ("discriminator", "d"):
        if isinstance(ckpt.get(key), dict):
            return ckpt[key], f"'{key}'"
    if "linear.linear.weight_orig" in ckpt and any(k.startswith("progression.") for k in ckpt):
        return ckpt, "a Discriminator state dict"
    return None, ""


def _discriminator_layout(dstate, source):
    """(number of blocks, fromRGB activation, which blocks use FusedDownsample) read from the D keys."""
    blocks = sorted({int(mt.group(1)) for k in dstate if (mt := re.match(r"progression\.(\d+)\.", k))})
    rgbs = sorted({int(mt.group(1)) for k in dstate if (mt := re.match(r"from_rgb\.(\d+)\.", k))})
    if not blocks or blocks != list(range(len(blocks))) or rgbs != blocks:
        raise ConversionError(f"{source}: not a rosinality/style-based-gan-pytorch Discriminator: progression blocks "
                              f"{blocks}, from_rgb {rgbs} (expected 0 … n−1 for both).")
    activated = {f"from_rgb.{j}.0.conv.weight_orig" in dstate for j in rgbs}
    if len(activated) != 1:
        raise ConversionError(f"{source}: some from_rgb.{{j}} have a LeakyReLU (from_rgb.{{j}}.0.conv) and some do "
                              "not (from_rgb.{j}.conv); rosinality builds them all alike (from_rgb_activate).")
    fused = {j for j in blocks if f"progression.{j}.conv2.1.weight" in dstate}
    return len(blocks), ("lrelu" if activated.pop() else "linear"), fused


def _convert_discriminator(m: "_Mapper", disc, step, n_blocks, from_rgb_activated):
    """Maps the `D_PREFIX`-prefixed Discriminator keys in `m.state` onto `disc` (a d_block_layout='rosinality' D)."""
    p = D_PREFIX
    log2 = step + 2

    def conv(key, layer, transform=lambda v: np.transpose(v, (2, 3, 1, 0))):
        m.put(key, layer.kernel, f"discriminator/{layer.name}/kernel", transform)

    def bias(key, layer):
        m.put(key, layer.bias, f"discriminator/{layer.name}/bias")

    for i in range(step, -1, -1):  # rosinality's loop: i = the level (resolution 4·2^i), block n − 1 − i
        j, r = n_blocks - i - 1, 4 * 2**i
        rgb = f"{p}from_rgb.{j}.0.conv" if from_rgb_activated else f"{p}from_rgb.{j}.conv"
        layer = disc.get_layer(f"fromrgb_lod{log2 - (i + 2)}")
        conv(f"{rgb}.weight_orig", layer)
        bias(f"{rgb}.bias", layer)
        b = f"{p}progression.{j}"
        if i > 0:
            conv(f"{b}.conv1.0.conv.weight_orig", disc.get_layer(f"b{r}_conv0"))
            bias(f"{b}.conv1.0.conv.bias", disc.get_layer(f"b{r}_conv0"))
            m.blur(f"{b}.conv2.0")
            fused = f"{b}.conv2.1.weight" in m.state  # FusedDownsample; else EqualConv2d + AvgPool2d
            kernel = f"{b}.conv2.1.weight" if fused else f"{b}.conv2.1.conv.weight_orig"
            conv(kernel, disc.get_layer(f"b{r}_conv1"))
            bias(f"{b}.conv2.1.bias" if fused else f"{b}.conv2.1.conv.bias", disc.get_layer(f"b{r}_conv1_act"))
        else:  # after the minibatch stddev: 3×3 conv, 4×4 valid conv (= dense over the map), EqualLinear
            conv(f"{b}.conv1.0.conv.weight_orig", disc.get_layer("b4_conv"))
            bias(f"{b}.conv1.0.conv.bias", disc.get_layer("b4_conv"))
            dense = disc.get_layer("b4_dense0")
            conv(f"{b}.conv2.0.conv.weight_orig", dense,
                 lambda v: np.transpose(v, (2, 3, 1, 0)).reshape(-1, v.shape[0]) if v.ndim == 4 else v)
            bias(f"{b}.conv2.0.conv.bias", dense)
    last = disc.get_layer("b4_dense1")
    conv(f"{p}linear.linear.weight_orig", last, lambda v: v.T * SQRT2)
    bias(f"{p}linear.linear.bias", last)
    for k in m.state:
        mt = re.match(rf"{re.escape(p)}(progression|from_rgb)\.(\d+)\.", k)
        if mt and k not in m.used and int(mt.group(2)) < n_blocks - step - 1:
            m.used.add(k)
            m.report.ignored.append((k, f"a discriminator block above {4 * 2**step}² (the checkpoint's untrained "
                                        "higher resolutions)"))


def _fit_fmaps(widths: dict, source):
    """fmap_base, fmap_max with nf(stage) = clip(fmap_base / 2^stage, 1, fmap_max) equal to every width."""
    fmap_max = max(widths.values())
    below = {s: w for s, w in widths.items() if w < fmap_max}
    fmap_base = min(below.items())[1] * 2 ** min(below) if below else fmap_max * 2 ** max(widths)
    if any(int(np.clip(int(fmap_base / 2.0**s), 1, fmap_max)) != w for s, w in widths.items()):
        raise ConversionError(f"{source}: the widths {dict(sorted(widths.items()))} (stage → channels) do not follow "
                              "the zoo's nf(stage) = clip(fmap_base / 2^stage, 1, fmap_max).")
    return fmap_base, fmap_max


class _Mapper:
    def __init__(self, state, network, report):
        self.state, self.network, self.report = state, network, report
        self.used: set[str] = set()

    def take(self, key, path):
        if key not in self.state:
            self.report.missing.append(f"{path} ← {key}")
            return None
        self.used.add(key)
        return np.asarray(self.state[key], np.float64)

    def assign(self, variable, value, key, path):
        if value is None:
            return
        if tuple(value.shape) != tuple(variable.shape):
            self.report.mismatched.append((key, tuple(value.shape), f"{tuple(variable.shape)} for {path}"))
            return
        variable.assign(value.astype(np.float32))
        self.report.mapped.append((key, path))

    def put(self, key, variable, path, convert=lambda v: v):
        value = self.take(key, path)
        if value is not None:
            value = convert(value)
        self.assign(variable, value, key, path)

    def blur(self, key):
        """A [1, 2, 1] blur buffer (`weight` and `weight_flip` [C, 1, 3, 3]): checked, then reported as ignored."""
        k = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16.0
        for name in ("weight", "weight_flip"):
            full = f"{key}.{name}"
            if full not in self.state:
                continue
            self.used.add(full)
            v = np.asarray(self.state[full], np.float64)
            if v.ndim != 4 or v.shape[1:] != (1, 3, 3) or not np.allclose(v, k[None, None], atol=1e-7):
                self.report.mismatched.append((full, tuple(v.shape), "the [1, 2, 1] blur the zoo's Blur layer applies"))
            else:
                self.report.ignored.append((full, "the [1, 2, 1] blur filter, built into the zoo's Blur layer"))


def stylegan_from_rosinality(checkpoint, image_size: int | None = None, strict: bool = True, noise_seed: int = 0,
                             discriminator=None, **model_kwargs):
    """Converts a rosinality/style-based-gan-pytorch generator into the zoo's `stylegan` (see the module docstring).

    Args:
        checkpoint: `train_step-N.model` (its `g_running` is converted) or a `StyledGenerator` state dict file.
        image_size: the resolution the checkpoint was trained to (4·2^step); required.
        strict: raise `ConversionError` on unused keys, missing weights or shape mismatches.
        noise_seed: seed of the stored inference noise images (rosinality stores none).
        discriminator: a file with the `Discriminator` state dict (bare, or a training checkpoint's
            `discriminator`); by default the checkpoint's own `discriminator` / `d` entry, if it has one.
        **model_kwargs: other `stylegan` arguments; `fixed_lod` defaults to 0 (the full resolution).
    """
    import tfgan_zoo
    from tfgan_zoo.utils.torch_checkpoint import load_torch_checkpoint

    if image_size is None:
        raise ConversionError("rosinality/style-based-gan-pytorch checkpoints hold all nine blocks (up to 1024²) "
                              "whatever resolution they were trained to: pass image_size, the resolution of the "
                              "checkpoint's step (4·2^step; train_step-7.model was saved at step 6, 256²).")
    log2 = int(round(math.log2(image_size))) if image_size > 0 else 0
    if image_size < 4 or 2**log2 != image_size:
        raise ConversionError(f"image_size must be a power of two >= 4, got {image_size}.")
    ckpt = load_torch_checkpoint(checkpoint)
    state, which = _generator_state(ckpt, str(checkpoint))
    state = dict(state)
    step = log2 - 2
    g = "generator."
    if f"{g}progression.0.conv1.input" not in state:
        raise ConversionError(f"{checkpoint}: no {g}progression.0.conv1.input; not a StyledGenerator state dict.")
    blocks = sorted({int(m.group(1)) for k in state if (m := re.match(r"generator\.progression\.(\d+)\.", k))})
    if step >= len(blocks):
        raise ConversionError(f"image_size {image_size} needs {step + 1} blocks; the checkpoint has {len(blocks)}.")
    mlp = sorted(int(m.group(1)) for k in state if (m := re.fullmatch(r"style\.(\d+)\.linear\.weight_orig", k)))
    if not mlp or mlp != list(range(1, 2 * len(mlp), 2)):
        raise ConversionError(f"{checkpoint}: mapping layers style.{mlp}; expected style.1, style.3, …")
    w_dim = int(state["style.1.linear.weight_orig"].shape[1])
    widths = {1: int(state[f"{g}progression.0.conv2.conv.weight_orig"].shape[0])}
    for i in range(1, step + 1):
        widths[i + 1] = int(state[f"{g}progression.{i}.conv2.conv.weight_orig"].shape[0])
    fmap_base, fmap_max = _fit_fmaps(widths, str(checkpoint))
    channels = int(state[f"{g}to_rgb.0.conv.weight_orig"].shape[0])
    arch = dict(latent_dim=w_dim, w_dim=w_dim, image_size=image_size, channels=channels, mapping_layers=len(mlp),
                fmap_base=fmap_base, fmap_max=fmap_max)
    clash = {k: (v, arch[k]) for k, v in model_kwargs.items() if k in arch and v != arch[k]}
    if clash:
        raise ConversionError(f"Arguments contradict the checkpoint (given, read): {clash}.")
    arch.update(adain_epsilon=1e-5, conv_bias_before_blur=True)  # InstanceNorm2d's ε; conv bias, then blur
    dsource = str(discriminator if discriminator is not None else checkpoint)
    dstate, dwhich = _discriminator_state(load_torch_checkpoint(discriminator) if discriminator is not None else ckpt,
                                          dsource)
    if discriminator is not None and dstate is None:
        raise ConversionError(f"{discriminator} holds no rosinality Discriminator: no 'discriminator' / 'd' entry and "
                              "no progression.* / linear.linear.weight_orig keys.")
    if dstate is not None:
        n_blocks, fromrgb_act, fused = _discriminator_layout(dstate, dsource)
        if step >= n_blocks:
            raise ConversionError(f"image_size {image_size} needs {step + 1} discriminator blocks; {dsource} has "
                                  f"{n_blocks}.")
        arch.update(d_block_layout="rosinality", d_fromrgb_activation=fromrgb_act)
        state.update({D_PREFIX + k: v for k, v in dstate.items()})
    model = tfgan_zoo.build_model("stylegan", **{"fixed_lod": 0, **model_kwargs, **arch})
    mapping, trunc, synth = model.parts()
    lr = float(model.mapping_lr_multiplier)
    report = ConversionReport(str(checkpoint), f"StyleGAN {image_size}² from {which}: z = w = {w_dim}, {len(mlp)} "
                                               f"mapping layers, widths {dict(sorted(widths.items()))}")
    m = _Mapper(state, model.generator_ema, report)

    for n, i in enumerate(mlp):
        dense = mapping.get_layer(f"dense{n}")
        m.put(f"style.{i}.linear.weight_orig", dense.kernel, f"mapping/dense{n}/kernel", lambda v: v.T / lr)
        m.put(f"style.{i}.linear.bias", dense.bias, f"mapping/dense{n}/bias", lambda v: v / lr)

    rng = np.random.default_rng(noise_seed)

    def adain(prefix, name):
        a = synth.get_layer(f"{name}_adain")
        m.put(f"{prefix}.style.linear.weight_orig", a.style_kernel, f"{name}_adain/style_kernel",
              lambda v: v.T * SQRT2)
        m.put(f"{prefix}.style.linear.bias", a.style_bias, f"{name}_adain/style_bias",
              lambda v: v - np.concatenate([np.ones(v.shape[0] // 2), np.zeros(v.shape[0] - v.shape[0] // 2)]))

    def conv(key, name, transform=lambda v: np.transpose(v, (2, 3, 1, 0))):
        m.put(key, synth.get_layer(name).kernel, f"{name}/kernel", transform)

    for i in range(step + 1):
        p, r = f"{g}progression.{i}", 4 * 2**i
        noise = rng.standard_normal((r, r, 1))
        first = "b4_const" if i == 0 else f"b{r}_conv0"
        second = "b4_conv" if i == 0 else f"b{r}_conv1"
        if i == 0:
            m.put(f"{p}.conv1.input", synth.get_layer("b4_const").const, "b4_const/const",
                  lambda v: np.transpose(v[0], (1, 2, 0)))
            bias = synth.get_layer("b4_const_act").bias
            bias.assign(np.zeros(bias.shape, np.float32))
            report.filled.append(("b4_const_act/bias", 0.0, "rosinality's constant block has no bias"))
        elif f"{p}.conv1.0.weight" in state:  # FusedUpsample: [in, out, 3, 3], flipped and divided by 4
            conv(f"{p}.conv1.0.weight", first, lambda v: np.transpose(v, (2, 3, 0, 1))[::-1, ::-1] / 4.0)
            m.put(f"{p}.conv1.0.bias", synth.get_layer(first).bias, f"{first}/bias")
            m.blur(f"{p}.conv1.1")
        else:  # nn.Upsample(nearest), EqualConv2d, Blur
            conv(f"{p}.conv1.1.conv.weight_orig", first)
            m.put(f"{p}.conv1.1.conv.bias", synth.get_layer(first).bias, f"{first}/bias")
            m.blur(f"{p}.conv1.2")
        if i > 0:
            bias = synth.get_layer(f"{first}_act").bias
            bias.assign(np.zeros(bias.shape, np.float32))
            report.filled.append((f"{first}_act/bias", 0.0, "the upsampling conv's bias is added before the blur "
                                  f"({first}/bias, conv_bias_before_blur=True)"))
        for k, name in ((1, first), (2, second)):
            nz = synth.get_layer(f"{name}_noise")
            m.put(f"{p}.noise{k}.weight_orig", nz.strength, f"{name}_noise/noise_strength",
                  lambda v: v.reshape(-1) * math.sqrt(2.0 / v.shape[1]))
            nz.noise_const.assign(noise.astype(np.float32))
            report.filled.append((f"{name}_noise/noise_const", "N(0, 1)", "rosinality draws its noise per call: one "
                                  f"seeded image per block (seed {noise_seed}), shared by the block's two layers"))
            adain(f"{p}.adain{k}", name)
        conv(f"{p}.conv2.conv.weight_orig", second)
        m.put(f"{p}.conv2.conv.bias", synth.get_layer(f"{second}_act").bias, f"{second}_act/bias")
        rgb = synth.get_layer(f"torgb_lod{step - i}")
        m.put(f"{g}to_rgb.{i}.conv.weight_orig", rgb.kernel, f"torgb_lod{step - i}/kernel",
              lambda v: np.transpose(v, (2, 3, 1, 0)) * SQRT2)
        m.put(f"{g}to_rgb.{i}.conv.bias", rgb.bias, f"torgb_lod{step - i}/bias")
    if dstate is not None:
        _convert_discriminator(m, model.discriminator, step, n_blocks, fromrgb_act == "lrelu")
    above = sorted(k for k in state if k not in m.used and (
        (mt := re.match(r"generator\.(progression|to_rgb)\.(\d+)\.", k)) and int(mt.group(2)) > step))
    for k in above:
        m.used.add(k)
        report.ignored.append((k, f"a block above {image_size}² (the checkpoint's untrained higher resolutions)"))
    report.unused = sorted(k for k in state if k not in m.used)
    report.mapped.sort()
    if report.ok:  # the w average: rosinality's mean_style, over seeded z
        z = np.random.default_rng(noise_seed).standard_normal((10_000, w_dim)).astype(np.float32)
        trunc.w_avg.assign(np.mean(mapping.predict(z, batch_size=2000, verbose=0), axis=0))
        report.filled.append(("truncation/w_avg", "mean w", "not stored; the mapping's mean over 10,000 seeded z "
                              "(rosinality's mean_style)"))
    if strict and not report.ok:
        raise ConversionError("The checkpoint does not map cleanly onto the zoo's stylegan (pass strict=False to load "
                              "what matches anyway):\n" + str(report), report)
    for target, value in zip(model.generator.weights, model.generator_ema.weights):
        target.assign(value)
    if dstate is None:
        report.architecture += f"; discriminator NOT converted ({NOT_CONVERTED_D})"
    else:
        down = sorted(4 * 2 ** (n_blocks - 1 - j) for j in fused if 4 * 2 ** (n_blocks - 1 - j) <= image_size)
        report.architecture += (f"; discriminator from {dwhich} of {dsource} (d_block_layout='rosinality', fromRGB "
                                f"{fromrgb_act}, FusedDownsample at inputs {down or 'none'})")
    model.conversion_report = report
    return model
