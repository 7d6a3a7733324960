"""`tfgan-zoo export` and `tfgan-zoo serve`: argparse wiring and implementations.

tfgan_zoo/cli.py registers them with::

    from tfgan_zoo.export.cli_commands import add_export_parser, add_serve_parser
    add_export_parser(subparsers)   # sets func=run_export
    add_serve_parser(subparsers)    # sets func=run_serve

and calls `args.func(args)`, which returns the process exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time

import numpy as np

FORMATS = ("saved_model", "tflite", "onnx")


# ----------------------------------------------------------------------------------------------- parsers
def add_export_parser(subparsers):
    p = subparsers.add_parser(
        "export",
        help="Export a trained model: TF Serving SavedModel, TFLite or ONNX.",
        description="Builds the model from --config, loads --checkpoint and exports its inference (EMA) generator. "
        "saved_model writes <out>/<model_name>/<version>/ (TF Serving's layout, next free version by default); "
        "tflite and onnx write a file (<out>/<model_name>[_<quantization>].tflite|.onnx, or --out itself when it "
        "ends with .tflite/.onnx). Every export is verified: the SavedModel through tf.saved_model.load and the TF1 "
        "graph loader against the Keras model, TFLite in the LiteRT interpreter against the SavedModel.",
    )
    p.add_argument("--config", required=True, help="Experiment YAML (zoo_configs/<family>/<name>.yaml).")
    p.add_argument("--checkpoint", default=None,
                   help="Weights to export: a .weights.h5 file, a .keras file, or a tf.train checkpoint (directory or "
                   "prefix). Without it the model's initial weights are exported (with a warning).")
    p.add_argument("--out", required=True, help="Model base directory (saved_model) or output file/directory.")
    p.add_argument("--model_name", default=None, help="Served model name (default: the registry name).")
    p.add_argument("--version", type=int, default=None, help="Version number (default: next free version).")
    p.add_argument("--format", choices=FORMATS, default="saved_model")
    p.add_argument("--quantization", choices=("none", "dynamic", "float16", "int8"), default=None,
                   help="TFLite quantization (default: the config's export.tflite_quantization).")
    p.add_argument("--output_dtype", choices=("float32", "uint8", "both"), default=None,
                   help="Image outputs: float [-1, 1], uint8 [0, 255] or both (default: the config's export.output_dtype).")
    p.add_argument("--signature", default="serving_default", help="Signature converted to TFLite / ONNX.")
    p.add_argument("--batch_size", type=int, default=1, help="Fixed batch of the TFLite model.")
    p.add_argument("--int8_io", action="store_true", help="int8 TFLite with int8 inputs/outputs (not float).")
    p.add_argument("--overwrite", action="store_true", help="Replace an existing version directory.")
    p.add_argument("--no_verify", action="store_true", help="Skip the verification runs.")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="Config override, e.g. --set model.params.image_size=32 (repeatable).")
    p.set_defaults(func=run_export)
    return p


def add_serve_parser(subparsers):
    p = subparsers.add_parser(
        "serve",
        help="Serve exported models over TF Serving's gRPC and REST APIs (local server).",
        description="Serves <model_base_path>/<name>/<version>/ (or one model's <name>/<version>/ directory) with "
        "TF Serving's APIs: gRPC PredictionService/ModelService on --port, REST /v1/models/... on --rest_api_port. "
        "Flags follow tensorflow_model_server's. Binds 127.0.0.1 unless --host says otherwise. New versions are "
        "loaded as they appear (every --file_system_poll_wait_seconds) and the latest one is served.",
    )
    p.add_argument("--model_base_path", default=None, help="Base directory of the models (or of one model).")
    p.add_argument("--model_name", default=None, help="Serve only this model (default: every model found).")
    p.add_argument("--model_config_file", default=None, help="A TF Serving models.config (text ModelServerConfig).")
    p.add_argument("--port", type=int, default=8500, help="gRPC port (0: any free port).")
    p.add_argument("--rest_api_port", type=int, default=8501, help="REST port (0 disables REST, as in TF Serving).")
    p.add_argument("--host", default="127.0.0.1", help="Bind address (default 127.0.0.1: local only).")
    p.add_argument("--file_system_poll_wait_seconds", type=float, default=1.0,
                   help="Seconds between checks for new versions (0: no hot reload).")
    p.add_argument("--max_request_bytes", type=int, default=64 * 1024 * 1024,
                   help="Largest accepted request (gRPC message or REST body); larger ones get RESOURCE_EXHAUSTED.")
    p.add_argument("--no_warmup", action="store_true", help="Do not replay assets.extra/tf_serving_warmup_requests.")
    p.set_defaults(func=run_serve)
    return p


# ----------------------------------------------------------------------------------------------- checkpoints
def _float_vars(model):
    return [v for v in model.inference_generator.variables if "float" in str(v.dtype) and int(np.prod(v.shape)) > 0]


def load_checkpoint(model, path):
    """Loads trained weights into `model`; returns the model (a new object for a `.keras` file).

    Accepts a `.weights.h5` (`model.save_weights`), a `.keras` archive, or a `tf.train` checkpoint (a directory with
    a `checkpoint` file, or a prefix), saved from `tf.train.Checkpoint(model=model, ...)` or
    `tf.train.Checkpoint(model)`. Raises if the inference generator's variables are not all restored.
    """
    import keras
    import tensorflow as tf

    path = os.fspath(path)
    if path.endswith(".keras"):
        return keras.saving.load_model(path)
    if path.endswith(".h5"):
        model.load_weights(path)
        return model
    prefix = tf.train.latest_checkpoint(path) if os.path.isdir(path) else path
    if prefix is None or not (os.path.exists(prefix + ".index") or os.path.exists(prefix)):
        raise FileNotFoundError(f"No checkpoint at {path} (expected a .weights.h5, a .keras or a tf.train checkpoint).")
    targets = _float_vars(model)
    keys = [k for k, _ in tf.train.list_variables(prefix)]
    problems = []
    missing = [v.name for v in targets]
    for label, make in (("tf.train.Checkpoint(model=model)", lambda: tf.train.Checkpoint(model=model)),
                        ("tf.train.Checkpoint(model)", lambda: tf.train.Checkpoint(model))):
        for v in targets:  # NaN sentinel: whatever is still NaN afterwards was not in the checkpoint
            v.assign(tf.fill(v.shape, float("nan")))
        try:
            make().restore(prefix).expect_partial()
        except (ValueError, tf.errors.OpError) as e:  # e.g. the same names with other shapes
            problems.append(f"{label}: {str(e).splitlines()[0]}")
            continue
        missing = [v.name for v in targets if bool(np.isnan(np.asarray(v.numpy(), np.float64)).all())]
        if not missing:
            return model
    raise ValueError(
        f"Checkpoint {prefix} does not hold the inference generator's weights of this config's model "
        f"({len(missing)} of {len(targets)} variables not restored, e.g. {missing[:3]}). It has keys like {keys[:4]}."
        + (f" Errors: {problems}." if problems else "")
        + " Check --config matches the training run; save with tf.train.Checkpoint(model=model) or "
        "model.save_weights('x.weights.h5')."
    )


# ----------------------------------------------------------------------------------------------- export
def _verify_saved_model(model, path):
    """Max |SavedModel - Keras| over each signature, through both loaders."""
    import tensorflow as tf

    from tfgan_zoo.export import GraphSavedModel, example_inputs

    rng = np.random.default_rng(0)
    results = {}
    loaded = tf.saved_model.load(path)
    with GraphSavedModel(path) as graph:
        for name, (fn, specs) in model.serving_signatures().items():
            if name not in graph.signature_defs:
                continue
            inputs = example_inputs(specs, 2, model, name)
            inputs = {k: (rng.uniform(-1, 1, v.shape).astype(v.dtype) if v.dtype.kind == "f" else v)
                      for k, v in inputs.items()}
            ref = {k: np.asarray(v) for k, v in fn(*[tf.constant(inputs[s.name]) for s in specs]).items()}
            g = graph.run(name, inputs)
            e = {k: v.numpy() for k, v in loaded.signatures[name](**{k: tf.constant(v) for k, v in inputs.items()}).items()}
            diff = 0.0
            for k, r in ref.items():
                for out in (g, e):
                    if k in out:
                        diff = max(diff, float(np.abs(out[k].astype(np.float64) - r.astype(np.float64)).max()))
            results[name] = diff
    return results


def _representative_images(cfg, model, batch_size, n=256):
    """Real source images for int8 calibration of an image input, from the config's data section."""
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
        print(f"warning: could not read calibration images from the config's data section ({e}).", file=sys.stderr)
        return None


