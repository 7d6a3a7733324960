"""Official SPADE / GauGAN checkpoints (NVlabs/SPADE) → the zoo's `gaugan`.

    model = gaugan_from_pytorch("checkpoints/ade20k_pretrained")        # latest_net_G.pth (+ _D, _E if present)
    model = gaugan_from_pytorch("latest_net_G.pth", image_size=256, aspect_ratio=2.0, use_instances=True,
                                num_classes=35)                          # Cityscapes 512×256
    print(model.conversion_report)

The `.pth` files are `torch.save(net.state_dict())`, read without torch and without running pickled code. Key layout
(official `models/networks/generator.py`, `architecture.py`, `normalization.py`, `encoder.py`, `discriminator.py`):

* `SPADEGenerator`: `fc` (Linear z_dim → 16·ngf·sh·sw with the VAE, else Conv3×3 on the downsampled label map);
  SPADEResnetBlocks `head_0`, `G_middle_0`, `G_middle_1`, `up_0` … `up_3` (`up_4` for 'most'), each with
  `conv_0`, `conv_1` (and `conv_s`, no bias, when fin ≠ fout) and SPADE norms `norm_0`, `norm_1` (`norm_s`):
  `param_free_norm.running_mean/var` (sync batch norm without affine parameters), `mlp_shared.0`, `mlp_gamma`,
  `mlp_beta`; then `conv_img`.
* `ConvEncoder` (`latest_net_E.pth`, `--use_vae`): `layer{1..6}.0` (stride-2 3×3 convs; spectral + instance norm, so
  no bias), `fc_mu`, `fc_var` (its flatten is in NCHW order, as the zoo's).
* `MultiscaleDiscriminator` (`latest_net_D.pth`): `discriminator_{i}.model0.0` (plain conv), `model{n}.0.0`
  (spectral, no bias, instance norm), the last `model{N}.0` (plain conv); discriminator_0 reads full resolution.

Spectral norm: a layer stores `weight_orig`, `weight_u` and `weight_v`. The official test runs the networks in
`eval()` mode, where PyTorch's `spectral_norm` divides `weight_orig` by σ = uᵀ·W·v from the stored vectors without a
power iteration; the zoo's inference uses its stored kernel as is (`tfgan_zoo.layers.spectral`), so the converter
stores W/σ as the kernel — the same function — and `weight_u` as `vector_u` (the starting point of further training).
A checkpoint without `weight_v` (PyTorch < 1.0) gets v = normalize(Wᵀu), the value its `u` implies (reported). A
layer saved without spectral norm (`weight`) is taken as is. The batch-norm statistics are used as in `eval()`.

What the keys do not say: the label-map channels (`semantic_nc` = label_nc + don't-care label + instance edge) are
split as `num_classes` + `use_instances` (default False, ADE20K's layout; Cityscapes and COCO-Stuff are trained with
instances). The resolution: `image_size` (height, default 256) and `aspect_ratio` (default 1; Cityscapes 2);
`num_upsampling_layers` is 'most' when `up_4` is present, and otherwise read from the VAE's `fc` size at that
resolution ('normal' without the VAE unless given). The converted model has `perceptual_weight=0` unless given
(VGG19's weights are a local file here).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, MultiNetworkConversionReport, resolve_network_files
from tfgan_zoo.utils.torch_checkpoint import load_torch_state_dict
from tfgan_zoo.utils.torch_mapping import TorchStateMapper, conv_kernel
from tfgan_zoo.utils.torch_mapping import strip_module_prefix as _strip_prefix

__all__ = ["GauGANConversionReport", "gaugan_from_pytorch", "spectral_sigma"]

BLOCKS = ("head_0", "G_middle_0", "G_middle_1", "up_0", "up_1", "up_2", "up_3", "up_4")


@dataclasses.dataclass
class GauGANConversionReport(MultiNetworkConversionReport):
    """The report of a SPADE conversion over G, D and E (see `MultiNetworkConversionReport`)."""

    model: str = "gaugan"


def spectral_sigma(weight_orig, u, v=None, eps=1e-12):
    """PyTorch's eval-mode σ = uᵀ·W·v of `spectral_norm` (W = weight_orig viewed [out, -1]), in float64; without a
    stored v, v = normalize(Wᵀu). Returns (σ, v)."""
    w = np.asarray(weight_orig, np.float64).reshape(weight_orig.shape[0], -1)
    u = np.asarray(u, np.float64).reshape(-1)
    if v is None:
        v = w.T @ u
        v = v / max(np.linalg.norm(v), eps)
    v = np.asarray(v, np.float64).reshape(-1)
    return float(u @ (w @ v)), v


class _Mapper(TorchStateMapper):
    """`TorchStateMapper` with SPADE's spectral-norm convs, Linear layers and parameter-free batch norms."""

    def sn_conv(self, key, layer_name):
        wrapper = self._layer(layer_name)
        conv = wrapper.layer
        orig, u, v = self._take(f"{key}.weight_orig"), self._take(f"{key}.weight_u"), self._take(f"{key}.weight_v")
        plain = self._take(f"{key}.weight") if orig is None else None
        if orig is None and plain is None:
            self.report.missing.append(f"{layer_name}/kernel ← {key}.weight_orig (+ weight_u, weight_v)")
        elif orig is not None and u is None:
            self.report.missing.append(f"{layer_name}/kernel ← {key}.weight_u (spectral norm's u)")
        elif orig is not None:
            if u.size != orig.shape[0] or (v is not None and v.size != orig[0].size):
                self.report.mismatched.append((f"{key}.weight_u/_v", (u.size, None if v is None else v.size),
                                               (orig.shape[0], orig[0].size)))
            else:
                sigma, v_used = spectral_sigma(orig, u, v)
                if v is None:
                    self.report.filled.append((f"{layer_name} σ", round(sigma, 6), f"{key}.weight_v absent (PyTorch "
                                               "< 1.0): v = normalize(Wᵀu)"))
                self._assign(conv.kernel, conv_kernel(np.asarray(orig, np.float64) / sigma),
                             f"{key}.weight_orig", f"{layer_name}/kernel (weight_orig / σ)")
                self._assign(wrapper.vector_u, np.asarray(u).reshape(1, -1), f"{key}.weight_u",
                             f"{layer_name}/vector_u")
                if v is not None:
                    self.report.ignored.append((f"{key}.weight_v", "used for σ = uᵀWv (folded into the kernel)"))
        else:  # saved without spectral norm: the weight is the kernel; u from the weight's top singular vector
            self._assign(conv.kernel, conv_kernel(plain), f"{key}.weight", f"{layer_name}/kernel")
            w = np.asarray(plain, np.float64).reshape(plain.shape[0], -1)
            left = np.linalg.svd(w, full_matrices=False)[0][:, 0]
            wrapper.vector_u.assign(left.reshape(1, -1).astype(np.float32))
            self.report.filled.append((f"{layer_name}/vector_u", "top left singular vector",
                                       f"{key} was saved without spectral norm"))
        bias = self._take(f"{key}.bias")
        if conv.use_bias:
            if bias is None:
                self.report.missing.append(f"{layer_name}/bias ← {key}.bias")
            else:
                self._assign(conv.bias, bias, f"{key}.bias", f"{layer_name}/bias")
        elif bias is not None:
            self.used.discard(f"{key}.bias")

    def linear(self, key, layer_name):
        layer = self._layer(layer_name)
        w, b = self._take(f"{key}.weight"), self._take(f"{key}.bias")
        if w is None or b is None:
            self.report.missing += [f"{layer_name}/{n} ← {key}.{t}" for n, t, x in
                                    (("kernel", "weight", w), ("bias", "bias", b)) if x is None]
            return
        self._assign(layer.kernel, np.asarray(w).T, f"{key}.weight", f"{layer_name}/kernel")
        self._assign(layer.bias, b, f"{key}.bias", f"{layer_name}/bias")

    def param_free_bn(self, key, layer_name):
        layer = self._layer(layer_name)
        for stat, var in (("running_mean", layer.moving_mean), ("running_var", layer.moving_variance)):
            value = self._take(f"{key}.{stat}")
            if value is None:
                self.report.missing.append(f"{layer_name}/{var.name} ← {key}.{stat} (the zoo's SPADE uses "
                                           "batch-norm statistics, the official 'spadesyncbatch3x3')")
            else:
                self._assign(var, value, f"{key}.{stat}", f"{layer_name}/{var.name}")
        if self._take(f"{key}.num_batches_tracked") is not None:
            self.report.ignored.append((f"{key}.num_batches_tracked", "a training counter; inference does not use it"))


