"""Official ESRGAN / BasicSR RRDBNet weights → the zoo's `esrgan`, without torch (the restricted .pth reader).

Three key layouts of the same network are read (the architecture — features, growth, number of RRDBs, channels,
upsampling steps — comes from the shapes):

* xinntao/ESRGAN's original `RRDB_ESRGAN_x4.pth` / `RRDB_PSNR_x4.pth` (sequential "old arch"): `model.0` (conv_first),
  `model.1.sub.<i>.RDB<m>.conv<k>.0`, `model.1.sub.<N>` (trunk conv), `model.3` / `model.6` (upsampling convs),
  `model.8` (HR conv), `model.10` (last conv);
* xinntao/ESRGAN's later `RRDBNet_arch.py`: `conv_first`, `RRDB_trunk.<i>.RDB<m>.conv<k>`, `trunk_conv`, `upconv1`,
  `upconv2`, `HRconv`, `conv_last`;
* BasicSR's `RRDBNet` (`params` / `params_ema` wrappers accepted): `conv_first`, `body.<i>.rdb<m>.conv<k>`,
  `conv_body`, `conv_up1`, `conv_up2`, `conv_hr`, `conv_last`.

Only the generator exists in these files; the zoo model's discriminator stays at its initialisation (reported).
"""

from __future__ import annotations

import re

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport
from tfgan_zoo.utils.torch_checkpoint import load_torch_checkpoint

_OLD_RDB = re.compile(r"^model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.(weight|bias)$")
_ARCH_RDB = re.compile(r"^RRDB_trunk\.(\d+)\.RDB(\d)\.conv(\d)\.(weight|bias)$")
_BASICSR_RDB = re.compile(r"^body\.(\d+)\.rdb(\d)\.conv(\d)\.(weight|bias)$")


def _state_dict(obj, source):
    if isinstance(obj, dict) and ("params_ema" in obj or "params" in obj):
        obj = obj.get("params_ema") or obj["params"]
    if not isinstance(obj, dict) or not all(isinstance(v, np.ndarray) for v in obj.values()):
        raise ConversionError(f"{source} does not hold an RRDBNet state dict (nor BasicSR's params / params_ema).")
    return obj


def canonical_keys(state: dict, source: str = "") -> tuple[dict, str]:
    """`{zoo layer name: (checkpoint key of the weight, of the bias)}` and the layout's name."""
    keys = set(state)
    if "model.0.weight" in keys:
        layout, rdb = "ESRGAN original (model.N)", _OLD_RDB
        trunk = max(int(m.group(1)) for k in keys if (m := _OLD_RDB.match(k))) + 1
        names = {"conv_first": "model.0", "conv_body": f"model.1.sub.{trunk}", "conv_up1": "model.3",
                 "conv_up2": "model.6", "conv_hr": "model.8", "conv_last": "model.10"}
        fmt = "model.1.sub.{i}.RDB{m}.conv{k}.0"
    elif "trunk_conv.weight" in keys:
        layout, rdb = "ESRGAN RRDBNet_arch", _ARCH_RDB
        names = {"conv_first": "conv_first", "conv_body": "trunk_conv", "conv_up1": "upconv1", "conv_up2": "upconv2",
                 "conv_hr": "HRconv", "conv_last": "conv_last"}
        fmt = "RRDB_trunk.{i}.RDB{m}.conv{k}"
    elif "conv_body.weight" in keys:
        layout, rdb = "BasicSR RRDBNet", _BASICSR_RDB
        names = {"conv_first": "conv_first", "conv_body": "conv_body", "conv_up1": "conv_up1", "conv_up2": "conv_up2",
                 "conv_hr": "conv_hr", "conv_last": "conv_last"}
        fmt = "body.{i}.rdb{m}.conv{k}"
    else:
        raise ConversionError(
            f"{source}: not an RRDBNet checkpoint in a known layout (expected model.0.weight, trunk_conv.weight or "
            "conv_body.weight among its keys).")
    blocks = sorted({int(m.group(1)) for k in keys if (m := rdb.match(k))})
    mapping = {zoo: (f"{ck}.weight", f"{ck}.bias") for zoo, ck in names.items()}
    for i in blocks:
        for m in (1, 2, 3):
            for k in range(1, 6):
                ck = fmt.format(i=i, m=m, k=k)
                mapping[f"body_{i}_rdb{m}_conv{k}"] = (f"{ck}.weight", f"{ck}.bias")
    return mapping, layout


