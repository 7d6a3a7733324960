"""Official StarGAN checkpoints (yunjey/stargan) → the zoo's `stargan`.

    model = stargan_from_pytorch("stargan_celeba_128/models")          # the highest <iters>-G.ckpt / -D.ckpt
    model = stargan_from_pytorch("models", iteration=200000)
    model = stargan_from_pytorch({"G": "200000-G.ckpt", "D": "200000-D.ckpt"})
    print(model.conversion_report)

The `.ckpt` files are `torch.save(model.state_dict())` files, read without torch and without running pickled code
(`torch_checkpoint.load_torch_state_dict`). The architecture (conv_dim, residual blocks, D layers, label sizes,
image size from D_cls's kernel) is read from the keys and shapes. Key layouts (official `model.py`):

* `Generator`: `main.0` 7×7 conv, `main.1` InstanceNorm2d(affine, track_running_stats); `main.3`/`.4` and
  `main.6`/`.7` the strided convs and norms; `main.{9+b}.main.{0,1,3,4}` residual block b (conv, norm, conv,
  norm); `main.{9+R}`/`{10+R}` and `main.{12+R}`/`{13+R}` the transposed convs and norms; `main.{15+R}` the 7×7
  output conv. No convolution has a bias.
* `Discriminator`: `main.{2i}` (weight, bias) for the `repeat_num` strided convs, `conv1.weight` (D_src, 3×3) and
  `conv2.weight` (D_cls, kernel image_size / 2^repeat_num).

The instance norms' running statistics (`running_mean`, `running_var`, `num_batches_tracked`) are reported as
ignored: the official code never switches the networks to eval mode, so it normalises with each image's own
statistics at test time as in training, which is what the zoo's layers do.

The label layout is not in the files: `attribute_names` (and for a two-dataset `Both` model `dataset_sizes`,
`dataset_kinds`) give it. Defaults: the paper's five CelebA attributes for a 5-label model; for a model whose G takes
two more labels than D classifies (the mask vector), CelebA's block then RaFD's eight expressions (one-hot), as the
official `--dataset Both`.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport, MultiNetworkConversionReport
from tfgan_zoo.utils.torch_checkpoint import load_torch_state_dict
from tfgan_zoo.utils.torch_mapping import TorchStateMapper as _Mapper
from tfgan_zoo.utils.torch_mapping import strip_module_prefix as _strip_prefix

__all__ = ["StarGANConversionReport", "stargan_from_pytorch"]

#: RaFD's expressions in the order of the official ImageFolder (class folders sorted by name).
RAFD_EXPRESSIONS = ("angry", "contemptuous", "disgusted", "fearful", "happy", "neutral", "sad", "surprised")
RUNNING_STATS = ("InstanceNorm2d(track_running_stats=True) statistics: the official code never calls .eval(), so it "
                 "normalises with per-image statistics at test time too (as the zoo's layers do)")


def read_generator(state: dict, source="") -> dict:
    w = state.get("main.0.weight")
    if w is None or w.ndim != 4 or w.shape[2] != 7:
        hint = " It looks like a StarGAN discriminator (-D.ckpt)." if "conv2.weight" in state else ""
        raise ConversionError(f"{source or 'The checkpoint'} is not an official StarGAN generator state dict: no 7×7 "
                              f"convolution 'main.0.weight'. First keys: {list(state)[:5]}.{hint}")
    blocks = sorted({int(m.group(1)) for k in state if (m := re.match(r"main\.(\d+)\.main\.", k))})
    n = len(blocks)
    if blocks != list(range(9, 9 + n)):
        raise ConversionError(f"{source}: residual blocks at unexpected positions {blocks} (expected main.9 … "
                              f"main.{8 + n}).")
    final = state.get(f"main.{15 + n}.weight")
    if final is None:
        raise ConversionError(f"{source}: no output convolution main.{15 + n}.weight after {n} residual blocks.")
    channels = int(final.shape[0])
    return dict(conv_dim=int(w.shape[0]), repeat_num=n, channels=channels, label_dim=int(w.shape[1]) - channels)


def read_discriminator(state: dict, source="") -> dict:
    cls = state.get("conv2.weight")
    if cls is None or "conv1.weight" not in state or "main.0.weight" not in state:
        hint = " It looks like a StarGAN generator (-G.ckpt)." if "main.1.weight" in state else ""
        raise ConversionError(f"{source or 'The checkpoint'} is not an official StarGAN discriminator state dict "
                              f"(main.0, conv1, conv2). First keys: {list(state)[:5]}.{hint}")
    convs = sorted(int(m.group(1)) for k in state if (m := re.fullmatch(r"main\.(\d+)\.weight", k)))
    repeat = len(convs)
    if convs != [2 * i for i in range(repeat)]:
        raise ConversionError(f"{source}: convolutions at main.{convs}; expected main.0, main.2, … "
                              f"main.{2 * repeat - 2}.")
    return dict(conv_dim=int(state["main.0.weight"].shape[0]), repeat_num=repeat,
                channels=int(state["main.0.weight"].shape[1]), num_attributes=int(cls.shape[0]),
                image_size=int(cls.shape[2]) * 2**repeat)


def map_generator(mapper: _Mapper, spec: dict):
    def norm(key, layer):
        mapper.norm(key, layer, "instance")

    mapper.conv("main.0", "conv_in")
    norm("main.1", "norm_in")
    for i, (conv, nrm) in enumerate(((3, 4), (6, 7))):
        mapper.conv(f"main.{conv}", f"down{i + 1}_conv")
        norm(f"main.{nrm}", f"down{i + 1}_norm")
    n = spec["repeat_num"]
    for b in range(n):
        key = f"main.{9 + b}.main"
        mapper.conv(f"{key}.0", f"block{b + 1}_conv1")
        norm(f"{key}.1", f"block{b + 1}_norm1")
        mapper.conv(f"{key}.3", f"block{b + 1}_conv2")
        norm(f"{key}.4", f"block{b + 1}_norm2")
    for i, (conv, nrm) in enumerate(((9 + n, 10 + n), (12 + n, 13 + n))):
        mapper.conv(f"main.{conv}", f"up{i + 1}_conv", transposed=True)
        norm(f"main.{nrm}", f"up{i + 1}_norm")
    mapper.conv(f"main.{15 + n}", "conv_out")


def map_discriminator(mapper: _Mapper, spec: dict):
    for i in range(spec["repeat_num"]):
        mapper.conv(f"main.{2 * i}", f"conv{i + 1}")
    mapper.conv("conv1", "src_conv")
    mapper.conv("conv2", "cls_conv")


@dataclasses.dataclass
class StarGANConversionReport(MultiNetworkConversionReport):
    """The report of a StarGAN conversion over G and D (see `MultiNetworkConversionReport`)."""

    model: str = "stargan"


_FILE = re.compile(r"(\d+)-(G|D)\.ckpt")


def _resolve(checkpoint, iteration) -> tuple[dict, str, str]:
    if isinstance(checkpoint, dict):
        bad = sorted(set(checkpoint) - {"G", "D"})
        if bad or "G" not in checkpoint:
            raise ValueError(f"Give the official files as {{'G': path, 'D': path}} (D optional); got keys "
                             f"{sorted(checkpoint)}.")
        files = {k: Path(v) for k, v in checkpoint.items() if v is not None}
        return files, ", ".join(f"{k}={v.name}" for k, v in files.items()), "explicit files"
    path = Path(checkpoint)
    if path.is_dir():
        found = {}
        for f in path.iterdir():
            if m := _FILE.fullmatch(f.name):
                found.setdefault(int(m.group(1)), {})[m.group(2)] = f
        with_g = sorted(i for i, nets in found.items() if "G" in nets)
        if not with_g:
            raise FileNotFoundError(f"No official StarGAN generator checkpoint (<iterations>-G.ckpt) in {path}.")
        if iteration is None:
            iteration = with_g[-1]
        elif iteration not in with_g:
            raise FileNotFoundError(f"No {iteration}-G.ckpt in {path}; iterations present: {with_g}.")
        return found[iteration], str(path), f"iteration {iteration}" + (
            f" of {with_g}" if len(with_g) > 1 else "")
    if not path.exists():
        raise FileNotFoundError(f"No such checkpoint file or directory: {path}")
    return {"G": path}, str(path), "a single generator file"


def _label_layout(label_dim, num_attributes, attribute_names, dataset_sizes, dataset_kinds, source):
    if attribute_names is not None:
        names = list(attribute_names)
    elif label_dim == num_attributes:
        from tfgan_zoo.models.stargan.stargan_gan import CELEBA_ATTRIBUTES

        names = list(CELEBA_ATTRIBUTES) if num_attributes == 5 else [f"attribute_{i}" for i in range(num_attributes)]
    elif label_dim == num_attributes + 2 and num_attributes > len(RAFD_EXPRESSIONS):
        from tfgan_zoo.models.stargan.stargan_gan import CELEBA_ATTRIBUTES

        first = num_attributes - len(RAFD_EXPRESSIONS)
        names = (list(CELEBA_ATTRIBUTES) if first == 5 else [f"attribute_{i}" for i in range(first)])
        names += list(RAFD_EXPRESSIONS)
        dataset_sizes = dataset_sizes or [first, len(RAFD_EXPRESSIONS)]
        dataset_kinds = dataset_kinds or ["multi_label", "one_hot"]
    else:
        raise ConversionError(f"{source}: G takes {label_dim} labels and D classifies {num_attributes}; pass "
                              "attribute_names (and dataset_sizes / dataset_kinds for several datasets).")
    return names, dataset_sizes, dataset_kinds


def stargan_from_pytorch(checkpoint, iteration: int | None = None, strict: bool = True, image_size: int | None = None,
                         attribute_names=None, dataset_sizes=None, dataset_kinds=None, **model_kwargs):
    """Converts official StarGAN checkpoints into the zoo's `stargan` model.

    Args:
        checkpoint: the official `models/` directory (`<iterations>-G.ckpt`, `<iterations>-D.ckpt`; the highest
            iteration unless `iteration` is given), a single `-G.ckpt` file, or `{"G": path, "D": path}`.
        iteration: which iteration of a directory to load.
        strict: raise `ConversionError` if keys are unused or missing or shapes differ (a missing D is reported, not
            an error).
        image_size: the model's input size; read from D_cls's kernel when D is given (128 without D).
        attribute_names, dataset_sizes, dataset_kinds: the label layout (see the module docstring for defaults).
        **model_kwargs: other `stargan` arguments (loss weights, optimizer); the architecture comes from the files.

    Returns:
        A `StarGAN` with the checkpoints' weights; `model.conversion_report` is a `StarGANConversionReport`.
    """
    from tfgan_zoo.models.stargan.stargan_gan import StarGAN

    files, source, chosen = _resolve(checkpoint, iteration)
    states = {k: _strip_prefix(load_torch_state_dict(p)) for k, p in files.items()}
    g = read_generator(states["G"], f"G ({files['G']})")
    d = read_discriminator(states["D"], f"D ({files['D']})") if "D" in states else None
    if d is not None:
        if d["channels"] != g["channels"]:
            raise ConversionError(f"G makes {g['channels']}-channel images but D reads {d['channels']} channels.")
        if image_size is not None and image_size != d["image_size"]:
            raise ConversionError(f"image_size={image_size} contradicts D_cls's kernel, which fixes {d['image_size']}.")
        image_size = d["image_size"]
        num_attributes = d["num_attributes"]
    else:
        image_size = image_size or 128
        num_attributes = g["label_dim"] if attribute_names is None else sum(dataset_sizes or [len(attribute_names)])
    names, sizes, kinds = _label_layout(g["label_dim"], num_attributes, attribute_names, dataset_sizes,
                                        dataset_kinds, source)
    kwargs = dict(image_size=image_size, channels=g["channels"], attribute_names=names, dataset_sizes=sizes,
                  dataset_kinds=kinds, g_conv_dim=g["conv_dim"], g_repeat_num=g["repeat_num"])
    if d is not None:
        kwargs.update(d_conv_dim=d["conv_dim"], d_repeat_num=d["repeat_num"])
    clash = {k: v for k, v in model_kwargs.items() if k in kwargs and kwargs[k] != v}
    if clash:
        raise ConversionError(f"{clash} contradict the checkpoints' architecture ({kwargs}).")
    model = StarGAN(**{**model_kwargs, **kwargs})
    if model.label_dim != g["label_dim"]:
        raise ConversionError(f"The label layout {names} / {sizes} gives G {model.label_dim} label channels; the "
                              f"checkpoint's G takes {g['label_dim']}.")
    architecture = (f"G conv_dim={g['conv_dim']}, {g['repeat_num']} residual blocks, {g['label_dim']} label channels"
                    + (f"; D conv_dim={d['conv_dim']}, {d['repeat_num']} layers, {d['num_attributes']} classes, "
                       f"{image_size}²" if d else ""))
    report = StarGANConversionReport(source, architecture, checkpoint=chosen)
    for official, network, mapping in (("G", model.generator, map_generator),
                                       ("D", model.discriminator, map_discriminator)):
        if official not in states:
            report.not_converted[official] = "no checkpoint"
            continue
        sub = ConversionReport(str(files[official]), architecture)
        mapper = _Mapper(states[official], network, sub)
        mapping(mapper, g if official == "G" else d)
        sub = mapper.finish(strict=False)
        sub.ignored = [(k, RUNNING_STATS if "running" in r or "InstanceNorm" in r else r) for k, r in sub.ignored]
        report.add(official, network.name, sub)
    report.mapped.sort()
    if strict and not report.ok:
        raise ConversionError("The checkpoints do not map cleanly onto the zoo's stargan (pass strict=False to load "
                              "them anyway):\n" + str(report), report)
    model.conversion_report = report
    return model