def _w(state, key):
    return state.get(f"{key}.weight_orig", state.get(f"{key}.weight"))


def read_generator(state: dict, source="G") -> dict:
    head = _w(state, "head_0.conv_0")
    shared = state.get("head_0.norm_0.mlp_shared.0.weight")
    if head is None or shared is None or "conv_img.weight" not in state or "fc.weight" not in state:
        hint = " It looks like a discriminator (latest_net_D.pth)." if any(
            k.startswith("discriminator_") for k in state) else (
            " It looks like the VAE encoder (latest_net_E.pth)." if "fc_mu.weight" in state else "")
        raise ConversionError(f"{source} is not an official SPADEGenerator state dict (keys fc, head_0.conv_0, "
                              f"head_0.norm_0.mlp_shared.0, conv_img). First keys: {list(state)[:5]}.{hint}")
    if head.shape[0] % 16:
        raise ConversionError(f"{source}: head_0 has {head.shape[0]} channels; the official generator has 16·ngf.")
    ngf = int(head.shape[0]) // 16
    present = [b for b in BLOCKS if _w(state, f"{b}.conv_0") is not None]
    if present not in (list(BLOCKS[:7]), list(BLOCKS)):
        raise ConversionError(f"{source}: SPADE blocks {present}; the official generator has {list(BLOCKS[:7])} "
                              "(and up_4 with num_upsampling_layers 'most').")
    fc = state["fc.weight"]
    return dict(ngf=ngf, semantic_nc=int(shared.shape[1]), spade_hidden=int(shared.shape[0]),
                channels=int(state["conv_img.weight"].shape[0]), use_vae=fc.ndim == 2,
                z_dim=int(fc.shape[1]) if fc.ndim == 2 else None, fc_units=int(fc.shape[0]),
                most="up_4" in present, blocks=present)


