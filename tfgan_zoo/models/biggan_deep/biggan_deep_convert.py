"""BigGAN-deep checkpoints of ajbrock/BigGAN-PyTorch (`BigGANdeep.py`: `G_ema.pth`, `D.pth`) → the zoo's `biggan_deep`.

    model = biggan_deep_from_pytorch("G_ema.pth", discriminator="D.pth")
    print(model.conversion_report)

Read without torch and without running pickled code; spectral norm, batch-norm statistics and the report work as in
`tfgan_zoo.models.biggan.biggan_convert` (the official eval-mode power iteration from `u0` normalises each weight;
`sv0` is reported as ignored). Official layout (`G_depth = D_depth = 2`):

* `shared.weight` → `shared_embedding`; `linear.*` SNLinear(dim_z + shared_dim, 16·C₀) whose input is
  `cat([z, shared(y)])` → `linear` (the zoo concatenates [embedding, z]: the input rows are reordered; the outputs
  are permuted from NCHW to NHWC order as in BigGAN).
* `blocks.{i}.{0,1}` GBlocks (`conv1` … `conv4`, ccbn `bn1` … `bn4` conditioned on `cat([z, shared(y)])`, the second
  upsamples) → `block{i+1}a`, `block{i+1}b`; `blocks.{i}.2` Attention → `attention_{res}`.
* `output_layer.0` bn → `out_bn`; `output_layer.2` SNConv2d(C, 128) of which the official forward keeps the first 3
  channels → `out_conv` (3 channels; σ is that of the whole 128-channel weight, so outputs are identical).
* D: `input_conv`, `blocks.{i}.{0,1}` DBlocks (`conv1` … `conv4`, `conv_sc` appending out − in channels, the first
  downsamples), `blocks.{i}.2` Attention, `linear`, `embed`.

D's downsampling is not in the keys: the official `D_arch` is assumed (every stage at 64² and above, the first two
at 32²; pass `d_downsample` otherwise).
"""

from __future__ import annotations

import re

import numpy as np

from tfgan_zoo.models.biggan.biggan_convert import _mults, _SNMapper, convert_pytorch_pair
from tfgan_zoo.utils.conversion import ConversionError

__all__ = ["biggan_deep_from_pytorch", "official_deep_d_downsample"]


def official_deep_d_downsample(image_size: int, stages: int) -> list[int]:
    """BigGAN-PyTorch's BigGAN-deep `D_arch`: the first two stages downsample at 32², every stage above."""
    return [1, 1] + [0] * (stages - 2) if image_size == 32 else [1] * stages


def _stages(state, source):
    found = sorted({int(m.group(1)) for k in state if (m := re.fullmatch(r"blocks\.(\d+)\.0\.conv1\.weight", k))})
    if not found or found != list(range(len(found))):
        raise ConversionError(f"{source}: no BigGAN-deep blocks (blocks.N.0.conv1.weight); first keys: "
                              f"{list(state)[:6]}.")
    if any(f"blocks.{i}.1.conv4.weight" not in state for i in found) or "blocks.0.0.conv4.weight" not in state:
        raise ConversionError(f"{source}: not the BigGAN-deep layout (two bottleneck blocks per stage with conv1 … "
                              "conv4); for BigGAN use biggan_from_pytorch.")
    return len(found)


def read_generator(state: dict, source: str = "") -> dict:
    if "shared.weight" not in state or "output_layer.2.weight" not in state:
        hint = " It looks like a discriminator (D.pth)." if "embed.weight" in state else ""
        raise ConversionError(f"{source or 'The checkpoint'} is not a BigGAN-deep generator with a shared embedding "
                              f"(no shared.weight / output_layer.2.weight).{hint} First keys: {list(state)[:6]}.")
    n = _stages(state, source)
    classes, shared_dim = (int(s) for s in state["shared.weight"].shape)
    latent = int(state["linear.weight"].shape[1]) - shared_dim
    cond = int(state["blocks.0.0.bn1.gain.weight"].shape[1])
    if latent <= 0 or cond != latent + shared_dim:
        raise ConversionError(f"{source}: the linear layer takes {state['linear.weight'].shape[1]} inputs and the "
                              f"batch norms {cond}; expected dim_z + shared_dim ({shared_dim}) for both (hier).")
    widths = [int(state["blocks.0.0.conv1.weight"].shape[1])]
    widths += [int(state[f"blocks.{i}.1.conv4.weight"].shape[0]) for i in range(n)]
    base = int(state["output_layer.2.weight"].shape[1])
    return dict(latent_dim=latent, num_classes=classes, image_size=4 * 2**n, channels=3, g_base_channels=base,
                g_channel_mults=_mults(widths, base, "G"), shared_dim=shared_dim,
                g_attention=[4 * 2 ** (i + 1) for i in range(n) if f"blocks.{i}.2.gamma" in state])


