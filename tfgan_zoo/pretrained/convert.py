"""Converters from the official PyTorch pix2pix / CycleGAN generator checkpoints (junyanz/pytorch-CycleGAN-and-pix2pix).

    model = pix2pix_from_pytorch("facades_label2photo/latest_net_G.pth")
    print(model.conversion_report)
    model.translate(images)
    g = cyclegan_generator_from_pytorch("horse2zebra/latest_net_G.pth")

The `.pth` files are read by `torch_checkpoint.load_torch_state_dict`: no torch needed, no pickled code run. Each
state-dict key is mapped *by name* onto a Keras weight; the architecture (depth, widths, channels, norm) is read
from the keys and shapes, and `ConversionReport` lists what was mapped, which of our weights the official network
does not have (and the value that makes them equivalent), which keys were left unused, and shape mismatches. With
`strict=True` (default) unused keys, missing weights or mismatches raise `ConversionError` carrying the report.

pix2pix (`--netG unet_256`, `unet_128`; batch norm by default) maps onto the zoo's `pix2pix` model. The official
U-Net is a recursion of `UnetSkipConnectionBlock`s, so its keys nest: the outermost block is `model.model.{0: down
conv, 1: submodule, 3: up conv}`, a middle block `….model.{1: down conv, 2: down norm, 3: submodule, 5: up conv,
6: up norm}`, the innermost `….model.{1: down conv, 3: up conv, 4: up norm}`. Differences from the zoo's U-Net:

* the official outermost and innermost down convolutions have no bias with batch norm (`bias=use_bias`); the
  zoo's have one, which is set to zero (exactly equivalent);
* the official network has `num_downs` levels for any input divisible by 2^num_downs; the zoo ties its depth to its
  fixed `image_size` (2^num_downs), so `unet_256` converts to `image_size=256` (`unet_128` to 128);
* the zoo puts dropout on min(3, n − 5) decoder levels, the official code on n − 5 (the same for unet_256 and
  unet_128; deeper custom U-Nets differ in training only — inference has dropout off in both);
* the official in-place LeakyReLU of each block also rewrites the skip tensor it reads, so PyTorch's skip carries
  LeakyReLU(x) where the zoo carries x; the only consumer of the skip is the parent's ReLU, and ReLU(LeakyReLU(x))
  = ReLU(x), so outputs are identical.

The discriminator is not converted (the official releases ship `latest_net_G.pth` only); it keeps its
initialisation. Inference follows the official `--eval` mode: batch norm with running statistics, dropout off.

CycleGAN (`--netG resnet_9blocks` / `resnet_6blocks`, instance norm without affine parameters by default) converts
into the standalone `tfgan_zoo.models.cyclegan.cyclegan_networks.build_resnet_generator` network, since the zoo has
no CycleGAN model yet.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tfgan_zoo.pretrained.torch_checkpoint import UnsafeCheckpointError, load_torch_state_dict
from tfgan_zoo.utils.conversion import ConversionError, ConversionReport

__all__ = [
    "ConversionError", "ConversionReport", "UnsafeCheckpointError", "cyclegan_generator_from_pytorch",
    "load_torch_state_dict", "pix2pix_from_pytorch",
]


# ------------------------------------------------------------------------------------------------ mapping
def _conv(w):  # PyTorch Conv2d (out, in, kh, kw) and ConvTranspose2d (in, out, kh, kw) → Keras (kh, kw, ·, ·)
    return np.transpose(w, (2, 3, 1, 0))


def _strip_prefix(state: dict) -> dict:
    """Removes DataParallel's `module.` prefix if every key has it."""
    if state and all(k.startswith("module.") for k in state):
        return {k[len("module."):]: v for k, v in state.items()}
    return dict(state)