def read_encoder(state: dict, source="E") -> dict:
    layers = sorted(int(m.group(1)) for k in state if (m := re.fullmatch(r"layer(\d+)\.0\.weight(_orig)?", k)))
    if not layers or "fc_mu.weight" not in state or "fc_var.weight" not in state:
        raise ConversionError(f"{source} is not an official SPADE ConvEncoder state dict (layer{{i}}.0, fc_mu, "
                              f"fc_var). First keys: {list(state)[:5]}.")
    if layers != list(range(1, len(layers) + 1)):
        raise ConversionError(f"{source}: encoder layers {layers}; expected layer1 … layer{len(layers)}.")
    return dict(ndf=int(_w(state, "layer1.0").shape[0]), input_nc=int(_w(state, "layer1.0").shape[1]),
                n_layers=len(layers), z_dim=int(state["fc_mu.weight"].shape[0]))


def read_discriminator(state: dict, source="D") -> dict:
    found = {}
    for k in state:
        if m := re.match(r"discriminator_(\d+)\.model(\d+)\.", k):
            found.setdefault(int(m.group(1)), set()).add(int(m.group(2)))
    if not found:
        hint = " It looks like a generator (latest_net_G.pth)." if "conv_img.weight" in state else ""
        raise ConversionError(f"{source} is not an official SPADE MultiscaleDiscriminator state dict (keys "
                              f"'discriminator_{{i}}.model{{n}}…'). First keys: {list(state)[:5]}.{hint}")
    num_d = len(found)
    groups = {len(v) for v in found.values()}
    if sorted(found) != list(range(num_d)) or len(groups) != 1 or any(v != set(range(len(v)))
                                                                     for v in found.values()):
        raise ConversionError(f"{source}: discriminators {sorted(found)} with layers "
                              f"{ {i: sorted(v) for i, v in found.items()} }; expected equal model0 … modelN.")
    n = groups.pop()
    first = state.get("discriminator_0.model0.0.weight")
    if first is None or n < 3:
        raise ConversionError(f"{source}: no discriminator_0.model0.0.weight, or fewer than 3 layers.")
    return dict(num_d=num_d, n_layers=n - 1, ndf=int(first.shape[0]), input_nc=int(first.shape[1]))


