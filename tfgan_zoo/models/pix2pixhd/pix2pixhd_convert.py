"""Official pix2pixHD checkpoints (NVIDIA/pix2pixHD) → the zoo's `pix2pixhd`.

    model = pix2pixhd_from_pytorch("checkpoints/label2city_1024p")     # latest_net_G.pth (+ _D, _E if present)
    model = pix2pixhd_from_pytorch("latest_net_G.pth", discriminator="latest_net_D.pth", encoder="latest_net_E.pth")
    print(model.conversion_report)
    model.synthesize(labels, instances)

The `.pth` files are `torch.save(net.state_dict())`, read without torch and without running pickled code. The
architecture is read from the keys and shapes (official `models/networks.py`):

* `GlobalGenerator` (`--netG global`): `model.{i}` of one `nn.Sequential`: the 7×7 input conv at `model.1`, the
  n_downsample_global strided convs at `model.{4+3i}`, the ResnetBlocks at `model.{4+3n+b}.conv_block.{1,5}`, the
  transposed convs at `model.{4+3n+B+3i}` and the 7×7 output conv at `model.{5+6n+B}` (n downsamplings, B blocks).
* `LocalEnhancer` (`--netG local`): the same `model.*` for G1 (ngf·2^L filters, without its output layers), and per
  enhancer n `model{n}_1.{1,4}` (7×7 conv, strided conv) and `model{n}_2.{b}.conv_block.{1,5}`, `model{n}_2.{B_l}`
  (transposed conv) and, for the last one, `model{L}_2.{B_l+4}` (the output conv).
* `Encoder` (`latest_net_E.pth`, `--instance_feat` / `--label_feat`): `model.1`, `model.{4+3i}`, `model.{4+3n+3i}`,
  `model.{5+6n}`; its output channels are feat_num.
* `MultiscaleDiscriminator` (`latest_net_D.pth`): with `getIntermFeat` (the default, since the feature-matching loss
  is on) `scale{i}_layer{j}.0`; without it `layer{i}.{0, 2, 5, 8, …}`. The official forward feeds the full-resolution
  input to its *last* scale (`scale{num_D-1}`), the zoo's `scale0` is full resolution: official scale i → zoo scale
  num_D − 1 − i.

Every norm is InstanceNorm2d without affine parameters (`--norm instance`, the default): no keys. A checkpoint with
norm parameters (`--norm batch`) leaves them unused, which strict mode reports as an error.

What the keys do not say: G's input channels are label_nc + instance edge (1, unless `--no_instance`) + feat_num;
feat_num comes from the encoder when it is given, `use_instances` defaults to True (the official default; pass
`use_instances=False` for `--no_instance` models) and `num_classes` is the rest. The training resolution
(`image_size` = height, `aspect_ratio`) defaults to Cityscapes' 512×1024 for a global generator and 1024×2048 with a
local enhancer; the networks are fully convolutional, so the weights are the same at any size the model accepts.
The converted model has `perceptual_weight=0` unless given (VGG19's ImageNet weights are a local file here; pass
`perceptual_weight=10, perceptual_weights_path=...` to fine-tune with the paper's loss).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from tfgan_zoo.utils.conversion import ConversionError, MultiNetworkConversionReport, resolve_network_files
from tfgan_zoo.utils.torch_checkpoint import load_torch_state_dict
from tfgan_zoo.utils.torch_mapping import TorchStateMapper as _Mapper
from tfgan_zoo.utils.torch_mapping import strip_module_prefix as _strip_prefix

__all__ = ["Pix2PixHDConversionReport", "pix2pixhd_from_pytorch", "read_discriminator", "read_encoder",
           "read_generator"]


@dataclasses.dataclass
class Pix2PixHDConversionReport(MultiNetworkConversionReport):
    """The report of a pix2pixHD conversion over G, D and E (see `MultiNetworkConversionReport`)."""

    model: str = "pix2pixhd"


def _weight(state, key, source, what):
    w = state.get(f"{key}.weight")
    if w is None:
        raise ConversionError(f"{source}: no key '{key}.weight' ({what}); is this an official pix2pixHD "
                              f"checkpoint? First keys: {list(state)[:5]}.")
    return w


def _read_chain(state, prefix, source, blocks=True):
    """The conv/transposed-conv chain of `GlobalGenerator` / `Encoder` under `prefix` (`model.`): counts."""
    w_in = _weight(state, f"{prefix}1", source, "the 7×7 input convolution")
    if w_in.ndim != 4 or w_in.shape[2:] != (7, 7):
        raise ConversionError(f"{source}: '{prefix}1.weight' has shape {tuple(w_in.shape)}; expected the 7×7 input "
                              "convolution [ngf, input_nc, 7, 7].")
    n = 0
    while f"{prefix}{4 + 3 * n}.weight" in state and state[f"{prefix}{4 + 3 * n}.weight"].shape[2:] == (3, 3) \
            and int(state[f"{prefix}{4 + 3 * n}.weight"].shape[0]) == int(w_in.shape[0]) * 2 ** (n + 1):
        n += 1
    b = 0
    while blocks and f"{prefix}{4 + 3 * n + b}.conv_block.1.weight" in state:
        b += 1
    ups = 0
    while f"{prefix}{4 + 3 * n + b + 3 * ups}.weight" in state and ups < n:
        ups += 1
    if n == 0 or ups != n:
        raise ConversionError(f"{source}: found {n} downsampling and {ups} upsampling convolutions under "
                              f"'{prefix}'; the official network has as many of each (n_downsample ≥ 1).")
    return dict(ngf=int(w_in.shape[0]), input_nc=int(w_in.shape[1]), n_down=n, n_blocks=b,
                end=4 + 3 * n + b + 3 * n)


def read_generator(state: dict, source="G") -> dict:
    """Architecture of a `GlobalGenerator` / `LocalEnhancer` state dict."""
    if "model.1.weight" not in state and any(k.startswith(("scale", "layer")) for k in state):
        raise ConversionError(f"{source} looks like a pix2pixHD discriminator (latest_net_D.pth), not a generator.")
    g = _read_chain(state, "model.", source)
    locals_ = 0
    while f"model{locals_ + 1}_1.1.weight" in state:
        locals_ += 1
    spec = dict(ngf_global=g["ngf"], input_nc=g["input_nc"], n_downsample_global=g["n_down"],
                n_blocks_global=g["n_blocks"], n_local_enhancers=locals_, n_blocks_local=0)
    if not locals_:
        out = _weight(state, f"model.{g['end'] + 1}", source, "the 7×7 output convolution")
        spec.update(ngf=g["ngf"], output_nc=int(out.shape[0]), out_key=f"model.{g['end'] + 1}")
        return spec
    ngf = g["ngf"] // 2**locals_
    first = state[f"model{locals_}_1.1.weight"]
    if int(first.shape[0]) != ngf or ngf * 2**locals_ != g["ngf"]:
        raise ConversionError(f"{source}: G1 has {g['ngf']} filters, the finest local enhancer {first.shape[0]}; the "
                              f"official LocalEnhancer has ngf·2^{locals_} and ngf.")
    b = 0
    while f"model1_2.{b}.conv_block.1.weight" in state:
        b += 1
    out_key = f"model{locals_}_2.{b + 4}"
    out = _weight(state, out_key, source, "the local enhancer's 7×7 output convolution")
    spec.update(ngf=ngf, n_blocks_local=b, output_nc=int(out.shape[0]), out_key=out_key)
    return spec


def read_encoder(state: dict, source="E") -> dict:
    e = _read_chain(state, "model.", source, blocks=False)
    out = _weight(state, f"model.{e['end'] + 1}", source, "the encoder's 7×7 output convolution")
    return dict(nef=e["ngf"], input_nc=e["input_nc"], n_down=e["n_down"], feat_num=int(out.shape[0]),
                out_key=f"model.{e['end'] + 1}")


def read_discriminator(state: dict, source="D") -> dict:
    """Architecture of a `MultiscaleDiscriminator` state dict (with or without getIntermFeat)."""
    interm = sorted({(int(m.group(1)), int(m.group(2))) for k in state
                     if (m := re.match(r"scale(\d+)_layer(\d+)\.0\.weight$", k))})
    flat = sorted({(int(m.group(1)), int(m.group(2))) for k in state
                   if (m := re.match(r"layer(\d+)\.(\d+)\.weight$", k))})
    if interm:
        num_d = 1 + max(i for i, _ in interm)
        convs = {i: [f"scale{i}_layer{j}.0" for j in sorted(j for s, j in interm if s == i)] for i in range(num_d)}
    elif flat:
        num_d = 1 + max(i for i, _ in flat)
        convs = {i: [f"layer{i}.{j}" for j in sorted(j for s, j in flat if s == i)] for i in range(num_d)}
    else:
        hint = " It looks like a generator (latest_net_G.pth)." if "model.1.weight" in state else ""
        raise ConversionError(f"{source} is not an official pix2pixHD MultiscaleDiscriminator state dict (keys "
                              f"'scale{{i}}_layer{{j}}.0.weight' or 'layer{{i}}.{{j}}.weight'). First keys: "
                              f"{list(state)[:5]}.{hint}")
    n_convs = {len(c) for c in convs.values()}
    if len(n_convs) != 1 or min(n_convs) < 3:
        raise ConversionError(f"{source}: the scales have {sorted(len(c) for c in convs.values())} convolutions; "
                              "the official scales are equal, n_layers_D + 2 each.")
    if not interm:
        expected = [0] + [2 + 3 * k for k in range(min(n_convs) - 1)]
        for i, keys in convs.items():
            if [int(k.split(".")[1]) for k in keys] != expected:
                raise ConversionError(f"{source}: layer{i}'s convolutions sit at {keys}; expected indices {expected} "
                                      "(NLayerDiscriminator without getIntermFeat).")
    w0 = state[f"{convs[0][0]}.weight"]
    return dict(num_d=num_d, n_layers=min(n_convs) - 2, ndf=int(w0.shape[0]), input_nc=int(w0.shape[1]), convs=convs,
                interm=bool(interm))


def map_generator(mapper: _Mapper, spec: dict):
    p = "global"
    mapper.conv("model.1", f"{p}_conv_in")
    n, b = spec["n_downsample_global"], spec["n_blocks_global"]
    for i in range(n):
        mapper.conv(f"model.{4 + 3 * i}", f"{p}_down{i + 1}")
    for j in range(b):
        mapper.conv(f"model.{4 + 3 * n + j}.conv_block.1", f"{p}_block{j + 1}_conv1")
        mapper.conv(f"model.{4 + 3 * n + j}.conv_block.5", f"{p}_block{j + 1}_conv2")
    for i in range(n):
        mapper.conv(f"model.{4 + 3 * n + b + 3 * i}", f"{p}_up{i + 1}", transposed=True)
    L = spec["n_local_enhancers"]  # noqa: N806
    if not L:
        mapper.conv(spec["out_key"], "global_conv_out")
        return
    for m in range(1, L + 1):
        q, bl = f"local{m}", spec["n_blocks_local"]
        mapper.conv(f"model{m}_1.1", f"{q}_conv_in")
        mapper.conv(f"model{m}_1.4", f"{q}_down")
        for j in range(bl):
            mapper.conv(f"model{m}_2.{j}.conv_block.1", f"{q}_block{j + 1}_conv1")
            mapper.conv(f"model{m}_2.{j}.conv_block.5", f"{q}_block{j + 1}_conv2")
        mapper.conv(f"model{m}_2.{bl}", f"{q}_up", transposed=True)
    mapper.conv(spec["out_key"], f"local{L}_conv_out")


def map_encoder(mapper: _Mapper, spec: dict):
    n = spec["n_down"]
    mapper.conv("model.1", "enc_conv_in")
    for i in range(n):
        mapper.conv(f"model.{4 + 3 * i}", f"enc_down{i + 1}")
        mapper.conv(f"model.{4 + 3 * n + 3 * i}", f"enc_up{i + 1}", transposed=True)
    mapper.conv(spec["out_key"], "enc_conv_out")


def map_discriminator(mapper: _Mapper, spec: dict):
    num_d = spec["num_d"]
    for i, keys in spec["convs"].items():
        s = num_d - 1 - i  # the official forward runs scale num_D-1 on the full-resolution input
        for j, key in enumerate(keys[:-1]):
            mapper.conv(key, f"scale{s}_conv{j}")
        mapper.conv(keys[-1], f"scale{s}_logits")


def _resolve(checkpoint, discriminator, encoder, which_epoch):
    return resolve_network_files(checkpoint, discriminator, encoder, which_epoch, "pix2pixHD")


def pix2pixhd_from_pytorch(checkpoint, discriminator=None, encoder=None, strict: bool = True, image_size=None,
                           aspect_ratio: float = 2.0, use_instances: bool = True, which_epoch: str = "latest",
                           **model_kwargs):
    """Converts official pix2pixHD checkpoints into the zoo's `pix2pixhd`.

    Args:
        checkpoint: the checkpoint folder (`{which_epoch}_net_G.pth` and, when present, `_net_D.pth`, `_net_E.pth`)
            or the generator's `.pth`.
        discriminator, encoder: the D / E files (override the folder's).
        strict: raise `ConversionError` if keys are unused or missing or shapes differ.
        image_size, aspect_ratio: the model's height and width / height (default Cityscapes: 512 for a global
            generator, 1024 with a local enhancer; 2.0).
        use_instances: whether G's input has the instance edge channel (the official default; False for
            `--no_instance` models). num_classes is G's input channels minus it and feat_num (from E).
        **model_kwargs: other `pix2pixhd` arguments (loss weights, `n_clusters`, `feat_num` when E is not given).

    Returns:
        A `Pix2PixHD`; `model.conversion_report` is a `Pix2PixHDConversionReport`.
    """
    import tfgan_zoo

    files = _resolve(checkpoint, discriminator, encoder, which_epoch)
    states = {k: _strip_prefix(load_torch_state_dict(p)) for k, p in files.items()}
    g = read_generator(states["G"], f"G ({files['G']})")
    e = read_encoder(states["E"], f"E ({files['E']})") if "E" in states else None
    d = read_discriminator(states["D"], f"D ({files['D']})") if "D" in states else None
    feat_num = e["feat_num"] if e else int(model_kwargs.pop("feat_num", 0) or 0)
    if e and model_kwargs.get("feat_num", feat_num) != feat_num:
        raise ConversionError(f"feat_num={model_kwargs['feat_num']} contradicts the encoder's {feat_num} outputs.")
    model_kwargs.pop("feat_num", None)
    if feat_num and not use_instances:
        raise ConversionError("Instance-wise features (an encoder / feat_num) need the instance map: "
                              "use_instances=True.")
    num_classes = g["input_nc"] - int(use_instances) - feat_num
    if num_classes < 1:
        raise ConversionError(f"G takes {g['input_nc']} input channels: too few for {int(use_instances)} instance "
                              f"edge + {feat_num} feature channels and at least one label.")
    if e and e["input_nc"] != g["output_nc"]:
        raise ConversionError(f"E reads {e['input_nc']}-channel images but G makes {g['output_nc']} channels.")
    if d and d["input_nc"] != num_classes + int(use_instances) + g["output_nc"]:
        raise ConversionError(f"D reads {d['input_nc']} channels; G's layout gives {num_classes} labels + "
                              f"{int(use_instances)} instance edge + {g['output_nc']} image channels. Check "
                              "use_instances.")
    if image_size is None:
        image_size = 1024 if g["n_local_enhancers"] else 512
    kwargs = dict(num_classes=num_classes, image_size=int(image_size), aspect_ratio=float(aspect_ratio),
                  channels=g["output_nc"], use_instances=bool(use_instances), ngf=g["ngf"],
                  n_downsample_global=g["n_downsample_global"], n_blocks_global=g["n_blocks_global"],
                  n_local_enhancers=g["n_local_enhancers"], n_blocks_local=g["n_blocks_local"] or 3,
                  feat_num=feat_num)
    if e:
        kwargs.update(nef=e["nef"], n_downsample_encoder=e["n_down"])
    if d:
        kwargs.update(ndf=d["ndf"], n_layers_d=d["n_layers"], num_d=d["num_d"])
    clash = {k: v for k, v in model_kwargs.items() if k in kwargs and kwargs[k] != v}
    if clash:
        raise ConversionError(f"{clash} contradict the checkpoints' architecture ({kwargs}).")
    model_kwargs.setdefault("perceptual_weight", 0.0)
    model = tfgan_zoo.build_model("pix2pixhd", **{**model_kwargs, **kwargs})
    architecture = (f"{'local' if g['n_local_enhancers'] else 'global'} G ngf={g['ngf']}, "
                    f"{g['n_downsample_global']} downsamplings, {g['n_blocks_global']} blocks"
                    + (f", {g['n_local_enhancers']} local enhancer(s) with {g['n_blocks_local']} blocks"
                       if g["n_local_enhancers"] else "")
                    + f"; {num_classes} labels{' + instance edge' if use_instances else ''}"
                    + (f" + {feat_num} features; E nef={e['nef']}" if e else "")
                    + (f"; D {d['num_d']} scales, n_layers={d['n_layers']}, ndf={d['ndf']}" if d else ""))
    report = Pix2PixHDConversionReport(str(Path(checkpoint)), architecture,
                                       checkpoint=", ".join(f"{k}={p.name}" for k, p in files.items()))
    if model.perceptual_weight == 0.0:
        report.filled.append(("perceptual_weight", 0.0, "not in the checkpoint: VGG19's ImageNet weights are a local "
                              "file here; pass perceptual_weight=10 and perceptual_weights_path to fine-tune"))
    report.convert_networks((("G", model.generator, map_generator, g), ("D", model.discriminator, map_discriminator, d),
                             ("E", getattr(model, "encoder", None), map_encoder, e)), states, files, _Mapper, strict)
    model.conversion_report = report
    return model
