"""StyleGAN (v1) generators of rosinality/style-based-gan-pytorch → the zoo's `stylegan`.

    model = stylegan_from_rosinality("checkpoint/train_step-7.model", image_size=256)
    print(model.conversion_report)
    model.generate(4, seed=0, truncation_psi=0.7)

The file is read without torch and without running pickled code: a training checkpoint (`{"generator", "g_running",
"discriminator", "g_optimizer", "d_optimizer"}`; `g_running`, the moving average, is converted) or a bare
`StyledGenerator` state dict. Layout (its final `model.py`): `style.{1,3,…}.linear` EqualLinear mapping layers (plain
LeakyReLU(0.2) after each), `generator.progression.{i}` StyledConvBlocks (`conv1.input` the constant of block 0;
`conv1.1.conv` after nearest upsampling, or `conv1.0` FusedUpsample at 128² and above; `conv1.{1,2}.weight` the
[1, 2, 1] blur buffers; `noise{1,2}`, `adain{1,2}.style.linear`, `conv2.conv`), `generator.to_rgb.{i}.conv`.

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

Where the layout does not allow: rosinality's checkpoints hold all nine blocks (up to 1024²) whatever resolution they
were trained to, so `image_size` (4·2^step of the checkpoint's step) is required and the blocks above it are reported
as ignored; the discriminator is not converted — its blocks widen in the first convolution (C(r) → C(r/2), then a
downsampling C(r/2) → C(r/2)) where the official and zoo discriminators widen in the second, and its default
fromRGB has no activation where the official one has LeakyReLU.
"""

from __future__ import annotations

import math
import re

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport

__all__ = ["stylegan_from_rosinality"]

SQRT2 = math.sqrt(2.0)
NOT_CONVERTED_D = ("rosinality's discriminator blocks widen in their first convolution (C(r) → C(r/2)) where the "
                   "official and zoo ones widen in the second, and its fromRGB has no activation by default")


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
                             **model_kwargs):
    """Converts a rosinality/style-based-gan-pytorch generator into the zoo's `stylegan` (see the module docstring).

    Args:
        checkpoint: `train_step-N.model` (its `g_running` is converted) or a `StyledGenerator` state dict file.
        image_size: the resolution the checkpoint was trained to (4·2^step); required.
        strict: raise `ConversionError` on unused keys, missing weights or shape mismatches.
        noise_seed: seed of the stored inference noise images (rosinality stores none).
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
    report.architecture += f"; discriminator NOT converted ({NOT_CONVERTED_D})"
    model.conversion_report = report
    return model
