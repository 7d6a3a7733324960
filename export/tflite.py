"""TFLite / LiteRT conversion of an exported SavedModel signature, and its verification in the LiteRT interpreter.

`convert_tflite` fixes the batch dimension (edge runtimes want static shapes), converts with builtin ops only and one
of four quantization modes; `verify_tflite` / `tflite_report` run the `.tflite` in `ai_edge_litert` and compare it
with the SavedModel on the same inputs (docs/FRAMEWORK_NOTES.md#tflite-quantization-errors has the reference errors
per mode).

A model that cannot be converted with builtin ops only must say why on its class, as
`tflite_select_tf_ops = "<reason>"`; the export records it and `convert_tflite` then allows Select TF ops.
"""

from __future__ import annotations

import collections
import os
import shutil
import tempfile
import threading
import time
import warnings

import numpy as np
import tensorflow as tf
from absl import logging

from tfgan_zoo.export.saved_model import ExportError, read_export_metadata

QUANTIZATIONS = ("none", "dynamic", "float16", "int8")
DEFAULT_SIGNATURE = "serving_default"


def _normalize_quantization(quantization):
    q = "none" if quantization in (None, "", "float32") else str(quantization).lower()
    if q not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {QUANTIZATIONS} (or None), got {quantization!r}.")
    return q


_LOADED = collections.OrderedDict()
_LOADED_LOCK = threading.Lock()


def load_saved_model(path):
    """`tf.saved_model.load`, cached per (path, saved_model.pb mtime) for the few most recent SavedModels."""
    path = os.path.abspath(os.fspath(path))
    pb = os.path.join(path, "saved_model.pb")
    key = (path, os.path.getmtime(pb) if os.path.exists(pb) else None)
    with _LOADED_LOCK:
        if key in _LOADED:
            _LOADED.move_to_end(key)
            return _LOADED[key]
    loaded = tf.saved_model.load(path)
    with _LOADED_LOCK:
        _LOADED[key] = loaded
        while len(_LOADED) > 4:
            _LOADED.popitem(last=False)
    return loaded


def _signature_specs(loaded, signature):
    if signature not in loaded.signatures:
        raise ValueError(f"SavedModel has no signature {signature!r}; it has {sorted(loaded.signatures)}.")
    fn = loaded.signatures[signature]
    return fn, dict(fn.structured_input_signature[1])


def _fixed_shape(shape, batch_size, meta):
    """A static shape: the batch dimension → `batch_size`; unknown image height/width (a fully convolutional
    model's dynamic signature) → the model's `fixed_input_size` recorded at export."""
    size = meta.get("fixed_input_size")
    out = []
    for i, d in enumerate(shape):
        if d is None and size and 0 < i < 3 and len(shape) == 4:
            d = int(size)
        out.append(batch_size if d is None else d)
    return out


def _fixed_specs(specs, batch_size, meta=None):
    names = sorted(specs)
    fixed = []
    for n in names:
        s = specs[n]
        if s.shape.rank is None:
            raise ExportError(f"Input {n!r} has unknown rank; TFLite needs static shapes.")
        fixed.append(tf.TensorSpec(_fixed_shape(s.shape.as_list(), batch_size, meta or {}), s.dtype, name=n))
    return names, fixed


# ----------------------------------------------------------------------------------------------- inputs
def _latent_sampler(meta, spec_shape, rng):
    dist = meta.get("latent_distribution", "normal")
    if dist == "uniform":
        return rng.uniform(-1.0, 1.0, spec_shape).astype(np.float32)
    return rng.standard_normal(spec_shape).astype(np.float32)


