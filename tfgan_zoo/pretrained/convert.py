"""Converters from the official PyTorch pix2pix / CycleGAN generator checkpoints (junyanz/pytorch-CycleGAN-and-pix2pix).

    model = pix2pix_from_pytorch("facades_label2photo/latest_net_G.pth")
    print(model.conversion_report)
    model.translate(images)
    cyclegan = cyclegan_from_pytorch("checkpoints/horse2zebra")  # latest_net_{G_A,G_B,D_A,D_B}.pth
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

CycleGAN (`--netG resnet_9blocks` / `resnet_6blocks`, `NLayerDiscriminator`, instance norm without affine
parameters by default) lives with its family: `tfgan_zoo.models.cyclegan.cyclegan_convert` converts a checkpoint
directory (G_A, G_B and, where present, D_A, D_B) into the zoo's `cyclegan` model, or one generator into a standalone
Keras network; the two functions here delegate to it.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport
from tfgan_zoo.utils.hashing import sha256_of
from tfgan_zoo.utils.torch_checkpoint import UnsafeCheckpointError, load_torch_state_dict
from tfgan_zoo.utils.torch_mapping import TorchStateMapper, conv_kernel, norm_kind, strip_module_prefix

__all__ = [
    "ConversionError", "ConversionReport", "UnsafeCheckpointError", "cyclegan_from_pytorch",
    "cyclegan_generator_from_pytorch", "load_torch_state_dict", "pix2pix_from_pytorch",
]


# ------------------------------------------------------------------------------------------------ mapping
# shared with the family converters (tfgan_zoo/models/<family>/<family>_convert.py) from the core
_conv, _strip_prefix, _Mapper, _norm_kind = conv_kernel, strip_module_prefix, TorchStateMapper, norm_kind


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
    """Converts one official CycleGAN ResNet generator checkpoint into a standalone Keras network: see
    `tfgan_zoo.models.cyclegan.cyclegan_convert.cyclegan_generator_from_pytorch` (kept here for old imports)."""
    from tfgan_zoo.models.cyclegan.cyclegan_convert import cyclegan_generator_from_pytorch as convert

    return convert(path, strict=strict, image_size=image_size)


def cyclegan_from_pytorch(checkpoint_dir_or_files, strict: bool = True, image_size: int = 256, **model_kwargs):
    """Converts official CycleGAN checkpoints (G_A, G_B, optionally D_A, D_B) into the zoo's `cyclegan`: see
    `tfgan_zoo.models.cyclegan.cyclegan_convert.cyclegan_from_pytorch`."""
    from tfgan_zoo.models.cyclegan.cyclegan_convert import cyclegan_from_pytorch as convert

    return convert(checkpoint_dir_or_files, strict=strict, image_size=image_size, **model_kwargs)


# ------------------------------------------------------------------------------------------------ formats
@dataclasses.dataclass(frozen=True)
class CheckpointFormat:
    """A published checkpoint format `tfgan-zoo convert --from NAME` reads: `function` in `module` converts it
    (`function(source, [discriminator=...,] strict=...)` returns a zoo model with a `conversion_report`)."""

    name: str
    module: str
    function: str
    model: str
    origin: str
    source: str
    discriminator: bool = False


#: every format the `convert` command knows, by its `--from` name
FORMATS = {f.name: f for f in (
    CheckpointFormat("pix2pix-pytorch", "tfgan_zoo.pretrained.convert", "pix2pix_from_pytorch", "pix2pix",
                     "junyanz/pytorch-CycleGAN-and-pix2pix", "latest_net_G.pth (U-Net generator)"),
    CheckpointFormat("cyclegan-pytorch", "tfgan_zoo.pretrained.convert", "cyclegan_from_pytorch", "cyclegan",
                     "junyanz/pytorch-CycleGAN-and-pix2pix", "the checkpoint folder (latest_net_G_A.pth, …)"),
    CheckpointFormat("stargan-pytorch", "tfgan_zoo.models.stargan.stargan_convert", "stargan_from_pytorch",
                     "stargan", "yunjey/stargan", "the models/ folder (<iters>-G.ckpt, -D.ckpt) or one -G.ckpt"),
    CheckpointFormat("stylegan2-npz", "tfgan_zoo.models.stylegan2.stylegan2_convert", "stylegan2_from_official",
                     "stylegan2", "NVlabs/stylegan2", "Gs.npz of the official network's vars", discriminator=True),
    CheckpointFormat("stylegan2-rosinality", "tfgan_zoo.models.stylegan2.stylegan2_convert",
                     "stylegan2_from_rosinality", "stylegan2", "rosinality/stylegan2-pytorch",
                     "the .pt with g_ema and latent_avg (d optional)",
                     discriminator=True),
    CheckpointFormat("stylegan2-ada-pytorch", "tfgan_zoo.models.stylegan2.stylegan2_convert",
                     "stylegan2_from_ada_pytorch", "stylegan2", "NVlabs/stylegan2-ada-pytorch",
                     "G_ema state dict .pth (or {'G_ema', 'D'})", discriminator=True),
    CheckpointFormat("biggan-pytorch", "tfgan_zoo.models.biggan.biggan_convert", "biggan_from_pytorch", "biggan",
                     "ajbrock/BigGAN-PyTorch", "G_ema.pth (or G.pth)", discriminator=True),
    CheckpointFormat("biggan-deep-pytorch", "tfgan_zoo.models.biggan_deep.biggan_deep_convert",
                     "biggan_deep_from_pytorch", "biggan_deep", "ajbrock/BigGAN-PyTorch (BigGANdeep.py)",
                     "G_ema.pth (or G.pth)", discriminator=True),
    CheckpointFormat("biggan-hub", "tfgan_zoo.models.biggan.biggan_hub_convert", "biggan_from_hub", "biggan",
                     "TF-Hub deepmind/biggan-128/256/512", "the unpacked module folder (variables/variables)"),
    CheckpointFormat("biggan-deep-hub", "tfgan_zoo.models.biggan_deep.biggan_deep_hub_convert",
                     "biggan_deep_from_hub", "biggan_deep", "TF-Hub deepmind/biggan-deep-128/256/512",
                     "the unpacked module folder (variables/, saved_model.pb); needs --truncation"),
    CheckpointFormat("stylegan-rosinality", "tfgan_zoo.models.stylegan.stylegan_convert", "stylegan_from_rosinality",
                     "stylegan", "rosinality/style-based-gan-pytorch",
                     "train_step-N.model (g_running, discriminator) or a StyledGenerator state dict; needs "
                     "--image_size", discriminator=True),
    CheckpointFormat("dcgan-pytorch-examples", "tfgan_zoo.models.dcgan.dcgan_convert", "dcgan_from_pytorch_examples",
                     "dcgan", "pytorch/examples (dcgan)", "netG_epoch_N.pth or the folder holding it",
                     discriminator=True),
    CheckpointFormat("pix2pixhd-pytorch", "tfgan_zoo.models.pix2pixhd.pix2pixhd_convert", "pix2pixhd_from_pytorch",
                     "pix2pixhd", "NVIDIA/pix2pixHD",
                     "the checkpoint folder (latest_net_G.pth, optional _D, _E) or latest_net_G.pth; --image_size "
                     "= height (Cityscapes 512 global, 1024 local)", discriminator=True),
    CheckpointFormat("spade-pytorch", "tfgan_zoo.models.gaugan.gaugan_convert", "gaugan_from_pytorch", "gaugan",
                     "NVlabs/SPADE", "the checkpoint folder (latest_net_G.pth, optional _D, _E) or latest_net_G.pth; "
                     "--image_size = height (256)", discriminator=True),
)}


def convert_checkpoint(format_name: str, source, discriminator=None, strict: bool = True, **kwargs):
    """Converts `source` in the published format `format_name` (a key of `FORMATS`) into a zoo model."""
    import importlib

    fmt = FORMATS.get(format_name)
    if fmt is None:
        raise ValueError(f"Unknown checkpoint format {format_name!r}; known formats: {', '.join(FORMATS)}.")
    if discriminator is not None:
        if not fmt.discriminator:
            raise ValueError(f"The {format_name} format takes no separate discriminator file.")
        kwargs["discriminator"] = discriminator
    convert = getattr(importlib.import_module(fmt.module), fmt.function)
    return convert(source, strict=strict, **kwargs)


def add_convert_parser(sub):
    """`tfgan-zoo convert --from FORMAT SOURCE --out PRESET_DIR`."""
    lines = "\n".join(f"  {f.name}: {f.origin} → {f.model} ({f.source})" for f in FORMATS.values())
    p = sub.add_parser(
        "convert", help="convert published weights (--from FORMAT) into a zoo preset",
        description="Converts a published checkpoint into a zoo preset folder (weights, sha256, provenance). "
                    "Nothing is downloaded; torch is not needed and no pickled code runs.",
        epilog="formats:\n" + lines, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from", dest="format", required=True, choices=tuple(FORMATS), metavar="FORMAT",
                   help="the checkpoint's format: " + ", ".join(FORMATS))
    p.add_argument("source", help="the checkpoint file or folder")
    p.add_argument("--out", required=True, help="the preset folder to write")
    p.add_argument("--discriminator", default=None, help="the discriminator's file, for formats that have one")
    p.add_argument("--image_size", type=int, default=None,
                   help="stylegan-rosinality: the resolution the checkpoint was trained to (its file holds all blocks)")
    p.add_argument("--truncation", type=float, default=None,
                   help="biggan-deep-hub: the truncation whose batch-norm statistics to load (a multiple of 0.02)")
    p.add_argument("--aspect_ratio", type=float, default=None,
                   help="pix2pixhd-pytorch, spade-pytorch: width / height of the training images (Cityscapes 2)")
    p.add_argument("--instances", choices=("yes", "no"), default=None,
                   help="pix2pixhd-pytorch, spade-pytorch: whether the label input has the instance edge channel "
                        "(the keys cannot tell; pix2pixHD default yes, SPADE default no: Cityscapes / COCO-Stuff yes)")
    p.add_argument("--weights_dtype", default="float32", choices=("float32", "float16"),
                   help="preset storage precision (float32 is exact)")
    p.add_argument("--lenient", action="store_true", help="convert even if keys are unused/missing (see the report)")
    p.set_defaults(func=_cmd_convert)
    return p


#: `convert` options that go to the format's function as a named parameter: {parameter: its command-line flag}
_OPTION_FLAGS = {"image_size": "--image_size", "truncation": "--truncation", "aspect_ratio": "--aspect_ratio",
                 "use_instances": "--instances"}


def _named_parameters(fmt: CheckpointFormat) -> set:
    import importlib
    import inspect

    fn = getattr(importlib.import_module(fmt.module), fmt.function)
    return {n for n, p in inspect.signature(fn).parameters.items()
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}


def check_format_options(format_name: str, options) -> None:
    """Raises `ValueError` naming the formats that take an option when `format_name`'s converter does not (it would
    otherwise reach the model's constructor as an unknown argument)."""
    fmt = FORMATS[format_name]
    named = _named_parameters(fmt)
    for option in options:
        if option not in named:
            flag = _OPTION_FLAGS.get(option, f"--{option}")
            takers = [f.name for f in FORMATS.values() if option in _named_parameters(f)]
            raise ValueError(f"{flag} is not an option of the {format_name} format (its converter "
                             f"{fmt.function} takes no {option}); formats that take {flag}: "
                             f"{', '.join(takers) or 'none'}. Drop {flag} for {format_name}.")


