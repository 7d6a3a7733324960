"""Converts the official FUNIT generator (NVlabs/FUNIT `FewShotGen` state dict) into the zoo's `funit` model, without
torch and without running pickled code (`tfgan_zoo.utils.torch_checkpoint`'s restricted reader).

    from tfgan_zoo.models.funit.funit_convert import funit_from_pytorch
    model, report = funit_from_pytorch("pretrained/animal149_gen.pt")   # {'gen', 'gen_test'}: gen_test is used
    out = model.translate(content_images, class_images)

Accepted files: the official snapshot `gen_XXXXXXXX.pt` / release `animal149_gen.pt` (`{'gen': state dict,
'gen_test': state dict}`; `which` picks one, default the moving average `gen_test` the official test script uses) or
a bare generator state dict. The architecture (nf, residual blocks, downsamplings, class code and MLP sizes, image
channels) is read from the keys and shapes; the key layout is:

    enc_content.model.0.conv                   → content encoder conv_in_conv
    enc_content.model.{1..d}.conv              → down{i}_conv
    enc_content.model.{d+1}.model.{b}.model.{0,1}.conv → res{b+1}_{1,2}_conv
    enc_class_model.model.0.conv, .{1..d'}.conv → class encoder conv_in_conv, down{i}_conv
    enc_class_model.model.{d'+2}               → code (1×1 conv after the average pool → Dense)
    dec.model.0.model.{b}.model.{0,1}.conv     → decoder res{b+1}_{1,2}_conv (AdaIN: params from the MLP)
    dec.model.{2i+2}.conv, dec.model.{2d+1}.conv → up{i+1}_conv, conv_out_conv
    mlp.model.{i}.fc                           → mlp fc{i+1}

The AdaIN layers' `running_mean` / `running_var` buffers are ignored (the official AdaIN normalizes with each
image's own statistics; the buffers never reach the output). The discriminator is not part of the file and keeps
its initialization. A strict conversion (default) refuses any missing, unused or mis-shaped tensor.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport
from tfgan_zoo.utils.torch_checkpoint import _check_state_dict, _load_legacy, _load_zip
from tfgan_zoo.utils.torch_mapping import TorchStateMapper, strip_module_prefix


def _count(state, pattern):
    found = {int(m.group(1)) for k in state for m in [re.fullmatch(pattern, k)] if m}
    return sorted(found)


def read_funit_generator(state: dict, source="") -> dict:
    """The official generator's hyper-parameters, read from its keys and shapes."""
    report = ConversionReport(source)
    key = "enc_content.model.0.conv.weight"
    if key not in state or "mlp.model.0.fc.weight" not in state:
        raise ConversionError(f"{source} is not a FUNIT FewShotGen state dict (no {key!r} / 'mlp.model.0.fc.weight'; "
                              f"first keys: {list(state)[:5]}).", report)
    nf, channels = state[key].shape[:2]
    content = _count(state, r"enc_content\.model\.(\d+)\.conv\.weight")
    downs = len(content) - 1
    blocks = _count(state, rf"enc_content\.model\.{downs + 1}\.model\.(\d+)\.model\.0\.conv\.weight")
    klass = _count(state, r"enc_class_model\.model\.(\d+)\.conv\.weight")
    class_downs = len(klass) - 1
    code = state.get(f"enc_class_model.model.{class_downs + 2}.weight")
    if code is None or downs < 1 or not blocks or class_downs < 2:
        raise ConversionError(f"{source}: unexpected FewShotGen layout (content convs {content}, residual blocks "
                              f"{blocks}, class convs {klass}).", report)
    mlp = _count(state, r"mlp\.model\.(\d+)\.fc\.weight")
    return {"channels": int(channels), "g_filters": int(nf), "content_downs": downs, "g_res_blks": len(blocks),
            "class_downs": class_downs, "latent_dim": int(code.shape[0]), "mlp_blks": len(mlp),
            "mlp_filters": int(state["mlp.model.0.fc.weight"].shape[0])}


