"""Inference images/s (batch 1) and training step time of pix2pixHD and GauGAN at the published resolutions and
widths (random weights).

    python benchmarks/semantic_throughput.py [--rows all | pix2pixhd_global,gaugan_ade20k,...] [--steps 2]
        [--train_batch 1] [--no_train | --train_rows ROWS] [--max_rss_gb 6] [--timeout 600] [--json_out rows.json]

Every row runs in a child process (one row's memory does not stay with the next) whose resident memory the parent
watches: a child over `--max_rss_gb` is stopped and its row says so. A row prints its generator's parameters,
inference images/s at batch 1 (the inference generator as one `tf.function` on int label maps (+ instance map,
+ style latent), the first call — tracing — dropped, `--steps` timed), the training step time at `--train_batch`
(`model.fit` on one synthetic batch repeated, the first step dropped; losses as the config's: LSGAN / hinge + D
feature matching + VGG19 perceptual, the VGG19 with random weights written to a temporary file since the ImageNet
file cannot be downloaded here — the cost is the same) and the child's peak RSS. Rows (zoo_configs):

  pix2pixhd_global  pix2pixhd/pix2pixhd_cityscapes_512.yaml   G1 (ngf 64, 9 blocks), 3 Ds, 1024×512
  pix2pixhd_local   pix2pixhd/pix2pixhd_cityscapes_1024.yaml  G1 + local enhancer G2 (ngf 32), 3 Ds, 2048×1024
                                                               (no pretrained G1 / frozen steps: timing only)
  gaugan_ade20k     gaugan/gaugan_ade20k_256.yaml             SPADE G (ngf 64, VAE), 2 Ds, 151 labels, 256²
  gaugan_cityscapes gaugan/gaugan_cityscapes_256.yaml         SPADE G, 2 Ds, 35 labels + instances, 512×256

On the 2-core machine shared with other jobs a step varies by ±20 %.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS = {
    "pix2pixhd_global": ("zoo_configs/pix2pixhd/pix2pixhd_cityscapes_512.yaml", "pix2pixHD global G1, Cityscapes"),
    "pix2pixhd_local": ("zoo_configs/pix2pixhd/pix2pixhd_cityscapes_1024.yaml",
                        "pix2pixHD G1 + local enhancer, Cityscapes"),
    "gaugan_ade20k": ("zoo_configs/gaugan/gaugan_ade20k_256.yaml", "GauGAN (VAE), ADE20K"),
    "gaugan_cityscapes": ("zoo_configs/gaugan/gaugan_cityscapes_256.yaml", "GauGAN (VAE), Cityscapes"),
}


def _rss_gb(pid=None) -> float:
    with open(f"/proc/{pid or 'self'}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1e6
    return 0.0


def measure(row: str, steps: int, train_batch: int) -> None:
    """One row in this process; prints an INFER line, then (unless train_batch is 0) a TRAIN line."""
    import resource
    import tempfile

    import numpy as np
    import tensorflow as tf

    import tfgan_zoo

    config = tfgan_zoo.load_config(os.path.join(REPO, ROWS[row][0]))
    params = config.model.params
    if "pretrained_global" in params:  # the second stage's G1 file and frozen steps: not needed for timing
        params.update(pretrained_global="", fix_global_steps=0)
    tmp = tempfile.TemporaryDirectory()
    if params.get("perceptual_weight") and train_batch:
        import keras

        vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
        path = os.path.join(tmp.name, "vgg19_random.weights.h5")
        vgg.save_weights(path)
        params.update(perceptual_network="vgg19", perceptual_weights_path=path)
        del vgg
    elif not train_batch:
        params["perceptual_weight"] = 0.0
    model = tfgan_zoo.build_model(config)
    h, w = model.image_shape
    g_params = int(sum(np.prod(v.shape) for v in model.generator.trainable_weights))
    base = {"row": row, "what": ROWS[row][1], "size": f"{w}×{h}", "g_params": g_params}

    generator = model.inference_generator
    named = model.example_synthesis_inputs(1, seed=0)
    inputs = [tf.constant(named[s.name]) for s in model.synthesis_specs()]
    infer = tf.function(lambda *a: generator(list(a), training=False))
    t0 = time.perf_counter()
    infer(*inputs).numpy()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
        infer(*inputs).numpy()
    seconds = (time.perf_counter() - t0) / steps
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print("INFER " + json.dumps({**base, "first_call_s": round(first, 1), "infer_s": round(seconds, 2),
                                 "infer_images_per_s": round(1 / seconds, 3), "peak_rss_gb": round(peak, 2)}),
          flush=True)
    if not train_batch:
        return
    model.compile()
    rng = np.random.default_rng(0)
    batch = model.task.synthetic_elements(model, train_batch, h, model.channels, rng)  # labels, instances, images
    ds = tf.data.Dataset.from_tensors(batch).repeat()
    t0 = time.perf_counter()
    model.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)  # tracing
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    seconds = (time.perf_counter() - t0) / steps
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print("TRAIN " + json.dumps({**base, "train_batch": train_batch, "first_step_s": round(first, 1),
                                 "train_step_s": round(seconds, 2), "peak_rss_gb": round(peak, 2)}), flush=True)


def _trains(row, args) -> bool:
    return args.train_rows == "all" or row in args.train_rows.split(",")


def _run_child(row, args) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", row, "--steps", str(args.steps),
           "--train_batch", str(0 if args.no_train or not _trains(row, args) else args.train_batch)]
    import tempfile

    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    out = {"row": row, "what": ROWS[row][1]}
    start, peak = time.time(), 0.0
    while proc.poll() is None:
        time.sleep(0.5)
        try:
            peak = max(peak, _rss_gb(proc.pid))
        except (FileNotFoundError, ProcessLookupError):
            pass
        if peak > args.max_rss_gb:
            proc.kill()
            proc.wait()
            out["stopped"] = f"over {args.max_rss_gb:g} GB RSS"
        elif time.time() - start > args.timeout:
            proc.kill()
            proc.wait()
            out["stopped"] = f"over {args.timeout:.0f} s"
    log.seek(0)
    lines = log.read().splitlines()
    for line in lines:
        if line.startswith(("INFER ", "TRAIN ")):
            out[line[:5].lower()] = json.loads(line[6:])
    if proc.returncode and "stopped" not in out:
        out["stopped"] = f"exit code {proc.returncode}"
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", default="all")
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--train_batch", type=int, default=1)
    p.add_argument("--no_train", action="store_true")
    p.add_argument("--train_rows", default="all", help="the rows that also time a training step")
    p.add_argument("--max_rss_gb", type=float, default=6.0)
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per row")
    p.add_argument("--json_out", default=None)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        measure(args.child, args.steps, args.train_batch)
        return 0
    rows = list(ROWS) if args.rows == "all" else [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = set(rows) - set(ROWS)
    if unknown:
        raise SystemExit(f"--rows: unknown {sorted(unknown)}; choose from {sorted(ROWS)} or all.")
    results = []
    for row in rows:
        results.append(_run_child(row, args))
        print(json.dumps(results[-1]), flush=True)
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(results, f, indent=1)
    print("\n| model | size | G parameters | inference images/s (batch 1) | training step (batch) | peak RSS |")
    print("|---|---|---|---|---|---|")
    for r in results:
        inf, tr = r.get("infer", {}), r.get("train", {})
        train = (f"{tr['train_step_s']} s ({tr['train_batch']})" if tr else r.get("stopped", "not run"))
        print(f"| {r['what']} | {inf.get('size', '')} | {inf.get('g_params', 0):,} | "
              f"{inf.get('infer_images_per_s', r.get('stopped', ''))} | {train} | "
              f"{max(inf.get('peak_rss_gb', 0), tr.get('peak_rss_gb', 0))} GB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
