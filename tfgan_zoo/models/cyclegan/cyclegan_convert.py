"""Official PyTorch CycleGAN checkpoints (junyanz/pytorch-CycleGAN-and-pix2pix) → the zoo's `cyclegan`.

    model = cyclegan_from_pytorch("checkpoints/horse2zebra")       # latest_net_{G_A,G_B,D_A,D_B}.pth
    model = cyclegan_from_pytorch({"G_A": "a.pth", "G_B": "b.pth"})  # explicit files (D_A, D_B optional)
    model = cyclegan_from_pytorch("horse2zebra_pretrained")         # a release: latest_net_G.pth only
    print(model.conversion_report)
    g = cyclegan_generator_from_pytorch("horse2zebra/latest_net_G.pth")  # one standalone Keras generator

Official names → the zoo's: `netG_A` (A → B) is `model.generator.a_to_b`, `netG_B` is `generator.b_to_a`;
`netD_A` judges the outputs of G_A, i.e. images of B, so it is `model.discriminator_b`, and `netD_B` is
`model.discriminator_a`.

The `.pth` files are read without torch and without running pickled code (`torch_checkpoint.load_torch_state_dict`).
Architecture (residual blocks, ngf, ndf, discriminator layers, channels, norm, affine instance norm) is read from the
keys and shapes; two generators (or discriminators) of different architectures are an error naming both files.

Key layouts (official `networks.py`):

* `ResnetGenerator`: `model.1` 7×7 conv, `model.2` norm, `model.4`/`.5` and `model.7`/`.8` the strided convs and
  norms, `model.{10+b}.conv_block.{1,2,5,6}` (conv, norm, conv, norm; `{1,2,6,7}` when trained with dropout, which
  is off at inference), `model.{10+n}`/`{11+n}` and `model.{13+n}`/`{14+n}` the transposed convs and norms,
  `model.{17+n}` the 7×7 output conv.
* `NLayerDiscriminator(n_layers)`: `model.0` conv (always with a bias), then for k = 0 … n−1 a conv `model.{3k+2}`
  and its norm `model.{3k+3}` (strided except the last), and the final 1-channel conv `model.{3n+2}`.
  Convolutions followed by a norm have a bias only with instance norm (`use_bias = norm == InstanceNorm2d`).

Instance norm is `InstanceNorm2d(affine=False)` by default: no parameters, and the zoo's layers have none either.
A checkpoint trained with affine instance norm carries `weight`/`bias` for each norm; it is converted into networks
built with `affine=True` (never dropped). Running statistics of old PyTorch instance norms are ignored (the official
code deletes them on load).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport, MultiNetworkConversionReport
from tfgan_zoo.utils.torch_checkpoint import load_torch_state_dict
from tfgan_zoo.utils.torch_mapping import TorchStateMapper as _Mapper
from tfgan_zoo.utils.torch_mapping import norm_kind as _norm_kind
from tfgan_zoo.utils.torch_mapping import strip_module_prefix as _strip_prefix

__all__ = ["CycleGANConversionReport", "cyclegan_from_pytorch", "cyclegan_generator_from_pytorch"]

#: official network name → (zoo attribute path, role)
NETWORKS = {
    "G_A": ("generator.a_to_b", "generator"),
    "G_B": ("generator.b_to_a", "generator"),
    "D_A": ("discriminator_b", "discriminator"),
    "D_B": ("discriminator_a", "discriminator"),
}
#: CycleGAN's constructor argument for affine instance norm (see `cyclegan_from_pytorch`).


# ------------------------------------------------------------------------------------------------ generator
def _affine(state: dict, norm_key: str, norm: str) -> bool:
    return norm == "instance" and f"{norm_key}.weight" in state


def read_resnet_generator(state: dict, source="") -> dict:
    """The official ResnetGenerator's architecture, from a state dict's keys and shapes."""
    w = state.get("model.1.weight")
    if w is None or w.ndim != 4 or w.shape[2] != 7:
        hint = (" It looks like an NLayerDiscriminator (PatchGAN) checkpoint." if "model.0.weight" in state
                else " For a pix2pix U-Net use pix2pix_from_pytorch()." if "model.model.0.weight" in state else "")
        raise ConversionError(
            f"{source or 'The checkpoint'} is not an official ResNet generator state dict: no 7×7 convolution "
            f"'model.1.weight'. First keys: {list(state)[:5]}.{hint}")
    blocks = sorted({int(m.group(1)) for k in state if (m := re.match(r"model\.(\d+)\.conv_block\.", k))})
    n_blocks = len(blocks)
    if blocks != list(range(10, 10 + n_blocks)):
        raise ConversionError(f"{source}: residual blocks at unexpected positions {blocks} (expected model.10 … "
                              f"model.{9 + n_blocks}).")
    second = 6 if n_blocks and state.get("model.10.conv_block.6.weight", np.zeros(0)).ndim == 4 else 5
    final = f"model.{17 + n_blocks}"
    if f"{final}.weight" not in state:
        raise ConversionError(f"{source}: no final 7×7 convolution {final}.weight after {n_blocks} residual blocks.")
    norm = _norm_kind(state, "model.2")
    return dict(n_blocks=n_blocks, ngf=int(w.shape[0]), in_channels=int(w.shape[1]),
                out_channels=int(state[f"{final}.weight"].shape[0]), norm=norm, affine=_affine(state, "model.2", norm),
                dropout=second == 6)


def _describe_generator(spec) -> str:
    norm = f"{'affine ' if spec['affine'] else ''}{spec['norm']} norm"
    return (f"resnet_{spec['n_blocks']}blocks (ngf={spec['ngf']}, {spec['in_channels']}→{spec['out_channels']} "
            f"channels, {norm}{', dropout' if spec['dropout'] else ''})")


def map_resnet_generator(mapper: _Mapper, spec: dict):
    """Maps the official ResnetGenerator's keys onto `build_resnet_generator`'s layers."""
    norm, n = spec["norm"], spec["n_blocks"]
    second = 6 if spec["dropout"] else 5
    mapper.conv("model.1", "conv_in")
    mapper.norm("model.2", "norm_in", norm)
    for i, (conv, nrm) in enumerate(((4, 5), (7, 8))):
        mapper.conv(f"model.{conv}", f"down{i + 1}_conv")
        mapper.norm(f"model.{nrm}", f"down{i + 1}_norm", norm)
    for b in range(n):
        key = f"model.{10 + b}.conv_block"
        mapper.conv(f"{key}.1", f"block{b + 1}_conv1")
        mapper.norm(f"{key}.2", f"block{b + 1}_norm1", norm)
        mapper.conv(f"{key}.{second}", f"block{b + 1}_conv2")
        mapper.norm(f"{key}.{second + 1}", f"block{b + 1}_norm2", norm)
    up = 10 + n
    for i, (conv, nrm) in enumerate(((up, up + 1), (up + 3, up + 4))):
        mapper.conv(f"model.{conv}", f"up{i + 1}_conv", transposed=True)
        mapper.norm(f"model.{nrm}", f"up{i + 1}_norm", norm)
    mapper.conv(f"model.{up + 7}", "conv_out")


def cyclegan_generator_from_pytorch(path, strict: bool = True, image_size: int | None = None):
    """Converts one official CycleGAN ResNet generator checkpoint (`resnet_9blocks`/`resnet_6blocks`) into a
    standalone Keras network.

    Args:
        path: the `.pth` state dict (e.g. `horse2zebra/latest_net_G.pth`).
        strict: raise `ConversionError` if keys are unused or missing or shapes differ.
        image_size: fix the input size (None: any size divisible by 4).

    Returns:
        A functional Keras model images `[N, H, W, C]` in [-1, 1] → translated images in [-1, 1] (built with
        `affine=True` when the checkpoint's instance norms have weights); `model.conversion_report` is the
        `ConversionReport`. For the full two-way model use `cyclegan_from_pytorch`.
    """
    from tfgan_zoo.models.cyclegan.cyclegan_networks import build_resnet_generator

    state = _strip_prefix(load_torch_state_dict(path))
    spec = read_resnet_generator(state, str(path))
    report = ConversionReport(str(path), _describe_generator(spec))
    model = build_resnet_generator(spec["in_channels"], spec["out_channels"], spec["ngf"], spec["n_blocks"],
                                   spec["norm"], image_size, affine=spec["affine"])
    mapper = _Mapper(state, model, report)
    map_resnet_generator(mapper, spec)
    model.conversion_report = mapper.finish(strict)
    return model


# ------------------------------------------------------------------------------------------------ discriminator
def read_patch_discriminator(state: dict, source="") -> dict:
    """The official NLayerDiscriminator's architecture, from a state dict's keys and shapes."""
    w = state.get("model.0.weight")
    if w is None or w.ndim != 4 or w.shape[2] != 4:
        hint = " It looks like a ResNet generator checkpoint." if "model.1.weight" in state else ""
        raise ConversionError(
            f"{source or 'The checkpoint'} is not an official NLayerDiscriminator state dict: no 4×4 convolution "
            f"'model.0.weight'. First keys: {list(state)[:5]}.{hint}")
    convs = sorted(int(m.group(1)) for k, v in state.items()
                   if (m := re.fullmatch(r"model\.(\d+)\.weight", k)) and np.ndim(v) == 4)
    n_layers = (convs[-1] - 2) // 3
    expected = [0] + [3 * k + 2 for k in range(n_layers + 1)]
    if n_layers < 1 or convs != expected:
        raise ConversionError(f"{source}: convolutions at model.{convs} do not follow the NLayerDiscriminator "
                              f"layout model.0, model.2, model.5, … model.3n+2.")
    norm = _norm_kind(state, "model.3")
    return dict(n_layers=n_layers, ndf=int(w.shape[0]), channels=int(w.shape[1]), norm=norm,
                affine=_affine(state, "model.3", norm))


def _describe_discriminator(spec) -> str:
    return (f"NLayerDiscriminator (n_layers={spec['n_layers']}, ndf={spec['ndf']}, {spec['channels']} channels, "
            f"{'affine ' if spec['affine'] else ''}{spec['norm']} norm)")


def map_patch_discriminator(mapper: _Mapper, spec: dict):
    """Maps NLayerDiscriminator's keys onto `build_image_patch_discriminator`'s layers."""
    mapper.conv("model.0", "conv1")
    for k in range(spec["n_layers"]):
        mapper.conv(f"model.{3 * k + 2}", f"conv{k + 2}")
        mapper.norm(f"model.{3 * k + 3}", f"conv{k + 2}_norm", spec["norm"])
    mapper.conv(f"model.{3 * spec['n_layers'] + 2}", "logits_conv")


# ------------------------------------------------------------------------------------------------ the full model
@dataclasses.dataclass
class CycleGANConversionReport(MultiNetworkConversionReport):
    """The report of a CycleGAN conversion over G_A, G_B, D_A, D_B (see `MultiNetworkConversionReport`)."""

    model: str = "cyclegan"

    def label(self, official):
        return f"{official} → {NETWORKS[official][0]}"


_FILE = re.compile(r"(latest|\d+)_net_(G_A|G_B|D_A|D_B|G|D)\.pth")


def _find_files(directory: Path) -> tuple[dict, str]:
    found = {}
    for f in directory.iterdir():
        if m := _FILE.fullmatch(f.name):
            found.setdefault(m.group(1), {})[m.group(2)] = f
    tags = [t for t, nets in found.items() if {"G_A", "G_B", "G"} & set(nets)]
    if not tags:
        raise FileNotFoundError(
            f"No official CycleGAN generator checkpoint in {directory} (expected latest_net_G_A.pth / "
            f"latest_net_G_B.pth, <epoch>_net_G_A.pth, or a release's latest_net_G.pth).")
    epochs = sorted(int(t) for t in tags if t != "latest")
    tag = "latest" if "latest" in tags else str(epochs[-1])
    files = found[tag]
    if "G" in files and not {"G_A", "G_B"} & set(files):
        files = {"G_A": files["G"], **({"D_A": files["D"]} if "D" in files else {})}  # test-mode release
    others = sorted(t for t in found if t != tag)
    why = ("'latest' checkpoints" if tag == "latest" else f"epoch {tag}, the highest") + (
        f"; also present: {', '.join(others)}" if others else "")
    return {k: v for k, v in files.items() if k in NETWORKS}, why


def _resolve(checkpoint_dir_or_files) -> tuple[dict, str, str]:
    """{official name: path}, the source's description, which checkpoint was chosen."""
    if isinstance(checkpoint_dir_or_files, dict):
        files = dict(checkpoint_dir_or_files)
        for single, official in (("G", "G_A"), ("D", "D_A")):  # a release's single network judges/makes B
            if single in files and official not in files:
                files[official] = files.pop(single)
        bad = sorted(set(files) - set(NETWORKS))
        if bad:
            raise ValueError(f"Unknown network names {bad}: expected some of {sorted(NETWORKS)} (or G for a release).")
        files = {k: Path(v) for k, v in files.items() if v is not None}
        return files, ", ".join(f"{k}={v.name}" for k, v in files.items()), "explicit files"
    path = Path(checkpoint_dir_or_files)
    if path.is_dir():
        files, why = _find_files(path)
        return files, str(path), why
    if not path.exists():
        raise FileNotFoundError(f"No such checkpoint file or directory: {path}")
    return {"G_A": path}, str(path), "a single generator file"


def _compare(specs: dict, a: str, b: str, files: dict, what: str):
    if a in specs and b in specs and specs[a] != specs[b]:
        diff = {k: (specs[a][k], specs[b][k]) for k in specs[a] if specs[a][k] != specs[b][k]}
        raise ConversionError(f"The {what}s differ: {a} ({files[a]}) and {b} ({files[b]}) have different "
                              f"architectures ({', '.join(f'{k}: {x} vs {y}' for k, (x, y) in diff.items())}).")


def cyclegan_from_pytorch(checkpoint_dir_or_files, strict: bool = True, image_size: int = 256, **model_kwargs):
    """Converts official CycleGAN checkpoints into the zoo's `cyclegan` model.

    Args:
        checkpoint_dir_or_files: a directory holding the official files (`latest_net_G_A.pth`, `latest_net_G_B.pth`,
            optionally `latest_net_D_A.pth`, `latest_net_D_B.pth`; without `latest_*`, the highest
            `<epoch>_net_*.pth`), a release directory or file with one generator (`latest_net_G.pth`: converted into
            `a_to_b`), or a dict `{"G_A": path, "G_B": path, "D_A": path, "D_B": path}` (any subset with a generator).
        strict: raise `ConversionError` if a converted network's keys are unused or missing or shapes differ.
            Networks without a checkpoint are not an error: they keep their initialisation and the report says so.
        image_size: the model's fixed input size (the official networks are fully convolutional; 256 in the paper).
        **model_kwargs: other `cyclegan` arguments (losses, optimizer); those of the architecture come from the files.

    Returns:
        A `CycleGAN` with the checkpoints' weights; `model.conversion_report` is a `CycleGANConversionReport`.
    """
    from tfgan_zoo.models.cyclegan.cyclegan_gan import CycleGAN

    files, source, chosen = _resolve(checkpoint_dir_or_files)
    if not {"G_A", "G_B"} & set(files):
        raise ConversionError(f"No generator among the checkpoints {sorted(files)} of {source}.")
    states, specs = {}, {}
    for name, path in files.items():
        states[name] = _strip_prefix(load_torch_state_dict(path))
        reader = read_resnet_generator if NETWORKS[name][1] == "generator" else read_patch_discriminator
        specs[name] = reader(states[name], f"{name} ({path})")
    _compare(specs, "G_A", "G_B", files, "generator")
    _compare(specs, "D_A", "D_B", files, "discriminator")
    g = specs.get("G_A") or specs["G_B"]
    d = specs.get("D_A") or specs.get("D_B")
    if g["in_channels"] != g["out_channels"]:
        raise ConversionError(f"The generators map {g['in_channels']} to {g['out_channels']} channels; the zoo's "
                              "cyclegan has one channel count for both domains.")
    g_name = "G_A" if "G_A" in specs else "G_B"
    if d is not None:
        d_name = "D_A" if "D_A" in specs else "D_B"
        for key, g_key in (("channels", "in_channels"), ("norm", "norm"), ("affine", "affine")):
            if d[key] != g[g_key]:
                raise ConversionError(f"{g_name} ({files[g_name]}) and {d_name} ({files[d_name]}) disagree on "
                                      f"{key}: {g[g_key]} vs {d[key]}; the zoo's cyclegan has one for all networks.")
    kwargs = dict(image_size=image_size, channels=g["in_channels"], g_base_filters=g["ngf"], n_blocks=g["n_blocks"],
                  normalization_kind=g["norm"])
    if d is not None:
        kwargs.update(d_base_filters=d["ndf"], d_layers=d["n_layers"])
    architecture = _describe_generator(g) + (f"; {_describe_discriminator(d)}" if d else "")
    report = CycleGANConversionReport(source, architecture, checkpoint=chosen)
    if g["affine"]:
        kwargs["instance_norm_affine"] = True
    clash = {k: v for k, v in model_kwargs.items() if k in kwargs and kwargs[k] != v}
    if clash:
        raise ConversionError(f"{clash} contradict the checkpoints' architecture ({kwargs}).", report)
    model = CycleGAN(**{**model_kwargs, **kwargs})

    for name, (attr, role) in NETWORKS.items():
        zoo_name = attr.replace(".", "_")
        if name not in files:
            other = {"G_A": "G_B", "G_B": "G_A", "D_A": "D_B", "D_B": "D_A"}[name]
            report.not_converted[name] = (
                "no checkpoint" + (" (a single-direction release)" if role == "generator" and other in files else ""))
            continue
        network = model
        for part in attr.split("."):
            network = getattr(network, part)
        describe = _describe_generator if role == "generator" else _describe_discriminator
        sub = ConversionReport(str(files[name]), describe(specs[name]))
        mapper = _Mapper(states[name], network, sub)
        (map_resnet_generator if role == "generator" else map_patch_discriminator)(mapper, specs[name])
        report.add(name, zoo_name, mapper.finish(strict=False))
    report.mapped.sort()
    if strict and not report.ok:
        raise ConversionError(
            "The checkpoints do not map cleanly onto the zoo's cyclegan (pass strict=False to load them anyway):\n"
            + str(report), report)
    model.conversion_report = report
    return model