def run_export(args) -> int:
    import tfgan_zoo
    from tfgan_zoo.export import convert_tflite, export_onnx, export_saved_model, tflite_report, verify_onnx

    cfg = tfgan_zoo.load_config(args.config, args.overrides or None)
    model = tfgan_zoo.build_model(cfg)
    if args.checkpoint:
        model = load_checkpoint(model, args.checkpoint)
    else:
        print("warning: no --checkpoint given: exporting the model's initial (untrained) weights.", file=sys.stderr)
    name = args.model_name or model.registry_name
    output_dtype = args.output_dtype or cfg.export.output_dtype or "float32"
    quantization = args.quantization or cfg.export.tflite_quantization or "none"
    signatures = list(cfg.export.signatures) or None
    summary = {"model": model.registry_name, "model_name": name, "format": args.format}

    if args.format == "saved_model":
        start = time.perf_counter()
        path = export_saved_model(model, args.out, name, args.version, output_dtype, signatures,
                                  overwrite=args.overwrite)
        summary.update(path=path, export_seconds=round(time.perf_counter() - start, 3))
        if not args.no_verify and output_dtype != "uint8":
            summary["max_abs_diff_vs_keras"] = _verify_saved_model(model, path)
        print(json.dumps(summary, indent=2))
        return 0

    ext = ".tflite" if args.format == "tflite" else ".onnx"
    if args.out.endswith(ext):
        out_file = args.out
    else:
        suffix = f"_{quantization}" if args.format == "tflite" and quantization != "none" else ""
        out_file = os.path.join(args.out, f"{name}{suffix}{ext}")
    with tempfile.TemporaryDirectory(prefix="tfgan_zoo_export_") as tmp:
        start = time.perf_counter()
        sm = export_saved_model(model, tmp, name, 1, output_dtype, signatures, warmup=False)
        if args.format == "tflite":
            rep = None
            if quantization == "int8" and getattr(model, "task", "") in ("image_to_image", "super_resolution"):
                rep = _representative_images(cfg, model, args.batch_size)
                if rep is None:
                    raise SystemExit("int8 calibration needs real source images; the config's data section gave none.")
                rep = {"images": rep}
            convert_tflite(sm, out_file, quantization, rep, args.signature, args.batch_size, int8_io=args.int8_io)
            summary.update(path=out_file, quantization=quantization, batch_size=args.batch_size,
                           export_seconds=round(time.perf_counter() - start, 3))
            if not args.no_verify:
                report = tflite_report(out_file, sm, signature=args.signature)
                summary.update({k: report[k] for k in ("max_abs_error", "mean_abs_error", "psnr_db", "size_bytes",
                                                       "latency_ms_p50")})
        else:
            export_onnx(sm, out_file, args.signature)
            summary.update(path=out_file, export_seconds=round(time.perf_counter() - start, 3))
            if not args.no_verify:
                summary["max_abs_error"] = verify_onnx(out_file, sm, signature=args.signature)
    print(json.dumps(summary, indent=2))
    return 0


