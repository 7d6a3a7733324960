"""SavedModel export in TF Serving's `<base>/<model_name>/<version>/` layout.

One endpoint per entry of `model.serving_signatures()`, written through `keras.export.ExportArchive` (which also
tracks the raw `tf.Variable`s the signatures capture, so the export loads in the TF1/C++ graph loader that TF Serving
uses, not only in `tf.saved_model.load`; see docs/FRAMEWORK_NOTES.md#savedmodel-captured-variables). Only the
inference (EMA) generator is written: the export refuses signatures that capture any other variable.

Layout of one version directory::

    <base>/<model_name>/<version>/
        saved_model.pb, fingerprint.pb, variables/, assets/
        assets.extra/tf_serving_warmup_requests   # TFRecord of PredictionLog protos, one per signature
        assets.extra/tfgan_zoo.json               # what was exported: model, task, config, signatures

The version directory is written under a hidden temporary name and renamed into place, so a server polling
`<base>/<model_name>/` never sees a half-written version.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import shutil
import tempfile
import time

import numpy as np
import tensorflow as tf

OUTPUT_DTYPES = ("float32", "uint8", "both")
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
METADATA_FILE = os.path.join("assets.extra", "tfgan_zoo.json")
#: output keys that hold images in [-1, 1] (post-processed to uint8 when asked).
IMAGE_OUTPUT_KEYS = ("images", "images_a", "images_b")


class ExportError(RuntimeError):
    """The model cannot be exported as asked; the message says why and what to do."""


# ----------------------------------------------------------------------------------------------- versions
def list_versions(model_dir) -> list[int]:
    """Integer version subdirectories of `model_dir` (TF Serving's layout), ascending. Hidden/temporary and
    non-numeric entries are ignored, as TF Serving ignores them."""
    if not os.path.isdir(model_dir):
        return []
    versions = []
    for entry in os.listdir(model_dir):
        if entry.isdigit() and os.path.isdir(os.path.join(model_dir, entry)):
            versions.append(int(entry))
    return sorted(versions)


def next_version(model_dir) -> int:
    """1 + the largest existing version under `model_dir` (1 when there is none)."""
    versions = list_versions(model_dir)
    return (versions[-1] + 1) if versions else 1


# ----------------------------------------------------------------------------------------------- post-processing
def to_uint8(images):
    """[-1, 1] float images → uint8 [0, 255], rounded and clipped, in the graph."""
    x = tf.clip_by_value((tf.cast(images, tf.float32) + 1.0) * 127.5, 0.0, 255.0)
    return tf.cast(tf.round(x), tf.uint8)


def _post_process(outputs: dict, output_dtype: str) -> dict:
    if output_dtype == "float32":
        return dict(outputs)
    out = {}
    for key, value in outputs.items():
        if key in IMAGE_OUTPUT_KEYS:
            if output_dtype == "uint8":
                out[key] = to_uint8(value)
            else:  # both
                out[key] = value
                out[f"{key}_uint8"] = to_uint8(value)
        else:
            out[key] = value
    return out


def _wrap_endpoint(fn, output_dtype):
    @functools.wraps(fn)
    def endpoint(*args):
        outputs = fn(*args)
        if not isinstance(outputs, dict):
            raise ExportError(
                f"Serving function {getattr(fn, '__name__', fn)} must return a dict of named outputs, got "
                f"{type(outputs)}."
            )
        return _post_process(outputs, output_dtype)

    return endpoint


# ----------------------------------------------------------------------------------------------- warm-up
def example_inputs(specs, batch_size=1, model=None, endpoint=None) -> dict:
    """Valid example inputs for a list of named `tf.TensorSpec`s: {name: numpy array}.

    Float inputs are zeros; int scalars are 1 (a valid `seed` and `num_images`); int tensors are zeros (class 0).
    Unknown dimensions become `batch_size`. A model may override this with `serving_example_inputs(endpoint, batch)`.
    """
    custom = getattr(model, "serving_example_inputs", None) if model is not None else None
    if custom is not None:
        values = custom(endpoint, batch_size)
        if values is not None:
            return {k: np.asarray(v) for k, v in values.items()}
    out = {}
    for spec in specs:
        shape = [batch_size if d is None else d for d in spec.shape.as_list()]
        dtype = spec.dtype.as_numpy_dtype
        if spec.dtype.is_integer and not shape:
            out[spec.name] = np.asarray(1, dtype)
        else:
            out[spec.name] = np.zeros(shape, dtype)
    return out


def write_warmup_requests(path, model_name, requests: dict) -> int:
    """Writes TF Serving's warm-up file: a TFRecord of `PredictionLog` protos.

    Args:
        path: the file (`<version>/assets.extra/tf_serving_warmup_requests`).
        requests: {signature_name: {input_name: numpy array}}.
    Returns:
        the number of records written.
    """
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    os.makedirs(os.path.dirname(path), exist_ok=True)
    n = 0
    with tf.io.TFRecordWriter(path) as writer:
        for signature, inputs in requests.items():
            request = predict_pb2.PredictRequest()
            request.model_spec.name = model_name
            request.model_spec.signature_name = signature
            for name, value in inputs.items():
                request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
            n += 1
    return n


def read_warmup_requests(version_dir) -> list:
    """Parses `<version_dir>/assets.extra/tf_serving_warmup_requests` into a list of `PredictionLog` protos
    (empty if the file is absent). Raises `ValueError` on a record that is not a PredictionLog."""
    from tensorflow_serving.apis import prediction_log_pb2

    path = os.path.join(os.fspath(version_dir), WARMUP_FILE)
    if not os.path.exists(path):
        return []
    logs = []
    for i, record in enumerate(tf.data.TFRecordDataset(path).as_numpy_iterator()):
        log = prediction_log_pb2.PredictionLog()
        try:
            log.ParseFromString(record)
        except Exception as e:  # protobuf raises DecodeError
            raise ValueError(f"{path}: record {i} is not a PredictionLog proto ({e}).") from None
        if log.WhichOneof("log_type") is None:
            raise ValueError(f"{path}: record {i} is an empty PredictionLog.")
        logs.append(log)
    return logs


# ----------------------------------------------------------------------------------------------- metadata
def _spec_json(spec):
    return {"dtype": spec.dtype.name, "shape": [-1 if d is None else int(d) for d in spec.shape.as_list()]}


def _model_facts(model) -> dict:
    facts = {}
    for key in ("latent_dim", "latent_distribution", "num_classes", "image_size", "channels", "in_channels",
                "out_channels", "scale", "fixed_input_size"):
        value = getattr(model, key, None)
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            facts[key] = value
    return facts


def read_export_metadata(version_dir) -> dict:
    """The `assets.extra/tfgan_zoo.json` written by `export_saved_model` ({} for a foreign SavedModel)."""
    path = os.path.join(os.fspath(version_dir), METADATA_FILE)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


# ----------------------------------------------------------------------------------------------- export
def _variables_check(model, generator, concrete_fns):
    allowed = set()
    for v in generator.variables:
        for obj in (v, getattr(v, "_value", None)):
            if obj is None:
                continue
            allowed.add(id(obj))
            # Under tf.distribute the concrete function captures the per-device components.
            for component in getattr(obj, "_values", None) or ():
                allowed.add(id(component))
    foreign = []
    for name, cf in concrete_fns.items():
        for v in cf.variables:
            if id(v) not in allowed:
                foreign.append(f"{name}: {v.name}")
    if foreign:
        raise ExportError(
            f"{type(model).__name__}.serving_signatures() uses variables outside the inference generator "
            f"({getattr(generator, 'name', generator)}): {foreign[:8]}. Only the inference (EMA) generator may be "
            "exported; make the serving functions call `model.inference_generator` only."
        )


def export_saved_model(
    model,
    base_dir,
    model_name=None,
    version=None,
    output_dtype="float32",
    signatures=None,
    warmup=True,
    overwrite=False,
    verbose=False,
) -> str:
    """Exports `model`'s inference generator as a TF Serving SavedModel at `<base_dir>/<model_name>/<version>/`.

    Args:
        model: a zoo GAN (anything with `serving_signatures()` and `inference_generator`).
        base_dir: the model base directory shared by all models (TF Serving's `/models`).
        model_name: directory and served name; defaults to `model.registry_name`.
        version: integer version; defaults to the next free one (1 for a new model).
        output_dtype: "float32" (images in [-1, 1]), "uint8" (images in [0, 255], converted in the graph) or
            "both" (`images` float and `images_uint8`).
        signatures: names of the endpoints to export (default: all of `serving_signatures()`). The first is also
            `serving_default` when `serving_default` itself is not exported.
        warmup: write `assets.extra/tf_serving_warmup_requests` (one Predict request per signature).
        overwrite: replace an existing version directory instead of raising.

    Returns:
        The version directory path.

    Example:
        >>> import tfgan_zoo
        >>> from tfgan_zoo.export import export_saved_model
        >>> m = tfgan_zoo.build_model("dcgan", image_size=16, g_base_filters=8, d_base_filters=8)
        >>> path = export_saved_model(m, "/tmp/models")  # /tmp/models/dcgan/<next version>
    """
    from keras.export import ExportArchive

    if output_dtype not in OUTPUT_DTYPES:
        raise ValueError(f"output_dtype must be one of {OUTPUT_DTYPES}, got {output_dtype!r}.")
    if not hasattr(model, "serving_signatures"):
        raise TypeError(f"{type(model).__name__} has no serving_signatures(); export takes a tfgan_zoo model.")
    model_name = model_name or getattr(model, "registry_name", "") or model.name
    if not model_name or os.sep in model_name or model_name.startswith("."):
        raise ValueError(f"Invalid model_name {model_name!r}: it is a single directory name.")
    model_dir = os.path.join(os.fspath(base_dir), model_name)
    if version is None:
        version = next_version(model_dir)
    version = int(version)
    if version < 0:
        raise ValueError(f"version must be a non-negative integer, got {version}.")
    final_dir = os.path.join(model_dir, str(version))
    if os.path.exists(final_dir) and not overwrite:
        raise FileExistsError(
            f"{final_dir} already exists. Pass version=None for the next free version ({next_version(model_dir)}) "
            "or overwrite=True."
        )

    all_sigs = model.serving_signatures()
    names = list(all_sigs) if not signatures else list(signatures)
    unknown = [n for n in names if n not in all_sigs]
    if unknown:
        raise ValueError(f"Unknown signature(s) {unknown} for {model_name}; it serves {sorted(all_sigs)}.")

    generator = model.inference_generator
    start = time.perf_counter()
    archive = ExportArchive()
    archive.track(generator)
    concrete = {}
    for name in names:
        fn, specs = all_sigs[name]
        specs = list(specs)
        missing_names = [s for s in specs if not s.name]
        if missing_names:
            raise ExportError(
                f"Signature {name!r} of {model_name} has unnamed TensorSpecs; serving needs named inputs.")
        decorated = archive.add_endpoint(name, _wrap_endpoint(fn, output_dtype), specs)
        concrete[name] = decorated.get_concrete_function()
    _variables_check(model, generator, concrete)

    os.makedirs(model_dir, exist_ok=True)
    tmp_dir = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=model_dir)
    try:
        archive.write_out(tmp_dir, verbose=verbose)
        served = list(names) + ([] if "serving_default" in names else ["serving_default"])
        sig_specs = {}
        for name in served:
            cf = concrete[name if name in concrete else names[0]]
            sig_specs[name] = {
                "inputs": {s.name: _spec_json(s) for s in all_sigs[name if name in all_sigs else names[0]][1]},
                "outputs": {k: _spec_json(v) for k, v in cf.structured_outputs.items()},
            }
        if warmup:
            requests = {}
            for name in served:
                src = name if name in all_sigs else names[0]
                requests[name] = example_inputs(all_sigs[src][1], 1, model, src)
            write_warmup_requests(os.path.join(tmp_dir, WARMUP_FILE), model_name, requests)
        meta = {
            "format_version": 1,
            "model": getattr(model, "registry_name", type(model).__name__),
            "class": f"{type(model).__module__}.{type(model).__name__}",
            "task": str(model.task),
            "model_name": model_name,
            "version": version,
            "output_dtype": output_dtype,
            "inference_generator": generator.name,
            "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "tensorflow": tf.__version__,
            "signatures": sig_specs,
            "tflite_select_tf_ops": getattr(model, "tflite_select_tf_ops", None),
            "dtype_policy": getattr(getattr(generator, "dtype_policy", None), "name", "float32"),
            **_model_facts(model),
        }
        try:
            meta["config"] = json.loads(json.dumps(model.get_config(), default=str))
        except Exception:  # a config that cannot be represented is informative only
            meta["config"] = None
        os.makedirs(os.path.join(tmp_dir, "assets.extra"), exist_ok=True)
        with open(os.path.join(tmp_dir, METADATA_FILE), "w") as f:
            json.dump(meta, f, indent=2, sort_keys=True)
        if os.path.exists(final_dir):  # overwrite=True
            shutil.rmtree(final_dir)
        os.rename(tmp_dir, final_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    if verbose:
        print(f"Exported {model_name} version {version} to {final_dir} in {time.perf_counter() - start:.2f} s "
              f"(signatures: {', '.join(sorted(sig_specs))}).")
    return final_dir