def map_generator(mapper: _Mapper, spec: dict):
    if spec["use_vae"]:
        mapper.linear("fc", "fc")
    else:
        mapper.conv("fc", "fc")
    for b in spec["blocks"]:
        mapper.sn_conv(f"{b}.conv_0", f"{b}_conv_0")
        mapper.sn_conv(f"{b}.conv_1", f"{b}_conv_1")
        norms = ["norm_0", "norm_1"]
        if _w(mapper.state, f"{b}.conv_s") is not None:
            mapper.sn_conv(f"{b}.conv_s", f"{b}_conv_s")
            norms.append("norm_s")
        for norm in norms:
            mapper.param_free_bn(f"{b}.{norm}.param_free_norm", f"{b}_{norm}_bn")
            mapper.conv(f"{b}.{norm}.mlp_shared.0", f"{b}_{norm}_shared")
            mapper.conv(f"{b}.{norm}.mlp_gamma", f"{b}_{norm}_gamma")
            mapper.conv(f"{b}.{norm}.mlp_beta", f"{b}_{norm}_beta")
    mapper.conv("conv_img", "conv_img")


def map_encoder(mapper: _Mapper, spec: dict):
    for i in range(1, spec["n_layers"] + 1):
        mapper.sn_conv(f"layer{i}.0", f"layer{i}")
    mapper.linear("fc_mu", "fc_mu")
    mapper.linear("fc_var", "fc_var")


def map_discriminator(mapper: _Mapper, spec: dict):
    n = spec["n_layers"]
    for i in range(spec["num_d"]):
        mapper.conv(f"discriminator_{i}.model0.0", f"scale{i}_conv0")
        for j in range(1, n):
            mapper.sn_conv(f"discriminator_{i}.model{j}.0.0", f"scale{i}_conv{j}")
        mapper.conv(f"discriminator_{i}.model{n}.0", f"scale{i}_logits")


def _resolve(checkpoint, discriminator, encoder, which_epoch):
    return resolve_network_files(checkpoint, discriminator, encoder, which_epoch, "SPADE")


def _upsamplings(g, image_size, aspect_ratio, given):
    from tfgan_zoo.models.gaugan.gaugan_networks import latent_size

    width = int(round(image_size * aspect_ratio))
    if g["most"]:
        options = ["most"]
    elif given:
        options = [given]
    elif g["use_vae"]:
        options = ["normal", "more"]
    else:
        options = ["normal"]
    errors = []
    for option in options:
        try:
            sh, sw = latent_size((image_size, width), option)
        except ValueError as e:
            errors.append(str(e))
            continue
        if not g["use_vae"] or 16 * g["ngf"] * sh * sw == g["fc_units"]:
            return option
        errors.append(f"'{option}' starts at {sh}×{sw}: fc would have {16 * g['ngf'] * sh * sw} outputs")
    raise ConversionError(f"G's fc has {g['fc_units']} outputs (16·ngf·sh·sw, ngf={g['ngf']}) which fits no "
                          f"num_upsampling_layers at {image_size}×{width}: {'; '.join(errors)}. Pass the training "
                          "resolution (image_size = height, aspect_ratio = width / height).")


