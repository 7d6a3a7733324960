"""Export / serving / edge benchmark: in-process SavedModel vs gRPC and REST through the local server, and TFLite.

    python -m tfgan_zoo.serving.benchmark                      # DCGAN and Pix2Pix digits configs
    python -m tfgan_zoo.serving.benchmark --configs zoo_configs/dcgan/dcgan_celeba_64.yaml --out bench.json
    python -m tfgan_zoo.serving.benchmark --batching                 # 8 concurrent batch-1 clients, batching on/off

For each config: build the model, give its generator random unit-scale weights (so quantization errors mean something;
pass --checkpoint-free trained weights with --weights), export it, then time
  * in-process: the SavedModel signature (`tf.saved_model.load`) and the TF1 graph session the server runs;
  * gRPC through the local server with the official stubs, and REST (columnar JSON);
at batch 1 and 64 (p50/p99 latency, images/s), and convert to TFLite in every quantization mode (size, batch-1 latency
in LiteRT, max abs error and PSNR vs the SavedModel; int8 calibrated on the model's own inputs: latents from its
distribution, real images from the config's data section for image inputs).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time

import numpy as np

DEFAULT_CONFIGS = ("zoo_configs/dcgan/dcgan_digits_32.yaml", "zoo_configs/pix2pix/pix2pix_digits_edges_32.yaml")


def _timeit(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times = np.asarray(times) * 1000.0
    return {"p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99)),
            "mean_ms": float(times.mean())}


def _row(kind, batch, stats):
    return {"path": kind, "batch": batch, **{k: round(v, 3) for k, v in stats.items()},
            "images_per_s": round(batch * 1000.0 / stats["mean_ms"], 1)}


def bench_model(config_path, workdir, batches=(1, 64), runs=30, weights=None, tflite_modes=None):
    import tensorflow as tf

    import tfgan_zoo
    from tfgan_zoo.export import GraphSavedModel, convert_tflite, export_saved_model, tflite_report
    from tfgan_zoo.export.testing import example_batch, randomize_generator
    from tfgan_zoo.export.tflite import representative_images
    from tfgan_zoo.serving import PredictClient, RestClient, serve
    from tfgan_zoo.training.checkpoint import load_checkpoint

    cfg = tfgan_zoo.load_config(config_path)
    model = tfgan_zoo.build_model(cfg)
    if weights:
        model = load_checkpoint(model, weights)
    else:
        randomize_generator(model, seed=0)
    name = model.registry_name
    result = {"config": config_path, "model": name,
              "generator_parameters": int(sum(np.prod(v.shape) for v in model.inference_generator.variables))}

    start = time.perf_counter()
    path = export_saved_model(model, workdir, name)
    result["export_seconds"] = round(time.perf_counter() - start, 3)
    result["saved_model_bytes"] = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)

    rows = []
    fn = tf.saved_model.load(path).signatures["serving_default"]
    graph = GraphSavedModel(path)
    server = serve(workdir, poll_interval=0)
    client = PredictClient(server.grpc_address, name, timeout=120)
    rest = RestClient(server.rest_address, name, timeout=120)
    try:
        for batch in batches:
            inputs = example_batch(model, batch=batch, seed=batch)
            tensors = {k: tf.constant(v) for k, v in inputs.items()}
            n = runs if batch < 16 else max(5, runs // 3)
            rows.append(_row("in-process tf.saved_model.load", batch, _timeit(lambda: fn(**tensors), n)))
            rows.append(_row("in-process TF1 graph session", batch, _timeit(lambda: graph.run(None, inputs), n)))
            rows.append(_row("gRPC local server (official stubs)", batch, _timeit(lambda: client.predict(inputs), n)))
            rows.append(_row("REST local server (columnar JSON)", batch,
                             _timeit(lambda: rest.predict(inputs), max(3, n // 3), warmup=1)))
    finally:
        client.close()
        server.stop()
        graph.close()
    result["serving"] = rows

    tfl = []
    rep = None
    if model.task.image_input:
        images = representative_images(cfg, model, 1, n=128)
        rep = {"images": images} if images is not None else None
    for mode in tflite_modes or ("none", "dynamic", "float16", "int8"):
        out = os.path.join(workdir, f"{name}_{mode}.tflite")
        t = time.perf_counter()
        try:
            convert_tflite(path, out, mode, rep if mode == "int8" else None, batch_size=1)
        except Exception as e:  # noqa: BLE001  report, keep benchmarking the other modes
            tfl.append({"quantization": mode, "error": str(e)[:300]})
            continue
        seconds = time.perf_counter() - t
        inputs = None
        if rep is not None:  # compare on real images, not the calibration ones
            inputs = [{"images": rep["images"][-i - 1 : len(rep["images"]) - i]} for i in range(8)]
        report = tflite_report(out, path, inputs=inputs, num_batches=8, latency_runs=max(20, runs))
        tfl.append({"quantization": mode, "size_kib": round(report["size_bytes"] / 1024, 1),
                    "latency_ms_p50": round(report["latency_ms_p50"], 3),
                    "latency_ms_p99": round(report["latency_ms_p99"], 3),
                    "max_abs_error": float(f"{report['max_abs_error']:.3g}"),
                    "psnr_db": round(report["psnr_db"], 1), "convert_seconds": round(seconds, 2)})
    result["tflite"] = tfl
    return result


def batching_throughput(config_path=DEFAULT_CONFIGS[0], clients=8, seconds=10.0, params=None, workdir=None):
    """Throughput of `clients` concurrent gRPC clients sending batch-1 `serving_default` requests, with server-side
    batching off and on (`params`: `BatchingParameters` or a parameters file; default
    `serving/batching_parameters.txt`).
    Returns {"without": row, "with": row}, rows with requests/s and latency percentiles."""
    import threading

    import tfgan_zoo
    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.export.testing import example_batch, randomize_generator
    from tfgan_zoo.serving import PredictClient, serve
    from tfgan_zoo.serving.batching import BatchingParameters, read_batching_parameters

    if params is None:
        params = read_batching_parameters(os.path.join(os.path.dirname(__file__), "batching_parameters.txt"))
    elif not isinstance(params, BatchingParameters):
        params = read_batching_parameters(params)
    model = randomize_generator(tfgan_zoo.build_model(tfgan_zoo.load_config(config_path)), seed=0)
    name = model.registry_name
    with tempfile.TemporaryDirectory(prefix="tfgan_zoo_batching_") as tmp:
        export_saved_model(model, workdir or tmp, name)
        out = {}
        for label, batching in (("without", None), ("with", params)):
            server = serve(workdir or tmp, poll_interval=0, rest_port=None, batching=batching,
                           max_workers=max(16, 2 * clients))
            latencies, errors, stop = [], [], threading.Event()
            lock = threading.Lock()

            def client(i):
                inputs = example_batch(model, batch=1, seed=i)
                with PredictClient(server.grpc_address, name, timeout=60) as c:
                    c.predict(inputs)  # connect and warm up outside the timed window
                    ready.wait()
                    while not stop.is_set():
                        t = time.perf_counter()
                        try:
                            c.predict(inputs)
                        except Exception as e:  # noqa: BLE001
                            errors.append(repr(e))
                            continue
                        with lock:
                            latencies.append(time.perf_counter() - t)

            ready = threading.Event()
            threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
            try:
                for t in threads:
                    t.start()
                time.sleep(1.0)
                ready.set()
                start = time.perf_counter()
                time.sleep(seconds)
                stop.set()
                for t in threads:
                    t.join(timeout=60)
                elapsed = time.perf_counter() - start
                stats = server.core.batching.stats() if server.core.batching is not None else None
            finally:
                stop.set()
                server.stop()
            ms = np.asarray(latencies) * 1000.0
            out[label] = {"clients": clients, "requests": len(latencies), "errors": len(errors),
                          "requests_per_s": round(len(latencies) / elapsed, 1),
                          "p50_ms": round(float(np.percentile(ms, 50)), 2) if len(ms) else None,
                          "p99_ms": round(float(np.percentile(ms, 99)), 2) if len(ms) else None,
                          "batching": stats}
            if stats and stats["batches"]:
                out[label]["mean_requests_per_batch"] = round(stats["batched_requests"] / stats["batches"], 2)
    return {"config": config_path, "model": name, "parameters": dataclasses.asdict(params), **out}


def to_markdown(results):
    lines = []
    for r in results:
        lines.append(f"### {r['model']} ({r['config']}, {r['generator_parameters']:,} generator parameters)\n")
        lines.append(f"Export {r['export_seconds']} s, SavedModel {r['saved_model_bytes'] / 1024:.0f} KiB.\n")
        lines.append("| path | batch | p50 ms | p99 ms | images/s |")
        lines.append("|---|---:|---:|---:|---:|")
        for row in r["serving"]:
            lines.append(f"| {row['path']} | {row['batch']} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                         f"{row['images_per_s']:.0f} |")
        lines.append("")
        lines.append("| TFLite | size KiB | p50 ms (batch 1) | max abs err | PSNR dB |")
        lines.append("|---|---:|---:|---:|---:|")
        for t in r["tflite"]:
            if "error" in t:
                lines.append(f"| {t['quantization']} | failed: {t['error'][:60]} | | | |")
            else:
                lines.append(f"| {t['quantization']} | {t['size_kib']} | {t['latency_ms_p50']:.3f} | "
                             f"{t['max_abs_error']:.3g} | {t['psnr_db']} |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=list(DEFAULT_CONFIGS))
    parser.add_argument("--weights", default=None, help="Trained weights for a single --configs entry.")
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 64])
    parser.add_argument("--runs", type=int, default=30, help="Timed calls per batch-1 measurement.")
    parser.add_argument("--tflite_modes", nargs="+", default=None)
    parser.add_argument("--out", default=None, help="Write the results as JSON here.")
    parser.add_argument("--batching", action="store_true",
                        help="Only measure server-side batching: --clients concurrent batch-1 gRPC clients for "
                        "--seconds, with and without batching (the first --configs entry).")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batching_parameters_file", default=None,
                        help="Batching parameters for --batching (default serving/batching_parameters.txt).")
    args = parser.parse_args(argv)
    import tensorflow as tf

    if args.batching:
        doc = batching_throughput(args.configs[0], args.clients, args.seconds, args.batching_parameters_file)
        print(json.dumps(doc, indent=1))
        if args.out:
            with open(args.out, "w") as f:
                json.dump(doc, f, indent=2)
        return 0

    results = []
    with tempfile.TemporaryDirectory(prefix="tfgan_zoo_bench_") as tmp:
        for config in args.configs:
            results.append(bench_model(config, tmp, tuple(args.batches), args.runs, args.weights, args.tflite_modes))
    doc = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "tensorflow": tf.__version__,
                       "python": sys.version.split()[0]}, "results": results}
    print(to_markdown(results))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