class _Mapper:
    def __init__(self, state: dict, keras_model, report: ConversionReport):
        self.state = state
        self.model = keras_model
        self.report = report
        self.used: set[str] = set()

    def _layer(self, name):
        try:
            return self.model.get_layer(name)
        except ValueError:
            raise ConversionError(f"Internal: the Keras network has no layer {name!r}.", self.report) from None

    def _assign(self, variable, value, key, path):
        expected = tuple(variable.shape)
        if tuple(value.shape) != expected:
            self.report.mismatched.append((key, tuple(value.shape), expected))
            return
        variable.assign(value.astype(np.float32))
        self.report.mapped.append((key, path))

    def _take(self, key):
        if key in self.state:
            self.used.add(key)
            return self.state[key]
        return None

    def _fill(self, variable, value, path, reason):
        variable.assign(np.full(tuple(variable.shape), value, np.float32))
        self.report.filled.append((path, value, reason))

    def conv(self, key, layer_name, transposed=False, bias_absent_reason=""):
        layer = self._layer(layer_name)
        w = self._take(f"{key}.weight")
        if w is None:
            self.report.missing.append(f"{layer_name}/kernel ← {key}.weight")
        else:
            self._assign(layer.kernel, _conv(w), f"{key}.weight", f"{layer_name}/kernel")
        b = self._take(f"{key}.bias")
        if layer.use_bias:
            if b is not None:
                self._assign(layer.bias, b, f"{key}.bias", f"{layer_name}/bias")
            elif bias_absent_reason:
                self._fill(layer.bias, 0.0, f"{layer_name}/bias", bias_absent_reason)
            else:
                self.report.missing.append(f"{layer_name}/bias ← {key}.bias")
        elif b is not None:
            self.used.discard(f"{key}.bias")  # left in `unused`: our layer has no bias to put it in

    def norm(self, key, layer_name, kind):
        layer = self._layer(layer_name)
        if kind == "batch":
            for torch_name, var in (("weight", layer.gamma), ("bias", layer.beta), ("running_mean", layer.moving_mean),
                                    ("running_var", layer.moving_variance)):
                value = self._take(f"{key}.{torch_name}")
                if value is None:
                    self.report.missing.append(f"{layer_name}/{var.name} ← {key}.{torch_name}")
                else:
                    self._assign(var, value, f"{key}.{torch_name}", f"{layer_name}/{var.name}")
            if self._take(f"{key}.num_batches_tracked") is not None:
                self.report.ignored.append((f"{key}.num_batches_tracked",
                                            "a training counter; inference does not use it"))
            return
        # Instance norm: affine=False in the official code (no parameters) unless trained with affine=True.
        for torch_name, var, identity in (("weight", layer.gamma, 1.0), ("bias", layer.beta, 0.0)):
            value = self._take(f"{key}.{torch_name}")
            if value is None:
                self._fill(var, identity, f"{layer_name}/{var.name}", "InstanceNorm2d(affine=False) has no scale/shift")
            else:
                self._assign(var, value, f"{key}.{torch_name}", f"{layer_name}/{var.name}")
        for stat in ("running_mean", "running_var", "num_batches_tracked"):
            if self._take(f"{key}.{stat}") is not None:
                self.report.ignored.append(
                    (f"{key}.{stat}", "InstanceNorm running statistics (old PyTorch); the official code deletes them "
                                      "on load and normalises with per-image statistics")
                )

    def finish(self, strict: bool):
        self.report.unused = sorted(k for k in self.state if k not in self.used)
        self.report.mapped.sort()
        if strict and not self.report.ok:
            raise ConversionError(
                "The checkpoint does not map cleanly onto the Keras network (pass strict=False to load it anyway):\n"
                + str(self.report), self.report)
        return self.report


# ------------------------------------------------------------------------------------------------ pix2pix
def _unet_levels(state: dict) -> list[dict]:
    """Reads the official U-Net's nesting: one dict per level (outermost first) with its module keys."""
    if "model.model.0.weight" not in state:
        raise ConversionError(
            "Not an official U-Net generator state dict: no key 'model.model.0.weight' (the outermost down "
            f"convolution). First keys: {list(state)[:5]}. For a CycleGAN ResNet generator use "
            "cyclegan_generator_from_pytorch()."
        )
    levels = [{"prefix": "model.model.", "down": "model.model.0", "up": "model.model.3", "kind": "outermost"}]
    prefix = "model.model.1.model."
    while True:
        if f"{prefix}3.model.1.weight" in state:  # a middle block: its submodule sits at index 3
            levels.append({"prefix": prefix, "down": f"{prefix}1", "down_norm": f"{prefix}2", "up": f"{prefix}5",
                           "up_norm": f"{prefix}6", "kind": "middle"})
            prefix = f"{prefix}3.model."
        elif f"{prefix}1.weight" in state and f"{prefix}3.weight" in state:
            levels.append({"prefix": prefix, "down": f"{prefix}1", "up": f"{prefix}3", "up_norm": f"{prefix}4",
                           "kind": "innermost"})
            return levels
        else:
            raise ConversionError(f"Cannot follow the U-Net below {prefix!r}: neither a middle nor an innermost block.")