def read_architecture(state: dict, source: str = "") -> dict:
    """The RRDBNet hyper-parameters from the checkpoint's shapes."""
    mapping, layout = canonical_keys(state, source)
    first = state[mapping["conv_first"][0]]
    growth = state[mapping["body_0_rdb1_conv1"][0]].shape[0] if "body_0_rdb1_conv1" in mapping else 32
    num_blocks = sum(1 for k in mapping if k.endswith("_rdb1_conv1"))
    steps = sum(1 for k in ("conv_up1", "conv_up2") if mapping[k][0] in state)
    return {"layout": layout, "g_filters": int(first.shape[0]), "channels": int(first.shape[1]),
            "growth": int(growth), "num_blocks": int(num_blocks), "scale": 2**steps}


def esrgan_from_pytorch(checkpoint, strict: bool = True, image_size: int = 128, training_stage: str = "psnr"):
    """An `ESRGAN` whose generator holds the weights of an official RRDBNet `.pth` (any of the three layouts).

    Args:
        checkpoint: the `.pth` file (RRDB_ESRGAN_x4.pth, RRDB_PSNR_x4.pth, a BasicSR net_g_*.pth).
        strict: raise `ConversionError` if any generator weight is missing, any key unused or any shape wrong.
        image_size: the HR patch of the (unconverted) discriminator. training_stage: of the returned model.

    Returns the model with `.conversion_report` (a `ConversionReport`).
    """
    import tfgan_zoo

    source = str(checkpoint)
    state = _state_dict(load_torch_checkpoint(checkpoint), source)
    arch = read_architecture(state, source)
    if arch["scale"] != 4:
        raise ConversionError(f"{source}: {arch['scale']}x RRDBNet; the zoo's esrgan converter reads the x4 layout "
                              "(two upsampling convs).")
    mapping, layout = canonical_keys(state, source)
    model = tfgan_zoo.build_model("esrgan", image_size=image_size, scale=4, channels=arch["channels"],
                                  g_filters=arch["g_filters"], num_blocks=arch["num_blocks"], growth=arch["growth"],
                                  training_stage=training_stage, perceptual_weight=0.0)
    report = ConversionReport(source, f"{layout}: {arch['num_blocks']} RRDBs, nf {arch['g_filters']}, "
                                      f"gc {arch['growth']}, x{arch['scale']}")
    used = set()
    g = model.generator
    for zoo, (wkey, bkey) in mapping.items():
        try:
            layer = g.get_layer(zoo)
        except ValueError:
            report.unused += [k for k in (wkey, bkey) if k in state]
            continue
        for key, variable, convert in ((wkey, layer.kernel, lambda w: np.transpose(w, (2, 3, 1, 0))),
                                       (bkey, layer.bias, lambda b: b)):
            if key not in state:
                report.missing.append(variable.path)
                continue
            value = convert(np.asarray(state[key], np.float32))
            used.add(key)
            if tuple(value.shape) != tuple(variable.shape):
                report.mismatched.append((key, tuple(value.shape), tuple(variable.shape)))
                continue
            variable.assign(value)
            report.mapped.append((key, variable.path))
    report.unused += sorted(set(state) - used - set(report.unused))
    report.ignored.append(("(discriminator)", "the official files hold the generator only; D stays initialised"))
    if strict and not report.ok:
        raise ConversionError(f"{source} does not map cleanly onto the zoo's esrgan:\n{report}", report)
    model.conversion_report = report
    return model