def read_discriminator(state: dict, image_size: int, source: str = "", downsample=None) -> dict:
    if "embed.weight" not in state or "input_conv.weight" not in state:
        raise ConversionError(f"{source or 'The checkpoint'} is not a BigGAN-deep projection discriminator (no "
                              f"input_conv.weight / embed.weight). First keys: {list(state)[:6]}.")
    n = _stages(state, source)
    base = int(state["input_conv.weight"].shape[0])
    widths = [int(state[f"blocks.{i}.0.conv4.weight"].shape[0]) for i in range(n)]
    downsample = list(downsample) if downsample is not None else official_deep_d_downsample(image_size, n)
    if len(downsample) != n:
        raise ConversionError(f"{source}: d_downsample has {len(downsample)} entries for {n} stages.")
    res, attention = image_size, []
    for i in range(n):
        res //= 2 if downsample[i] else 1
        if f"blocks.{i}.2.gamma" in state:
            attention.append(res)
    return dict(num_classes=int(state["embed.weight"].shape[0]), d_base_channels=base,
                d_channel_mults=_mults(widths, base, "D"), d_downsample=downsample, d_attention=attention)


def _map_generator(m: _SNMapper, spec: dict):
    m.assign(m.layer("shared_embedding").embeddings, m.take("shared.weight"), "shared.weight",
             "shared_embedding/embeddings")
    dz, ds = spec["latent_dim"], spec["shared_dim"]
    in_perm = np.concatenate([np.arange(dz, dz + ds), np.arange(dz)])  # zoo input [embedding, z] ← official [z, y]
    top = spec["g_base_channels"] * spec["g_channel_mults"][0]
    perm = np.arange(16 * top).reshape(top, 4, 4).transpose(1, 2, 0).reshape(-1)
    m.sn("linear", m.layer("linear"), "linear", "linear", perm=perm, in_perm=in_perm)
    for i in range(len(spec["g_channel_mults"]) - 1):
        for j, half in enumerate("ab"):
            name, key = f"block{i + 1}{half}", f"blocks.{i}.{j}"
            for k in range(1, 5):
                cbn = m.layer(f"{name}_bn{k}")
                m.sn(f"{key}.bn{k}.gain", cbn.gamma, f"{name}_bn{k}/gamma", "linear", in_perm=in_perm)
                m.sn(f"{key}.bn{k}.bias", cbn.beta, f"{name}_bn{k}/beta", "linear", in_perm=in_perm)
                m.bn(f"{key}.bn{k}", cbn.bn, f"{name}_bn{k}/bn", gain=None)
                m.sn(f"{key}.conv{k}", m.layer(f"{name}_conv{k}"), f"{name}_conv{k}", "conv")
        if f"blocks.{i}.2.gamma" in m.state:
            m.attention(f"blocks.{i}.2", f"attention_{4 * 2 ** (i + 1)}")
    m.bn("output_layer.0", m.layer("out_bn"), "out_bn")
    m.sn("output_layer.2", m.layer("out_conv"), "out_conv", "conv", keep_outputs=spec["channels"])


def _map_discriminator(m: _SNMapper, spec: dict, image_size: int):
    m.sn("input_conv", m.layer("input_conv"), "input_conv", "conv")
    res = image_size
    for i, down in enumerate(spec["d_downsample"]):
        for j, half in enumerate("ab"):
            name, key = f"block{i + 1}{half}", f"blocks.{i}.{j}"
            for conv in ("conv1", "conv2", "conv3", "conv4", "conv_sc"):
                try:
                    layer = m.layer(f"{name}_{conv}")
                except ValueError:
                    continue  # no channel-appending shortcut here: a conv_sc key stays unused (strict error)
                m.sn(f"{key}.{conv}", layer, f"{name}_{conv}", "conv")
        res //= 2 if down else 1
        if f"blocks.{i}.2.gamma" in m.state:
            m.attention(f"blocks.{i}.2", f"attention_{res}")
    head = m.layer("projection")
    m.sn("linear", head.linear, "projection/linear", "linear")
    m.sn("embed", head.embed, "projection/embed", "linear", embedding=True)


def biggan_deep_from_pytorch(checkpoint, discriminator=None, strict: bool = True, d_downsample=None,
                             **model_kwargs):
    """Converts BigGAN-PyTorch BigGAN-deep state dicts into the zoo's `biggan_deep` (arguments as
    `tfgan_zoo.models.biggan.biggan_convert.biggan_from_pytorch`)."""
    return convert_pytorch_pair(
        "biggan_deep", "BigGAN-deep", checkpoint, discriminator, strict, d_downsample, model_kwargs,
        read_generator=read_generator, read_discriminator=read_discriminator, map_generator=_map_generator,
        map_discriminator=_map_discriminator,  # the official D_arch: stage widths = G's input widths reversed
        official_d=lambda g: (list(reversed(g["g_channel_mults"][:-1])), official_deep_d_downsample))
