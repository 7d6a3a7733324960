"""`tfgan-zoo export`: argparse wiring and implementation.

tfgan_zoo/cli.py registers it with::

    from tfgan_zoo.export.cli_commands import add_export_parser
    add_export_parser(subparsers)   # sets func=run_export

and calls `args.func(args)`, which returns the process exit code. `tfgan-zoo serve` lives in
`tfgan_zoo.serving.cli_commands` (serving builds on export, never the other way).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
from absl import logging

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
                   help="Image outputs: float [-1, 1], uint8 [0, 255] or both (default: the config's "
                        "export.output_dtype).")
    p.add_argument("--signature", default="serving_default", help="Signature converted to TFLite / ONNX.")
    p.add_argument("--batch_size", type=int, default=1, help="Fixed batch of the TFLite model.")
    p.add_argument("--int8_io", action="store_true", help="int8 TFLite with int8 inputs/outputs (not float).")
    p.add_argument("--overwrite", action="store_true", help="Replace an existing version directory.")
    p.add_argument("--no_verify", action="store_true", help="Skip the verification runs.")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="Config override, e.g. --set model.params.image_size=32 (repeatable).")
    p.set_defaults(func=run_export)
    return p


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
            tensors = {k: tf.constant(v) for k, v in inputs.items()}
            e = {k: v.numpy() for k, v in loaded.signatures[name](**tensors).items()}
            diff = 0.0
            for k, r in ref.items():
                for out in (g, e):
                    if k in out:
                        diff = max(diff, float(np.abs(out[k].astype(np.float64) - r.astype(np.float64)).max()))
            results[name] = diff
    return results


def run_export(args) -> int:
    import tfgan_zoo
    from tfgan_zoo.export import convert_tflite, export_onnx, export_saved_model, tflite_report, verify_onnx
    from tfgan_zoo.export.tflite import representative_images
    from tfgan_zoo.training.checkpoint import load_checkpoint

    cfg = tfgan_zoo.load_config(args.config, args.overrides or None)
    model = tfgan_zoo.build_model(cfg)
    if args.checkpoint:
        model = load_checkpoint(model, args.checkpoint)
    else:
        logging.warning("no --checkpoint given: exporting the model's initial (untrained) weights.")
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
            if quantization == "int8" and model.task.image_input:
                rep = representative_images(cfg, model, args.batch_size)
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


def main(argv=None):
    """Stand-alone entry point (`python -m tfgan_zoo.export.cli_commands export ...`)."""
    parser = argparse.ArgumentParser(prog="tfgan-zoo")
    sub = parser.add_subparsers(dest="command", required=True)
    add_export_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