def sample_inputs(saved_model_dir, signature=DEFAULT_SIGNATURE, batch_size=1, num_batches=1, seed=0,
                  allow_synthetic_images=True):
    """Inputs drawn from the model's own input distribution, as a list of `{name: array}` batches.

    Latents follow the exported `latent_distribution`, labels are uniform over `num_classes`, int scalars are
    seeds/counts. Image inputs have no distribution to draw from: with `allow_synthetic_images` they are smooth
    random images in [-1, 1] (fine for comparing two runtimes, not for int8 calibration), otherwise this raises.
    """
    meta = read_export_metadata(saved_model_dir)
    loaded = load_saved_model(saved_model_dir)
    _, specs = _signature_specs(loaded, signature)
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(num_batches):
        batch = {}
        for name, spec in specs.items():
            shape = _fixed_shape(spec.shape.as_list(), batch_size, meta)
            if spec.dtype.is_integer:
                if not shape:
                    batch[name] = np.asarray(rng.integers(1, 1000), spec.dtype.as_numpy_dtype)
                else:
                    high = int(meta.get("num_classes", 2))
                    batch[name] = rng.integers(0, high, shape).astype(spec.dtype.as_numpy_dtype)
            elif len(shape) == 4:
                if not allow_synthetic_images:
                    raise ValueError(
                        f"Input {name!r} is an image: int8 calibration needs real images of the model's input "
                        "distribution. Pass representative_data={'%s': real_images} (N, H, W, C) in [-1, 1]." % name
                    )
                batch[name] = _smooth_images(rng, shape)
            elif len(shape) == 2:
                batch[name] = _latent_sampler(meta, shape, rng)
            else:
                batch[name] = rng.standard_normal(shape).astype(spec.dtype.as_numpy_dtype)
        batches.append(batch)
    return batches


def _smooth_images(rng, shape):
    n, h, w, c = shape
    coarse = rng.uniform(-1.0, 1.0, (n, max(2, h // 4), max(2, w // 4), c)).astype(np.float32)
    return tf.clip_by_value(tf.image.resize(coarse, (h, w), method="bilinear"), -1.0, 1.0).numpy()


def _batches_from(representative_data, names, batch_size):
    """Normalizes representative data into a list of `{name: array[batch_size, ...]}` batches."""
    data = representative_data() if callable(representative_data) else representative_data
    if isinstance(data, np.ndarray):
        if len(names) != 1:
            raise ValueError(f"An array of representative data fits a single-input signature; this one takes {names}.")
        data = {names[0]: data}
    if isinstance(data, dict):
        arrays = {k: np.asarray(v) for k, v in data.items()}
        if set(arrays) != set(names):
            raise ValueError(f"representative_data has inputs {sorted(arrays)}; the signature takes {sorted(names)}.")
        n = min(len(a) for a in arrays.values())
        if n < batch_size:
            raise ValueError(f"representative_data has {n} examples, fewer than batch_size={batch_size}.")
        return [{k: a[i : i + batch_size] for k, a in arrays.items()} for i in range(0, n - batch_size + 1, batch_size)]
    batches = [dict(b) for b in data]
    for b in batches:
        if set(b) != set(names):
            raise ValueError(f"representative_data batch has inputs {sorted(b)}; the signature takes {sorted(names)}.")
    return batches


# ----------------------------------------------------------------------------------------------- conversion
def convert_tflite(
    saved_model_dir,
    out_path,
    quantization="none",
    representative_data=None,
    signature=DEFAULT_SIGNATURE,
    batch_size=1,
    num_calibration_batches=32,
    int8_io=False,
    allow_select_tf_ops=None,
) -> str:
    """Converts one signature of a SavedModel to a fixed-batch `.tflite` file with builtin ops.

    Args:
        saved_model_dir: a version directory written by `export_saved_model`.
        out_path: the `.tflite` file to write.
        quantization: "none" (float32), "dynamic" (int8 weights), "float16" (float16 weights) or "int8" (full integer,
            calibrated on `representative_data`).
        representative_data: int8 calibration inputs: `{input_name: array[N, ...]}`, an array (single-input
            signatures), an iterable of `{input_name: batch}` dicts, or a callable returning one of those. Default:
            draws from the model's own latent / label distribution (recorded at export); image inputs need real data.
        signature: the signature to convert; the `.tflite` keeps its name and input/output names.
        batch_size: the fixed batch dimension.
        int8_io: with "int8", make the model's float inputs/outputs int8 too (microcontrollers); otherwise the
            interface stays float32 with quantize/dequantize at the edges.
        allow_select_tf_ops: allow TF ops the TFLite builtins lack. Default: only if the model's class declares
            `tflite_select_tf_ops` (with its reason).

    Returns:
        `out_path`.
    """
    q = _normalize_quantization(quantization)
    saved_model_dir = os.fspath(saved_model_dir)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    meta = read_export_metadata(saved_model_dir)
    if allow_select_tf_ops is None:
        allow_select_tf_ops = bool(meta.get("tflite_select_tf_ops"))
    policy = meta.get("dtype_policy", "float32")
    if policy.startswith("mixed") and not allow_select_tf_ops:
        raise ExportError(
            f"{saved_model_dir} was exported from a {policy} model: its graph computes in half precision, which the "
            "TFLite builtin kernels do not run. For the edge, build the model in float32 "
            "(keras.mixed_precision.set_global_policy('float32')), load the trained weights and export that "
            "(`tfgan-zoo export --format tflite` does this: it builds from the config in float32)."
        )
    loaded = load_saved_model(saved_model_dir)
    fn, specs = _signature_specs(loaded, signature)
    names, fixed = _fixed_specs(specs, batch_size, meta)

    def call(*args):
        return fn(**dict(zip(names, args)))

    # A minimal module: the fixed-batch function and the variables it captures (re-saving the whole loaded object
    # would serialize every signature again; tracking the captured variables keeps them in the checkpoint).
    module = tf.Module()
    module.captured = list(fn.variables)
    module.fixed = tf.function(call, input_signature=fixed, autograph=False)
    tmp = tempfile.mkdtemp(prefix="tfgan_zoo_tflite_")
    try:
        tf.saved_model.save(module, tmp, signatures={signature: module.fixed.get_concrete_function()})
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp, signature_keys=[signature])
        ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if q == "dynamic":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        elif q == "float16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        elif q == "int8":
            if representative_data is None:
                batches = sample_inputs(saved_model_dir, signature, batch_size, num_calibration_batches, seed=1234,
                                        allow_synthetic_images=False)
            else:
                batches = _batches_from(representative_data, names, batch_size)[:num_calibration_batches]
            if not batches:
                raise ValueError("representative_data yielded no batch.")

            def gen():
                for b in batches:
                    yield {k: np.asarray(v, specs[k].dtype.as_numpy_dtype) for k, v in b.items()}

            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = gen
            ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            if int8_io:
                converter.inference_input_type = tf.int8
                converter.inference_output_type = tf.int8
        if allow_select_tf_ops:
            ops = ops + [tf.lite.OpsSet.SELECT_TF_OPS]
        converter.target_spec.supported_ops = ops
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                flatbuffer = converter.convert()
        except Exception as e:
            raise ExportError(
                f"TFLite conversion of {saved_model_dir} signature {signature!r} ({q}) failed with builtin ops only: "
                f"{str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__}. If the model needs "
                "TensorFlow ops, declare `tflite_select_tf_ops = '<reason>'` on its class (or pass "
                "allow_select_tf_ops=True)."
            ) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out_path = os.fspath(out_path)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "wb") as f:
        f.write(flatbuffer)
    return out_path


# ----------------------------------------------------------------------------------------------- verification
def _interpreter(tflite_path, num_threads=None):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=os.fspath(tflite_path), num_threads=num_threads)