def _cmd_convert(args):
    import sys

    from tfgan_zoo.pretrained.presets import save_to_preset

    fmt = FORMATS[args.format]
    try:
        extra = {"image_size": args.image_size} if args.image_size is not None else {}
        if args.truncation is not None:
            extra["truncation"] = args.truncation
        if args.aspect_ratio is not None:
            extra["aspect_ratio"] = args.aspect_ratio
        if args.instances is not None:
            extra["use_instances"] = args.instances == "yes"
        check_format_options(args.format, extra)
        model = convert_checkpoint(args.format, args.source, discriminator=args.discriminator,
                                   strict=not args.lenient, **extra)
    except (ConversionError, UnsafeCheckpointError, ValueError) as e:
        print(f"tfgan-zoo convert: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    sources = [Path(args.source)] + ([Path(args.discriminator)] if args.discriminator else [])
    metadata = {"converted_from": [s.name for s in sources], "source": fmt.origin, "format": fmt.name,
                "source_sha256": {s.name: sha256_of(s) for s in sources if s.is_file()},
                "conversion": str(model.conversion_report).splitlines()[0]}
    save_to_preset(model, args.out, metadata=metadata, weights_dtype=args.weights_dtype)
    print(model.conversion_report)
    print(f"Wrote the preset {args.out} (load it with tfgan_zoo.from_preset({str(args.out)!r})).")


def _cli(argv=None) -> int:
    """`python -m tfgan_zoo.pretrained.convert {pix2pix,cyclegan,stylegan2} CHECKPOINT [--out preset_dir |
    model.keras]`.

    For cyclegan, CHECKPOINT is a directory of the official files (latest_net_G_A.pth, latest_net_G_B.pth, optionally
    the D_A/D_B ones): the full model, written as a preset folder; or one generator .pth: a standalone network,
    written as a .keras or .weights.h5 file (or, with --out a folder, a cyclegan preset with that generator as
    a_to_b). For stylegan2 the checkpoint is the .npz of the official Gs network's variables (see
    `tfgan_zoo.models.stylegan2.stylegan2_convert`), with `--discriminator D.npz` optionally. For stargan it is the
    official `models/` folder (the highest `<iters>-G.ckpt` / `-D.ckpt`) or one `-G.ckpt`."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m tfgan_zoo.pretrained.convert", description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=("pix2pix", "cyclegan", "stylegan2", "stargan"))
    p.add_argument("checkpoint")
    p.add_argument("--out", default=None,
                   help="a preset folder to write; cyclegan from one generator .pth: a .keras or .weights.h5 file")
    p.add_argument("--discriminator", default=None, help="stylegan2: the official D's variables (.npz)")
    p.add_argument("--image-size", type=int, default=256, help="cyclegan preset: the model's image size (256)")
    p.add_argument("--lenient", action="store_true", help="convert even if keys are unused/missing (see the report)")
    args = p.parse_args(argv)
    source = Path(args.checkpoint)
    standalone = (args.kind == "cyclegan" and not source.is_dir()
                  and not (args.out and not args.out.endswith((".keras", ".h5"))))
    try:
        if standalone:
            model = cyclegan_generator_from_pytorch(args.checkpoint, strict=not args.lenient)
            if args.out:
                (model.save if args.out.endswith(".keras") else model.save_weights)(args.out)
        else:
            if args.kind == "pix2pix":
                model = pix2pix_from_pytorch(args.checkpoint, strict=not args.lenient)
                origin = "junyanz/pytorch-CycleGAN-and-pix2pix"
            elif args.kind == "cyclegan":
                model = cyclegan_from_pytorch(args.checkpoint, strict=not args.lenient, image_size=args.image_size)
                origin = "junyanz/pytorch-CycleGAN-and-pix2pix"
            elif args.kind == "stargan":  # the official models/ folder (<iters>-G.ckpt, -D.ckpt) or one -G.ckpt
                from tfgan_zoo.models.stargan.stargan_convert import stargan_from_pytorch

                model = stargan_from_pytorch(args.checkpoint, strict=not args.lenient)
                origin = "yunjey/stargan"
            else:
                from tfgan_zoo.models.stylegan2.stylegan2_convert import stylegan2_from_official

                model = stylegan2_from_official(args.checkpoint, discriminator=args.discriminator,
                                                strict=not args.lenient)
                origin = "NVlabs/stylegan2"
            if args.out:
                from tfgan_zoo.pretrained.presets import save_to_preset

                save_to_preset(model, args.out, metadata={"converted_from": source.name, "source": origin})
    except (ConversionError, UnsafeCheckpointError, FileNotFoundError, ValueError) as e:
        print(f"convert: error: {e}")
        return 2
    print(model.conversion_report)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_cli())