# ----------------------------------------------------------------------------------------------- serve
def run_serve(args, block=True):
    """Starts the local server. With `block` (the CLI) waits for Ctrl-C / SIGTERM and returns 0; otherwise returns
    the running `ModelServer`."""
    from tfgan_zoo.serving import serve

    if not args.model_base_path and not args.model_config_file:
        raise SystemExit("serve needs --model_base_path or --model_config_file.")
    server = serve(
        args.model_base_path,
        host=args.host,
        grpc_port=args.port,
        rest_port=args.rest_api_port if args.rest_api_port else None,
        model_name=args.model_name,
        model_config_file=args.model_config_file,
        poll_interval=args.file_system_poll_wait_seconds,
        max_request_bytes=args.max_request_bytes,
        warmup=not args.no_warmup,
    )
    models = {n: server.manager.available_versions(n) for n in server.manager.model_names()}
    print(f"Serving {models} - gRPC {server.grpc_address}, REST {server.rest_url or 'off'}", flush=True)
    if not block:
        return server
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: threading.Thread(target=server.stop, daemon=True).start())
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()
    print("Model server stopped.", flush=True)
    return 0


def main(argv=None):
    """Stand-alone entry point (`python -m tfgan_zoo.export.cli_commands export|serve ...`)."""
    parser = argparse.ArgumentParser(prog="tfgan-zoo")
    sub = parser.add_subparsers(dest="command", required=True)
    add_export_parser(sub)
    add_serve_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