def gaugan_from_pytorch(checkpoint, discriminator=None, encoder=None, strict: bool = True, image_size: int = 256,
                        aspect_ratio: float = 1.0, use_instances: bool = False, num_upsampling_layers=None,
                        which_epoch: str = "latest", **model_kwargs):
    """Converts official SPADE checkpoints into the zoo's `gaugan`.

    Args:
        checkpoint: the checkpoint folder (`{which_epoch}_net_G.pth` and, when present, `_net_D.pth`, `_net_E.pth`)
            or the generator's `.pth`.
        discriminator, encoder: the D / E files (override the folder's).
        strict: raise `ConversionError` if keys are unused or missing or shapes differ.
        image_size, aspect_ratio: the training resolution (height; width / height): ADE20K / COCO-Stuff 256, 1;
            Cityscapes 256, 2.
        use_instances: whether the label input has the instance edge channel (Cityscapes, COCO-Stuff: True).
        num_upsampling_layers: 'normal' / 'more' / 'most' when the keys cannot tell (no VAE).
        **model_kwargs: other `gaugan` arguments (loss weights, optimizer).

    Returns:
        A `GauGAN`; `model.conversion_report` is a `GauGANConversionReport`.
    """
    import tfgan_zoo

    files = _resolve(checkpoint, discriminator, encoder, which_epoch)
    states = {k: _strip_prefix(load_torch_state_dict(p)) for k, p in files.items()}
    g = read_generator(states["G"], f"G ({files['G']})")
    e = read_encoder(states["E"], f"E ({files['E']})") if "E" in states else None
    d = read_discriminator(states["D"], f"D ({files['D']})") if "D" in states else None
    image_size = int(image_size or 256)
    upsampling = _upsamplings(g, image_size, float(aspect_ratio), num_upsampling_layers)
    num_classes = g["semantic_nc"] - int(use_instances)
    if num_classes < 1:
        raise ConversionError(f"G's SPADE layers read {g['semantic_nc']} label channels: too few for use_instances.")
    if e:
        if not g["use_vae"]:
            raise ConversionError("An encoder was given but G has no VAE input (its fc is a convolution).")
        if e["z_dim"] != g["z_dim"] or e["ndf"] != g["ngf"] or e["input_nc"] != g["channels"]:
            raise ConversionError(f"E (z_dim {e['z_dim']}, ndf {e['ndf']}, {e['input_nc']} channels) does not fit G "
                                  f"(z_dim {g['z_dim']}, ngf {g['ngf']}, {g['channels']} channels): the official "
                                  "encoder has ndf = ngf.")
    if d and d["input_nc"] != g["semantic_nc"] + g["channels"]:
        raise ConversionError(f"D reads {d['input_nc']} channels; G's label input has {g['semantic_nc']} and its "
                              f"images {g['channels']}.")
    kwargs = dict(num_classes=num_classes, image_size=image_size, aspect_ratio=float(aspect_ratio),
                  channels=g["channels"], use_instances=bool(use_instances), ngf=g["ngf"], use_vae=g["use_vae"],
                  num_upsampling_layers=upsampling, spade_hidden=g["spade_hidden"])
    if g["use_vae"]:
        kwargs["z_dim"] = g["z_dim"]
    if e:
        kwargs["encoder_size"] = 2 ** (e["n_layers"] + 2)
    if d:
        kwargs.update(ndf=d["ndf"], n_layers_d=d["n_layers"], num_d=d["num_d"])
    clash = {k: v for k, v in model_kwargs.items() if k in kwargs and kwargs[k] != v}
    if clash:
        raise ConversionError(f"{clash} contradict the checkpoints' architecture ({kwargs}).")
    model_kwargs.setdefault("perceptual_weight", 0.0)
    model = tfgan_zoo.build_model("gaugan", **{**model_kwargs, **kwargs})
    architecture = (f"SPADE G ngf={g['ngf']}, '{upsampling}' upsampling, {num_classes} labels"
                    f"{' + instance edge' if use_instances else ''}, hidden {g['spade_hidden']}"
                    + (f", VAE z_dim={g['z_dim']}" if g["use_vae"] else "")
                    + (f"; E {e['n_layers']} layers" if e else "")
                    + (f"; D {d['num_d']} scales, n_layers_D={d['n_layers']}, ndf={d['ndf']}" if d else ""))
    report = GauGANConversionReport(str(Path(checkpoint)), architecture,
                                    checkpoint=", ".join(f"{k}={p.name}" for k, p in files.items()))
    if model.perceptual_weight == 0.0:
        report.filled.append(("perceptual_weight", 0.0, "not in the checkpoint: VGG19's ImageNet weights are a local "
                              "file here; pass perceptual_weight=10 and perceptual_weights_path to fine-tune"))
    report.convert_networks((("G", model.generator, map_generator, g), ("D", model.discriminator, map_discriminator, d),
                             ("E", getattr(model, "encoder", None), map_encoder, e)), states, files, _Mapper, strict)
    model.conversion_report = report
    return model