def _norm_kind(state: dict, key: str) -> str:
    return "batch" if f"{key}.running_mean" in state and f"{key}.weight" in state else "instance"


def pix2pix_from_pytorch(path, strict: bool = True, **model_kwargs):
    """Converts an official pix2pix U-Net generator checkpoint (`latest_net_G.pth`) into the zoo's `pix2pix`.

    Args:
        path: the `.pth` state dict (zip or legacy torch format; read without torch and without running code).
        strict: raise `ConversionError` if keys are unused or missing or shapes differ.
        **model_kwargs: other `pix2pix` arguments (e.g. `d_base_filters`); the generator's are read from the file.

    Returns:
        A `Pix2Pix` model with the converted generator; `model.conversion_report` is the `ConversionReport`.
    """
    import tfgan_zoo

    state = _strip_prefix(load_torch_state_dict(path))
    levels = _unet_levels(state)
    n = len(levels)
    down0, up0 = state["model.model.0.weight"], state["model.model.3.weight"]
    ngf, in_channels, out_channels = int(down0.shape[0]), int(down0.shape[1]), int(up0.shape[1])
    norm = _norm_kind(state, levels[1]["down_norm"]) if levels[1]["kind"] == "middle" else "batch"
    report = ConversionReport(str(path), f"unet_{2 ** n} (num_downs={n}, ngf={ngf}, {in_channels}→{out_channels} "
                                         f"channels, {norm} norm)")
    kwargs = dict(image_size=2**n, in_channels=in_channels, out_channels=out_channels, g_base_filters=ngf,
                  normalization_kind=norm)
    clash = {k: v for k, v in model_kwargs.items() if k in kwargs and kwargs[k] != v}
    if clash:
        raise ConversionError(f"{clash} contradict the checkpoint's generator ({kwargs}).", report)
    model = tfgan_zoo.build_model("pix2pix", **{**model_kwargs, **kwargs})
    mapper = _Mapper(state, model.generator, report)
    no_bias = "the official down convolution has no bias with batch norm (bias=use_bias); zero is equivalent"
    for i, level in enumerate(levels):
        mapper.conv(level["down"], f"enc{i + 1}_conv", bias_absent_reason=no_bias if norm == "batch" else "")
        if "down_norm" in level:
            mapper.norm(level["down_norm"], f"enc{i + 1}_norm", norm)
        mapper.conv(level["up"], f"dec{i + 1}_conv", transposed=True)
        if "up_norm" in level:
            mapper.norm(level["up_norm"], f"dec{i + 1}_norm", norm)
    model.conversion_report = mapper.finish(strict)
    return model


