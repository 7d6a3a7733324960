"""Optional ONNX export of a SavedModel signature through tf2onnx, verified with onnxruntime.

Neither package is a requirement of tfgan_zoo: `pip install "tfgan_zoo[onnx]"` installs both. The functions here raise
an `ImportError` that says so when they are missing.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np

DEFAULT_SIGNATURE = "serving_default"


def onnx_available() -> bool:
    """True when both tf2onnx (export) and onnxruntime (verification) are importable."""
    return importlib.util.find_spec("tf2onnx") is not None and importlib.util.find_spec("onnxruntime") is not None


def _require(module):
    if importlib.util.find_spec(module) is None:
        raise ImportError(f"ONNX export needs {module}, which is not installed: pip install 'tfgan_zoo[onnx]'.")


def export_onnx(saved_model_dir, out_path, signature=DEFAULT_SIGNATURE, opset=17, timeout=600) -> str:
    """Converts one signature of a SavedModel to ONNX with `python -m tf2onnx.convert`; returns `out_path`."""
    _require("tf2onnx")
    out_path = os.fspath(out_path)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    cmd = [sys.executable, "-m", "tf2onnx.convert", "--saved-model", os.fspath(saved_model_dir), "--signature_def",
           signature, "--opset", str(opset), "--output", out_path]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not os.path.exists(out_path):
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise RuntimeError(f"tf2onnx failed on {saved_model_dir} ({signature}):\n{tail}")
    return out_path


def verify_onnx(onnx_path, saved_model_dir, inputs=None, signature=DEFAULT_SIGNATURE, batch_size=2, seed=0) -> float:
    """Runs the ONNX model in onnxruntime and the SavedModel on the same inputs; returns the max abs error."""
    _require("onnxruntime")
    import onnxruntime as ort
    import tensorflow as tf

    from tfgan_zoo.export.tflite import sample_inputs

    if inputs is None:
        inputs = sample_inputs(saved_model_dir, signature, batch_size, 1, seed)[0]
    session = ort.InferenceSession(os.fspath(onnx_path), providers=["CPUExecutionProvider"])
    onnx_names = {i.name.split(":")[0]: i.name for i in session.get_inputs()}
    feed = {onnx_names.get(k, k): np.asarray(v) for k, v in inputs.items()}
    outputs = [o.name for o in session.get_outputs()]
    got = dict(zip([o.split(":")[0] for o in outputs], session.run(outputs, feed)))
    fn = tf.saved_model.load(os.fspath(saved_model_dir)).signatures[signature]
    ref = {k: v.numpy() for k, v in fn(**{k: tf.constant(v) for k, v in inputs.items()}).items()}
    return max(float(np.abs(got[k].astype(np.float64) - ref[k].astype(np.float64)).max()) for k in ref if k in got)