def _quantize(x, detail):
    scale, zero = detail["quantization"]
    if detail["dtype"] in (np.int8, np.uint8) and scale:
        info = np.iinfo(detail["dtype"])
        return np.clip(np.round(x / scale + zero), info.min, info.max).astype(detail["dtype"])
    return np.asarray(x, detail["dtype"])


def _dequantize(y, detail):
    scale, zero = detail["quantization"]
    if detail["dtype"] in (np.int8, np.uint8) and scale:
        return (y.astype(np.float32) - zero) * scale
    return y


class TFLiteRunner:
    """Runs one signature of a `.tflite` in the LiteRT interpreter, quantizing int8 inputs/outputs if needed."""

    def __init__(self, tflite_path, signature=DEFAULT_SIGNATURE, num_threads=None):
        self.interpreter = _interpreter(tflite_path, num_threads)
        sigs = self.interpreter.get_signature_list()
        if signature not in sigs:
            raise ValueError(f"{tflite_path} has no signature {signature!r}; it has {sorted(sigs)}.")
        self.runner = self.interpreter.get_signature_runner(signature)
        self.input_details = self.runner.get_input_details()
        self.output_details = self.runner.get_output_details()

    @property
    def batch_size(self):
        shapes = [d["shape"] for d in self.input_details.values() if len(d["shape"])]
        return int(shapes[0][0]) if shapes else 1

    def __call__(self, **inputs):
        feed = {k: _quantize(np.asarray(v), self.input_details[k]) for k, v in inputs.items()}
        out = self.runner(**feed)
        return {k: _dequantize(v, self.output_details[k]) for k, v in out.items()}


def _psnr(a, b, peak_to_peak):
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(peak_to_peak**2 / mse))