# ------------------------------------------------------------------------------------------------ CycleGAN
def cyclegan_generator_from_pytorch(path, strict: bool = True, image_size: int | None = None):
    """Converts an official CycleGAN ResNet generator checkpoint (`resnet_9blocks`/`resnet_6blocks`).

    Args:
        path: the `.pth` state dict (e.g. `horse2zebra/latest_net_G.pth`).
        strict: raise `ConversionError` if keys are unused or missing or shapes differ.
        image_size: fix the input size (None: any size divisible by 4).

    Returns:
        A functional Keras model images `[N, H, W, C]` in [-1, 1] → translated images in [-1, 1];
        `model.conversion_report` is the `ConversionReport`.
    """
    from tfgan_zoo.models.cyclegan.cyclegan_networks import build_resnet_generator

    state = _strip_prefix(load_torch_state_dict(path))
    if "model.1.weight" not in state or state["model.1.weight"].ndim != 4 or state["model.1.weight"].shape[2] != 7:
        raise ConversionError(
            f"Not an official ResNet generator state dict: no 7×7 convolution 'model.1.weight'. First keys: "
            f"{list(state)[:5]}. For a pix2pix U-Net use pix2pix_from_pytorch()."
        )
    blocks = sorted({int(m.group(1)) for k in state if (m := re.match(r"model\.(\d+)\.conv_block\.", k))})
    n_blocks = len(blocks)
    if blocks != list(range(10, 10 + n_blocks)):
        raise ConversionError(f"Residual blocks at unexpected positions {blocks} (expected model.10 … "
                              f"model.{9 + n_blocks}).")
    second = 6 if state.get("model.10.conv_block.6.weight", np.zeros(0)).ndim == 4 else 5  # 6 when trained with dropout
    ngf, in_channels = int(state["model.1.weight"].shape[0]), int(state["model.1.weight"].shape[1])
    up = 10 + n_blocks
    final = f"model.{up + 7}"
    if f"{final}.weight" not in state:
        raise ConversionError(f"No final 7×7 convolution {final}.weight after {n_blocks} residual blocks.")
    out_channels = int(state[f"{final}.weight"].shape[0])
    norm = _norm_kind(state, "model.2")
    report = ConversionReport(str(path), f"resnet_{n_blocks}blocks (ngf={ngf}, {in_channels}→{out_channels} channels, "
                                         f"{norm} norm{', dropout' if second == 6 else ''})")
    model = build_resnet_generator(in_channels, out_channels, ngf, n_blocks, norm, image_size)
    mapper = _Mapper(state, model, report)
    mapper.conv("model.1", "conv_in")
    mapper.norm("model.2", "norm_in", norm)
    for i, (conv, nrm) in enumerate(((4, 5), (7, 8))):
        mapper.conv(f"model.{conv}", f"down{i + 1}_conv")
        mapper.norm(f"model.{nrm}", f"down{i + 1}_norm", norm)
    for b in range(n_blocks):
        key = f"model.{10 + b}.conv_block"
        mapper.conv(f"{key}.1", f"block{b + 1}_conv1")
        mapper.norm(f"{key}.2", f"block{b + 1}_norm1", norm)
        mapper.conv(f"{key}.{second}", f"block{b + 1}_conv2")
        mapper.norm(f"{key}.{second + 1}", f"block{b + 1}_norm2", norm)
    for i, (conv, nrm) in enumerate(((up, up + 1), (up + 3, up + 4))):
        mapper.conv(f"model.{conv}", f"up{i + 1}_conv", transposed=True)
        mapper.norm(f"model.{nrm}", f"up{i + 1}_norm", norm)
    mapper.conv(final, "conv_out")
    model.conversion_report = mapper.finish(strict)
    return model


def _cli(argv=None) -> int:
    """`python -m tfgan_zoo.pretrained.convert {pix2pix,cyclegan,stylegan2} CHECKPOINT [--out preset_dir |
    model.keras]`.

    For stylegan2 the checkpoint is the .npz of the official Gs network's variables (see
    `tfgan_zoo.models.stylegan2.stylegan2_convert`), with `--discriminator D.npz` optionally."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m tfgan_zoo.pretrained.convert", description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=("pix2pix", "cyclegan", "stylegan2"))
    p.add_argument("checkpoint")
    p.add_argument("--out", default=None,
                   help="pix2pix/stylegan2: a preset folder to write; cyclegan: a .keras or .weights.h5 file")
    p.add_argument("--discriminator", default=None, help="stylegan2: the official D's variables (.npz)")
    p.add_argument("--lenient", action="store_true", help="convert even if keys are unused/missing (see the report)")
    args = p.parse_args(argv)
    try:
        if args.kind in ("pix2pix", "stylegan2"):
            if args.kind == "pix2pix":
                model = pix2pix_from_pytorch(args.checkpoint, strict=not args.lenient)
                origin = "junyanz/pytorch-CycleGAN-and-pix2pix"
            else:
                from tfgan_zoo.models.stylegan2.stylegan2_convert import stylegan2_from_official

                model = stylegan2_from_official(args.checkpoint, discriminator=args.discriminator,
                                                strict=not args.lenient)
                origin = "NVlabs/stylegan2"
            if args.out:
                from tfgan_zoo.pretrained.presets import save_to_preset

                save_to_preset(model, args.out, metadata={"converted_from": str(Path(args.checkpoint).name),
                                                          "source": origin})
        else:
            model = cyclegan_generator_from_pytorch(args.checkpoint, strict=not args.lenient)
            if args.out:
                (model.save if args.out.endswith(".keras") else model.save_weights)(args.out)
    except (ConversionError, UnsafeCheckpointError, FileNotFoundError, ValueError) as e:
        print(f"convert: error: {e}")
        return 2
    print(model.conversion_report)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_cli())