def load_funit_generator_state(path, which="gen_test") -> dict:
    """A FewShotGen state dict from an official snapshot (`{'gen', 'gen_test'}`, picking `which`) or a bare one."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}.")
    obj = _load_zip(path) if zipfile.is_zipfile(path) else _load_legacy(path)
    if isinstance(obj, dict) and ("gen" in obj or "gen_test" in obj):
        if which not in obj:
            raise ConversionError(f"{path} holds {sorted(obj)}; which={which!r} is not one of them (the official "
                                  "snapshots hold 'gen' and its moving average 'gen_test').")
        obj = obj[which]
    return dict(_check_state_dict(obj, str(path)))


def _dense(mapper, key, layer_name, weight_transform=np.transpose):
    layer = mapper._layer(layer_name)
    for torch_name, var, transform in (("weight", layer.kernel, weight_transform), ("bias", layer.bias, None)):
        value = mapper._take(f"{key}.{torch_name}")
        if value is None:
            mapper.report.missing.append(f"{layer_name}/{torch_name} ← {key}.{torch_name}")
        else:
            mapper._assign(var, transform(value) if transform else value, f"{key}.{torch_name}",
                           f"{layer_name}/{var.name}")


def map_funit_generator(state: dict, generator, spec: dict, report: ConversionReport):
    """Assigns the official tensors to a `FewShotGenerator`'s layers; fills `report`."""
    mapper = TorchStateMapper(state, generator.content_encoder, report)
    d, blocks = spec["content_downs"], spec["g_res_blks"]
    mapper.conv("enc_content.model.0.conv", "conv_in_conv")
    for i in range(d):
        mapper.conv(f"enc_content.model.{i + 1}.conv", f"down{i + 1}_conv")
    for b in range(blocks):
        for j in range(2):
            mapper.conv(f"enc_content.model.{d + 1}.model.{b}.model.{j}.conv", f"res{b + 1}_{j + 1}_conv")
    mapper.model = generator.class_encoder
    mapper.conv("enc_class_model.model.0.conv", "conv_in_conv")
    for i in range(spec["class_downs"]):
        mapper.conv(f"enc_class_model.model.{i + 1}.conv", f"down{i + 1}_conv")
    _dense(mapper, f"enc_class_model.model.{spec['class_downs'] + 2}", "code", lambda w: w[:, :, 0, 0].T)
    mapper.model = generator.mlp
    for i in range(spec["mlp_blks"]):
        _dense(mapper, f"mlp.model.{i}.fc", f"fc{i + 1}")
    mapper.model = generator.decoder
    for b in range(blocks):
        for j in range(2):
            key = f"dec.model.0.model.{b}.model.{j}"
            mapper.conv(f"{key}.conv", f"res{b + 1}_{j + 1}_conv")
            for stat in ("running_mean", "running_var", "num_batches_tracked"):
                if mapper._take(f"{key}.norm.{stat}") is not None:
                    report.ignored.append((f"{key}.norm.{stat}", "AdaIN buffer: the official AdaIN normalizes with "
                                                                  "each image's own statistics"))
    for i in range(d):
        mapper.conv(f"dec.model.{2 * i + 2}.conv", f"up{i + 1}_conv")
    mapper.conv(f"dec.model.{2 * d + 1}.conv", "conv_out_conv")
    return mapper


def funit_from_pytorch(path, strict: bool = True, which: str = "gen_test", image_size: int = 128,
                       num_classes: int = 119, **model_kwargs):
    """`(FUNIT model, ConversionReport)` from an official generator checkpoint (see the module docstring).

    Args:
        path: the `.pt` file. which: 'gen_test' (the moving average, default) or 'gen' in an official snapshot.
        image_size: the size the model is built for (the official animal faces model: 128; any size divisible by
            2**downsamplings works, the weights are size independent). num_classes: the discriminator's outputs.
        model_kwargs: other `FUNIT` arguments (the discriminator's size, training settings).
    """
    from tfgan_zoo.models.funit.funit_gan import FUNIT

    state = strip_module_prefix(load_funit_generator_state(path, which))
    spec = read_funit_generator(state, str(path))
    report = ConversionReport(str(path), architecture=", ".join(f"{k}={v}" for k, v in spec.items()))
    model = FUNIT(image_size=image_size, num_classes=num_classes, **spec, **model_kwargs)
    mapper = map_funit_generator(state, model.generator, spec, report)
    mapper.finish(strict)
    if getattr(model, "generator_ema", None) is not None:
        model.generator_ema.set_weights(model.generator.get_weights())
    return model, report
