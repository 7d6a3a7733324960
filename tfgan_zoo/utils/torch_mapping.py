"""Mapping a PyTorch state dict (numpy arrays by key) onto named Keras layers, shared by every converter: the core
one (`tfgan_zoo.pretrained.convert`) and the family ones (`tfgan_zoo/models/<family>/<family>_convert.py`)."""

from __future__ import annotations

import numpy as np

from tfgan_zoo.utils.conversion import ConversionError, ConversionReport

__all__ = ["TorchStateMapper", "conv_kernel", "norm_kind", "strip_module_prefix"]


def conv_kernel(w):  # PyTorch Conv2d (out, in, kh, kw) and ConvTranspose2d (in, out, kh, kw) → Keras (kh, kw, ·, ·)
    return np.transpose(w, (2, 3, 1, 0))


def strip_module_prefix(state: dict) -> dict:
    """Removes DataParallel's `module.` prefix if every key has it."""
    if state and all(k.startswith("module.") for k in state):
        return {k[len("module."):]: v for k, v in state.items()}
    return dict(state)


class TorchStateMapper:
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
            self._assign(layer.kernel, conv_kernel(w), f"{key}.weight", f"{layer_name}/kernel")
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
        # Instance norm: the official InstanceNorm2d(affine=False) has no weight/bias, nor do the zoo's layers built
        # with affine=False (nothing to fill); a checkpoint with weight/bias needs layers with gamma/beta (built with
        # affine=True), else the keys stay unused (a strict error, never silently dropped). A layer with gamma/beta
        # and a checkpoint without them (pix2pix's U-Net) gets the identity.
        for torch_name, attr, identity in (("weight", "gamma", 1.0), ("bias", "beta", 0.0)):
            var = getattr(layer, attr, None)
            if var is None:
                continue  # `{key}.{torch_name}`, if present, is left in `unused`
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


def norm_kind(state: dict, key: str) -> str:
    return "batch" if f"{key}.running_mean" in state and f"{key}.weight" in state else "instance"
