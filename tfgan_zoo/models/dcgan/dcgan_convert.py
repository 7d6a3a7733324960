"""pytorch/examples DCGAN checkpoints (`dcgan/main.py`: `netG_epoch_N.pth`, `netD_epoch_N.pth`) → the zoo's `dcgan`.

    model = dcgan_from_pytorch_examples("out/")                       # the highest epoch with a netG file
    model = dcgan_from_pytorch_examples("netG_epoch_24.pth", discriminator="netD_epoch_24.pth")
    print(model.conversion_report)
    model.generate(16, seed=0)

The files are `torch.save(net.state_dict())`, read without torch and without running pickled code
(`torch_checkpoint.load_torch_state_dict`). Official layout (`nz`, `ngf`, `ndf`, `nc`; 64×64 images):

* `Generator.main`: `0` ConvTranspose2d(nz, ngf·8, 4, 1, 0), then for each of `3, 6, 9` a ConvTranspose2d(·, ·/2, 4,
  2, 1) after the BatchNorm2d at `1, 4, 7, 10` (weight, bias, running_mean, running_var, num_batches_tracked) and
  ReLU, then `12` ConvTranspose2d(ngf, nc, 4, 2, 1) and Tanh. No convolution has a bias. The input is z of shape
  [N, nz, 1, 1] drawn from N(0, 1).
* `Discriminator.main`: `0` Conv2d(nc, ndf, 4, 2, 1) + LeakyReLU(0.2), then `2`, `5`, `8` Conv2d(·, ·2, 4, 2, 1) each
  followed by a BatchNorm2d (`3`, `6`, `9`), then `11` Conv2d(ndf·8, 1, 4, 1, 0) and Sigmoid.

The zoo's `dcgan` with `projection="conv", kernel_size=4` (its `dcgan_celeba_64` config) is this architecture:
`project` / `project_norm`, `up{i}_conv` / `up{i}_norm`, `to_image` in G; `down{i}_conv`, `down{i}_norm` (i ≥ 2),
`logit_conv` in D. PyTorch's ConvTranspose2d weight [in, out, kh, kw] becomes Keras' [kh, kw, out, in] (no flip:
both are the gradient of the same convolution), Conv2d's [out, in, kh, kw] becomes [kh, kw, in, out]; stride 2 with
`padding=1` and 4×4 kernels equals Keras' `"same"` (one row/column each side). The zoo's discriminator outputs the
logit: the official sigmoid output is `sigmoid(model.discriminator(x))`. The depth (and so the image size
4·2^(layers−1)) and the widths are read from the keys, so the 32×32 / 128×128 variants people make by adding or
removing a block also convert. BatchNorm runs in inference mode with the stored running statistics (eps 1e-5, as
PyTorch), i.e. the official `netG.eval()`; `num_batches_tracked` is reported as ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport, MultiNetworkConversionReport
from tfgan_zoo.utils.torch_checkpoint import load_torch_state_dict
from tfgan_zoo.utils.torch_mapping import TorchStateMapper, strip_module_prefix

__all__ = ["dcgan_from_pytorch_examples", "read_discriminator", "read_generator"]

_FILE = re.compile(r"net(G|D)_epoch_(\d+)\.pth")


def _conv_indices(state: dict) -> list[int]:
    return sorted(int(m.group(1)) for k in state if (m := re.fullmatch(r"main\.(\d+)\.weight", k))
                  and state[k].ndim == 4)


def read_generator(state: dict, source: str = "") -> dict:
    """nz, ngf, nc and the number of transposed convolutions of an official `netG` state dict."""
    convs = _conv_indices(state)
    n = len(convs)
    if n < 2 or convs != [3 * i for i in range(n)]:
        hint = " It looks like a discriminator (netD)." if convs[:2] == [0, 2] else ""
        raise ConversionError(
            f"{source or 'The checkpoint'} is not a pytorch/examples DCGAN generator state dict: expected "
            f"ConvTranspose2d weights at main.0, main.3, main.6, … (found 4-D weights at main.{convs}).{hint}")
    first, last = state["main.0.weight"], state[f"main.{convs[-1]}.weight"]
    spec = dict(nz=int(first.shape[0]), top=int(first.shape[1]), ngf=int(last.shape[0]), nc=int(last.shape[1]),
                layers=n, kernel=int(last.shape[2]))
    if spec["top"] != spec["ngf"] * 2 ** (n - 2):
        raise ConversionError(f"{source}: the first layer has {spec['top']} channels; a DCGAN generator with {n} "
                              f"layers and ngf={spec['ngf']} has ngf·2^{n - 2} = {spec['ngf'] * 2 ** (n - 2)}.")
    if tuple(first.shape[2:]) != (4, 4):
        raise ConversionError(f"{source}: main.0 is a {tuple(first.shape[2:])} transposed convolution; the DCGAN "
                              "projection is 4×4 from a 1×1 input.")
    return spec


def read_discriminator(state: dict, source: str = "") -> dict:
    """ndf, nc and the number of strided convolutions of an official `netD` state dict."""
    convs = _conv_indices(state)
    n = len(convs) - 1
    if n < 1 or convs != [0] + [3 * i - 1 for i in range(1, n + 1)]:
        hint = " It looks like a generator (netG)." if convs[:2] == [0, 3] else ""
        raise ConversionError(
            f"{source or 'The checkpoint'} is not a pytorch/examples DCGAN discriminator state dict: expected "
            f"Conv2d weights at main.0, main.2, main.5, main.8, … (found 4-D weights at main.{convs}).{hint}")
    first, last = state["main.0.weight"], state[f"main.{convs[-1]}.weight"]
    if tuple(last.shape[:1] + last.shape[2:]) != (1, 4, 4):
        raise ConversionError(f"{source}: the last convolution main.{convs[-1]} has shape {tuple(last.shape)}; the "
                              "DCGAN discriminator ends in a 4×4 convolution to one channel.")
    return dict(ndf=int(first.shape[0]), nc=int(first.shape[1]), layers=n, kernel=int(first.shape[2]))


def _resolve(checkpoint, discriminator, epoch) -> tuple[dict, str, str]:
    path = Path(checkpoint)
    if path.is_dir():
        found: dict[int, dict] = {}
        for f in path.iterdir():
            if m := _FILE.fullmatch(f.name):
                found.setdefault(int(m.group(2)), {})[m.group(1)] = f
        epochs = sorted(e for e, nets in found.items() if "G" in nets)
        if not epochs:
            raise FileNotFoundError(f"No pytorch/examples DCGAN generator (netG_epoch_<N>.pth) in {path}.")
        if epoch is None:
            epoch = epochs[-1]
        elif epoch not in epochs:
            raise FileNotFoundError(f"No netG_epoch_{epoch}.pth in {path}; epochs present: {epochs}.")
        files = dict(found[epoch])
        if discriminator is not None:
            files["D"] = Path(discriminator)
        return files, str(path), f"epoch {epoch}" + (f" of {epochs}" if len(epochs) > 1 else "")
    if not path.exists():
        raise FileNotFoundError(f"No such checkpoint file or directory: {path} (expected netG_epoch_<N>.pth or the "
                                "folder main.py wrote them to).")
    files = {"G": path}
    if discriminator is not None:
        files["D"] = Path(discriminator)
    return files, str(path), "explicit files"


def _map_generator(mapper: TorchStateMapper, spec: dict):
    mapper.conv("main.0", "project", transposed=True)
    mapper.norm("main.1", "project_norm", "batch")
    for i in range(1, spec["layers"] - 1):
        mapper.conv(f"main.{3 * i}", f"up{i}_conv", transposed=True)
        mapper.norm(f"main.{3 * i + 1}", f"up{i}_norm", "batch")
    mapper.conv(f"main.{3 * (spec['layers'] - 1)}", "to_image", transposed=True)


def _map_discriminator(mapper: TorchStateMapper, spec: dict):
    mapper.conv("main.0", "down1_conv")
    for i in range(2, spec["layers"] + 1):
        mapper.conv(f"main.{3 * i - 4}", f"down{i}_conv")
        mapper.norm(f"main.{3 * i - 3}", f"down{i}_norm", "batch")
    mapper.conv(f"main.{3 * spec['layers'] - 1}", "logit_conv")


def dcgan_from_pytorch_examples(checkpoint, discriminator=None, epoch: int | None = None, strict: bool = True,
                                **model_kwargs):
    """Converts pytorch/examples DCGAN checkpoints into the zoo's `dcgan`.

    Args:
        checkpoint: a `netG_epoch_N.pth`, or the folder `main.py --outf` wrote (the highest epoch, or `epoch`; its
            `netD_epoch_N.pth` too where present).
        discriminator: a `netD_epoch_N.pth` (optional; without one D keeps its initialisation, reported).
        epoch: which epoch of a folder to load.
        strict: raise `ConversionError` on unused keys, missing weights or shape mismatches.
        **model_kwargs: other `dcgan` arguments (optimizer settings); the architecture comes from the files.

    Returns:
        A `DCGAN` whose `conversion_report` is a `MultiNetworkConversionReport` over netG and netD.
    """
    import tfgan_zoo

    files, source, chosen = _resolve(checkpoint, discriminator, epoch)
    states = {}
    for net, path in files.items():
        if not Path(path).is_file():
            raise FileNotFoundError(f"No such checkpoint file: {path}")
        states[net] = strip_module_prefix(load_torch_state_dict(path))
    g = read_generator(states["G"], f"netG ({files['G']})")
    image_size = 4 * 2 ** (g["layers"] - 1)
    kwargs = dict(latent_dim=g["nz"], latent_distribution="normal", image_size=image_size, channels=g["nc"],
                  g_base_filters=g["ngf"], kernel_size=g["kernel"], projection="conv")
    d = None
    if "D" in states:
        d = read_discriminator(states["D"], f"netD ({files['D']})")
        if (d["nc"], d["layers"], d["kernel"]) != (g["nc"], g["layers"] - 1, g["kernel"]):
            raise ConversionError(
                f"netG ({g['nc']} channels, {g['layers']} layers, {g['kernel']}×{g['kernel']} kernels) and netD "
                f"({d['nc']} channels, {d['layers']} strided layers, {d['kernel']}×{d['kernel']}) are not one DCGAN's "
                "pair (a 64×64 pair has 5 generator and 4 strided discriminator layers).")
        kwargs["d_base_filters"] = d["ndf"]
    clash = {k: v for k, v in model_kwargs.items() if k in kwargs and kwargs[k] != v}
    if clash:
        raise ConversionError(f"{clash} contradict the checkpoints' architecture ({kwargs}).")
    if d is None and "d_base_filters" not in model_kwargs:
        kwargs["d_base_filters"] = g["ngf"]  # pytorch/examples' default ndf = ngf
    model = tfgan_zoo.build_model("dcgan", **{**model_kwargs, **kwargs})
    architecture = (f"DCGAN {image_size}×{image_size}×{g['nc']}, nz={g['nz']}, ngf={g['ngf']}"
                    + (f", ndf={d['ndf']}" if d else ""))
    report = MultiNetworkConversionReport(source, architecture, checkpoint=chosen, model="dcgan")
    for official, network, mapping, spec in (("netG", model.generator, _map_generator, g),
                                             ("netD", model.discriminator, _map_discriminator, d)):
        key = official[-1]
        if key not in states:
            report.not_converted[official] = "no checkpoint given"
            continue
        sub = ConversionReport(str(files[key]), architecture)
        mapper = TorchStateMapper(states[key], network, sub)
        mapping(mapper, spec)
        report.add(official, network.name, mapper.finish(strict=False))
    report.mapped.sort()
    if strict and not report.ok:
        raise ConversionError("The checkpoints do not map cleanly onto the zoo's dcgan (pass strict=False to load "
                              "them anyway):\n" + str(report), report)
    if getattr(model, "generator_ema", None) is not None:
        for target, value in zip(model.generator_ema.weights, model.generator.weights):
            target.assign(value)
    model.conversion_report = report
    return model