def tflite_report(tflite_path, saved_model_dir, inputs=None, signature=DEFAULT_SIGNATURE, num_batches=4, seed=0,
                  latency_runs=20, num_threads=None) -> dict:
    """Compares a `.tflite` with its SavedModel on the same inputs and times it.

    Args:
        inputs: a list of `{input_name: batch}` dicts (fixed batch of the `.tflite`); default: `num_batches` draws
            from the model's input distribution (`sample_inputs`).
    Returns:
        {"max_abs_error", "mean_abs_error", "psnr_db" (images in [-1, 1], peak-to-peak 2; uint8 outputs 255),
         "size_bytes", "latency_ms_p50", "latency_ms_p99", "batch_size", "per_output": {...}}.
    """
    runner = TFLiteRunner(tflite_path, signature, num_threads)
    batch = runner.batch_size
    if inputs is None:
        inputs = sample_inputs(saved_model_dir, signature, batch, num_batches, seed)
    elif isinstance(inputs, dict):
        inputs = [inputs]
    loaded = load_saved_model(saved_model_dir)
    fn, specs = _signature_specs(loaded, signature)
    per_output = {}
    for b in inputs:
        b = {k: np.asarray(v, specs[k].dtype.as_numpy_dtype) for k, v in b.items()}
        ref = {k: v.numpy() for k, v in fn(**{k: tf.constant(v) for k, v in b.items()}).items()}
        got = runner(**b)
        for key, r in ref.items():
            g = np.asarray(got[key], np.float64)
            r64 = r.astype(np.float64)
            entry = per_output.setdefault(key, {"abs": [], "ref": [], "got": [], "dtype": r.dtype})
            entry["abs"].append(np.abs(g - r64).ravel())
            entry["ref"].append(r64)
            entry["got"].append(g)
    report_out = {}
    for key, e in per_output.items():
        abs_err = np.concatenate(e["abs"])
        peak = 255.0 if e["dtype"] == np.uint8 else 2.0
        report_out[key] = {
            "max_abs_error": float(abs_err.max()),
            "mean_abs_error": float(abs_err.mean()),
            "psnr_db": _psnr(np.concatenate([x.ravel() for x in e["got"]]),
                             np.concatenate([x.ravel() for x in e["ref"]]), peak),
        }
    main = "images" if "images" in report_out else sorted(report_out)[0]
    times = []
    sample = inputs[0]
    for _ in range(max(1, latency_runs)):
        t = time.perf_counter()
        runner(**sample)
        times.append((time.perf_counter() - t) * 1000.0)
    return {
        "max_abs_error": max(v["max_abs_error"] for v in report_out.values()),
        "mean_abs_error": report_out[main]["mean_abs_error"],
        "psnr_db": report_out[main]["psnr_db"],
        "size_bytes": os.path.getsize(tflite_path),
        "latency_ms_p50": float(np.percentile(times, 50)),
        "latency_ms_p99": float(np.percentile(times, 99)),
        "batch_size": batch,
        "per_output": report_out,
    }


def verify_tflite(tflite_path, saved_model_dir, inputs=None, signature=DEFAULT_SIGNATURE, num_batches=4, seed=0,
                  atol=None) -> float:
    """Runs the `.tflite` in the LiteRT interpreter and the SavedModel on the same inputs; returns the max abs error.

    With `atol`, raises `AssertionError` when the error exceeds it. Use `tflite_report` for PSNR, size and latency.
    """
    report = tflite_report(tflite_path, saved_model_dir, inputs, signature, num_batches, seed, latency_runs=1)
    err = report["max_abs_error"]
    if atol is not None and not err <= atol:
        raise AssertionError(f"{tflite_path}: max abs error {err:.3g} vs the SavedModel exceeds {atol:.3g}.")
    return err


def representative_images(cfg, model, batch_size, n=256):
    """Real source images for int8 calibration of an image input, from the config's data section (None if unreadable).

    Args:
        cfg: the `ExperimentConfig` whose `data` section is read.
        model: the model (its task says what a batch holds).
        batch_size: unused beyond the reading batch (kept for callers that pass the TFLite batch).
        n: at most this many images.
    """
    try:
        from tfgan_zoo.data import build_dataset

        ds, _ = build_dataset(cfg.data, model.task, batch_size=min(n, 64), seed=0, repeat=False)
        images = []
        for batch in ds:
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            images.append(np.asarray(x, np.float32))
            if sum(len(i) for i in images) >= n:
                break
        return np.concatenate(images)[:n] if images else None
    except Exception as e:  # noqa: BLE001
        logging.warning("could not read calibration images from the config's data section (%s).", e)
        return None
