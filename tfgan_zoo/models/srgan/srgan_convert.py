"""BasicSR's MSRResNet weights (`MSRResNet_x4`, `net_g_*.pth`) → the zoo's `srgan` with
`generator_architecture: msrresnet`, without torch (the restricted .pth reader).

Keys: `conv_first`, `body.<i>.conv1` / `conv2`, `upconv1`, `upconv2`, `conv_hr`, `conv_last` (BasicSR's `params` /
`params_ema` wrappers accepted). PyTorch's pixel shuffle takes channel c·r² + i·r + j to output channel c at
(i, j); TF's depth_to_space takes (i·r + j)·C + c: the sub-pixel convs' output channels are permuted to match.
"""

from __future__ import annotations

import re

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport
from tfgan_zoo.utils.torch_checkpoint import load_torch_checkpoint

_BODY = re.compile(r"^body\.(\d+)\.conv([12])\.(weight|bias)$")


def _torch_to_tf_shuffle_order(out_channels: int, r: int = 2) -> np.ndarray:
    """Index array `perm` with keras_channel k ← torch channel perm[k] for a conv feeding a ×r pixel shuffle."""
    c_out = out_channels // (r * r)
    perm = np.empty(out_channels, np.int64)
    for c in range(c_out):
        for i in range(r):
            for j in range(r):
                perm[(i * r + j) * c_out + c] = c * r * r + i * r + j
    return perm


def srgan_from_pytorch(checkpoint, strict: bool = True, image_size: int = 96, training_stage: str = "psnr"):
    """An `SRGAN` (MSRResNet generator) holding a BasicSR MSRResNet `.pth`; `.conversion_report` says what mapped."""
    import tfgan_zoo

    source = str(checkpoint)
    state = load_torch_checkpoint(checkpoint)
    if isinstance(state, dict) and ("params_ema" in state or "params" in state):
        state = state.get("params_ema") or state["params"]
    if not isinstance(state, dict) or "conv_first.weight" not in state or "upconv1.weight" not in state:
        raise ConversionError(f"{source}: not a BasicSR MSRResNet state dict (expected conv_first.*, body.N.conv1.*, "
                              "upconv1.* keys).")
    blocks = sorted({int(m.group(1)) for k in state if (m := _BODY.match(k))})
    filters, channels = state["conv_first.weight"].shape[:2]
    steps = sum(1 for k in ("upconv1.weight", "upconv2.weight", "upconv3.weight") if k in state)
    model = tfgan_zoo.build_model("srgan", image_size=image_size, scale=2**steps, channels=int(channels),
                                  g_filters=int(filters), num_blocks=len(blocks), generator_architecture="msrresnet",
                                  training_stage=training_stage)
    report = ConversionReport(source, f"BasicSR MSRResNet: {len(blocks)} blocks, nf {filters}, x{2**steps}")
    names = {"conv_first": "conv_first", "conv_hr": "conv_hr", "conv_last": "conv_last"}
    names.update({f"conv_up{j}": f"upconv{j}" for j in range(1, steps + 1)})
    for i in blocks:
        names.update({f"body_{i}_conv{k}": f"body.{i}.conv{k}" for k in (1, 2)})
    used = set()
    for zoo, key in names.items():
        layer = model.generator.get_layer(zoo)
        w, b = state.get(f"{key}.weight"), state.get(f"{key}.bias")
        if w is None or b is None:
            report.missing.append(zoo)
            continue
        used |= {f"{key}.weight", f"{key}.bias"}
        w, b = np.asarray(w, np.float32), np.asarray(b, np.float32)
        if zoo.startswith("conv_up"):
            perm = _torch_to_tf_shuffle_order(w.shape[0])
            w, b = w[perm], b[perm]
        kernel = np.transpose(w, (2, 3, 1, 0))
        if kernel.shape != tuple(layer.kernel.shape):
            report.mismatched.append((f"{key}.weight", kernel.shape, tuple(layer.kernel.shape)))
            continue
        layer.kernel.assign(kernel)
        layer.bias.assign(b)
        report.mapped += [(f"{key}.weight", layer.kernel.path), (f"{key}.bias", layer.bias.path)]
    report.unused = sorted(set(state) - used)
    report.ignored.append(("(discriminator)", "BasicSR's file holds the generator only; D stays initialised"))
    if strict and not report.ok:
        raise ConversionError(f"{source} does not map cleanly onto the zoo's srgan (msrresnet):\n{report}", report)
    model.conversion_report = report
    return model
