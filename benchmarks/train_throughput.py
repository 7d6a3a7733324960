"""Training and inference speed of the zoo, side by side with a PyTorch DCGAN-64 reference, in one run.

    python -m benchmarks.train_throughput --published_batch 2 --published_xla off --json_out rows.json
                                    # everything: ~2 h on 2 cores, most of it the 35 published configs
    python -m benchmarks.train_throughput --sections gemm,dcgan --rounds 3      # the headline ratio only (~5 min)
    python -m benchmarks.report rows.json                   # the families table as markdown

Sections (in this order; the last line printed is always the DCGAN ours/PyTorch ratio when `dcgan` runs):
  gemm       float32 GEMM 2048² in TensorFlow (oneDNN on, as tfgan_zoo sets it), numpy and torch: the peak.
  dcgan      our DCGAN at the canonical configuration (zoo_configs/dcgan/dcgan_celeba_64.yaml = pytorch/examples
             dcgan, batch 64) with XLA off and on, and the PyTorch implementation of the same model
             (benchmarks/torch_dcgan.py), in interleaved rounds so machine noise hits all of them; each round also
             re-measures the TF GEMM peak. Images/s, median step time over the steady window (the first steps of
             every window are dropped), achieved GFLOP/s (analytic count, benchmarks/flops.py) and its fraction
             of the GEMM peak.
  inference  generator images/s of the Keras model (`predict_on_batch`), the exported SavedModel and the TFLite
             file (tfgan_zoo.export), batch 1 and 64.
  families   train images/s of every registered model (read from the registry at run time) at its tiny config
             and its published config(s), XLA off/on, each in a subprocess with a time limit; published sizes
             are timed for a few steps on synthetic data of the right shape (their datasets need the network).
             `--published_batch N` times them at batch N instead of the paper's (BigGAN's 2048 does not fit a
             CPU step in minutes); the table says which batch each row ran at. `--published_xla off` skips
             XLA for them (compiling a 1024² model on 2 CPU cores takes longer than the limit). `--json_out F`
             saves every row as it is measured, so a run cut short keeps its figures.
  configs    the same measurement for the config files given by `--configs a.yaml,b.yaml` (e.g.
             benchmarks/configs/biggan_128_tiny.yaml), with `--family_steps` timed steps, XLA off/on.

Images/s counts real images consumed: batch · n_critic per step. Figures on a shared 2-core machine vary by
±20 % between runs: compare the ratios measured within one run.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfgan_zoo  # noqa: E402
from benchmarks import flops as flops_lib  # noqa: E402
from benchmarks.report import format_rate  # noqa: E402
from tfgan_zoo import _env  # noqa: F401  (TF_ENABLE_ONEDNN_OPTS=1 before TensorFlow is imported)
from tfgan_zoo.data import build_dataset  # noqa: E402
from tfgan_zoo.training import build_and_compile  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANONICAL = os.path.join("zoo_configs", "dcgan", "dcgan_celeba_64.yaml")
CANONICAL_PARAMS = {"generator": 3_576_704, "discriminator": 2_765_568}  # pytorch/examples dcgan
SECTIONS = ("gemm", "dcgan", "inference", "families", "configs")
warnings.filterwarnings("ignore", message=".*shuffle=True.*tf.data.Dataset.*")


def _say(*args):
    print(*args, flush=True)


# ------------------------------------------------------------------------------------------------ GEMM peak
def _gemm_rate(fn, n, reps):
    fn()  # warm up
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


def gemm_tf(n=2048, reps=5):
    """Best-of-`reps` float32 GEMM GFLOP/s in TensorFlow (oneDNN as configured for this process)."""
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    return _gemm_rate(lambda: tf.linalg.matmul(a, b).numpy(), n, reps)


def gemm_numpy(n=2048, reps=5):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), np.float32), rng.standard_normal((n, n), np.float32)
    return _gemm_rate(lambda: a @ b, n, reps)


def gemm_torch(n=2048, reps=5, threads=0):
    """The same in PyTorch, in a child process (torch is never imported into the TensorFlow process)."""
    code = ("import time, torch\n"
            f"n, reps, threads = {n}, {reps}, {threads}\n"
            "if threads: torch.set_num_threads(threads)\n"
            "a, b = torch.randn(n, n), torch.randn(n, n); torch.mm(a, b); best = 0.0\n"
            "for _ in range(reps):\n"
            "    t = time.perf_counter(); torch.mm(a, b)\n"
            "    best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)\n"
            "print(best)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    return float(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------------ data
def synthetic_dataset(model, data_config, batch, examples=None, seed=0):
    """Uniform[-1, 1] images (and labels / paired images) of the model's input shapes, cached and repeated."""
    rng = np.random.default_rng(seed)
    n = examples or 2 * batch
    size = data_config.image_size
    elements = model.task.synthetic_elements(model, n, size, data_config.channels, rng)
    ds = tf.data.Dataset.from_tensor_slices(elements if len(elements) > 1 else elements[0])
    return ds.cache().repeat().batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


BUNDLED = ("digits", "digits_edges", "skimage_faces", "skimage_images")


# ------------------------------------------------------------------------------------------------ our train step
class _StepTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times = []

        self.cpu_times = []

    def on_train_batch_begin(self, batch, logs=None):
        self._t, self._c = time.perf_counter(), time.process_time()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._t)
        self.cpu_times.append(time.process_time() - self._c)


class OursRunner:
    """Builds and compiles a zoo model from a config; `run(steps)` trains with `fit` and returns step times."""

    def __init__(self, config_path, jit, batch_size=None, overrides=(), data="config", precision=None):
        overrides = list(overrides) + [f"train.jit_compile={'true' if jit else 'false'}"]
        if batch_size:
            overrides.append(f"train.batch_size={batch_size}")
        cfg = tfgan_zoo.load_config(config_path, overrides)
        keras.utils.set_random_seed(0)
        if precision:
            keras.mixed_precision.set_dtype_policy(precision)
        try:
            self.model = build_and_compile(cfg)
        finally:
            keras.mixed_precision.set_dtype_policy("float32")
        if getattr(self.model, "scheduled_critic", False):
            # A scheduled critic's steps differ in length (WGAN's official 100 critic updates for the first 25
            # generator updates, then 5): time the steady state, the fixed count in one batch of n_critic minibatches.
            cfg = tfgan_zoo.load_config(config_path, overrides + ["model.params.critic_schedule=fixed"])
            keras.utils.set_random_seed(0)
            if precision:
                keras.mixed_precision.set_dtype_policy(precision)
            try:
                self.model = build_and_compile(cfg)
            finally:
                keras.mixed_precision.set_dtype_policy("float32")
        self.config = cfg
        self.per_step = cfg.train.batch_size * getattr(self.model, "n_critic", 1)
        if data == "config" and cfg.data.source in BUNDLED:
            self.dataset, _ = build_dataset(cfg.data, self.model.task, self.per_step)
            self.data = cfg.data.source
        elif data == "config" or data == "synthetic":
            self.dataset = synthetic_dataset(self.model, cfg.data, self.per_step)
            self.data = "synthetic"
        else:  # a ready tf.data.Dataset of single examples
            self.dataset = data.cache().shuffle(2048, seed=0).repeat().batch(self.per_step, drop_remainder=True)
            self.dataset = self.dataset.prefetch(tf.data.AUTOTUNE)
            self.data = "given"

    def run(self, steps):
        timer = _StepTimer()
        self.model.fit(self.dataset, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[timer])
        self.cpu_times = timer.cpu_times
        return timer.times

    @property
    def params(self):
        return self.model.summary_of_parameters()


def _median(xs):
    return statistics.median(xs) if xs else float("nan")


# ------------------------------------------------------------------------------------------------ DCGAN section
def dcgan_section(args):
    """Interleaved rounds: TF GEMM, ours XLA off, ours XLA on, PyTorch. Returns the summary dict."""
    batch = args.batch_size
    cfg = tfgan_zoo.load_config(args.dcgan_config)
    size, channels = cfg.data.image_size, cfg.data.channels
    from tfgan_zoo.data import load_arrays

    images, _ = load_arrays("skimage_images", size, channels)
    _say(f"\n== DCGAN: {args.dcgan_config} at batch {batch}; data: {len(images)} bundled {size}x{size}x{channels} "
         "scikit-image crops, in memory for both frameworks ==")
    runners = {}
    for xla in args.xla:
        t = time.perf_counter()
        r = OursRunner(args.dcgan_config, xla == "on", batch, data=tf.data.Dataset.from_tensor_slices(images))
        r.run(args.warmup)  # tracing / XLA compilation
        runners[f"ours XLA {xla}"] = r
        _say(f"  built+warmed ours XLA {xla} in {time.perf_counter() - t:.1f}s")
    for variant in args.variants:
        xla, what = variant.split(":")
        t = time.perf_counter()
        r = OursRunner(args.dcgan_config, xla == "on", batch, data=tf.data.Dataset.from_tensor_slices(images),
                       precision=what if what.startswith("mixed") else None)
        if what == "two_g_forwards":
            r.model.reuse_fake_for_generator_step = False  # the pre-optimization step: new z, second G forward
        elif not what.startswith("mixed"):
            raise ValueError(f"unknown variant {variant!r}; use <off|on>:<two_g_forwards|mixed_bfloat16|...>")
        r.run(args.warmup)
        runners[f"ours XLA {xla} {what}"] = r
        _say(f"  built+warmed ours XLA {xla} {what} in {time.perf_counter() - t:.1f}s")
    ours = next(iter(runners.values())).model
    g_params, d_params = ours.summary_of_parameters()["generator"], ours.summary_of_parameters()["discriminator"]
    f = flops_lib.gan_step_flops(ours.generator, ours.discriminator)
    _say(f"  ours: G {g_params:,} / D {d_params:,} trainable parameters"
         + ("  (= pytorch/examples dcgan)" if (g_params, d_params) == tuple(CANONICAL_PARAMS.values()) else ""))
    _say(f"  FLOPs (analytic, 2*MACs of conv/dense layers; benchmarks/flops.py): G forward "
         f"{f['generator_forward'] / 1e9:.4f} GFLOP, D forward {f['discriminator_forward'] / 1e9:.4f} GFLOP, "
         f"training step {f['per_example'] / 1e9:.3f} GFLOP per image")
    if args.torch == "off":
        torch_ok, torch_msg = False, "PyTorch column disabled with --torch off."
    else:
        from benchmarks.torch_dcgan import torch_available

        torch_ok, torch_msg = torch_available()
    if torch_ok:
        from benchmarks.torch_dcgan import TorchWorker

        p = cfg.model.params
        ref = TorchWorker(images, batch, p.get("latent_dim", 100), p.get("g_base_filters", 64),
                          p.get("d_base_filters", 64), threads=args.threads)
        tg, td = ref.info["g_params"], ref.info["d_params"]
        _say(f"  PyTorch {ref.info['torch']} (own process, {ref.info['threads']} threads): G {tg:,} / D {td:,} "
             "parameters")
        if (tg, td) != (g_params, d_params):
            raise RuntimeError(f"PyTorch reference ({tg:,}/{td:,}) and ours ({g_params:,}/{d_params:,}) differ: "
                               "not the same model, the comparison would be meaningless.")
        ref.run(args.warmup)
        runners["PyTorch"] = ref
    else:
        _say(f"  {torch_msg}")

    times = {k: [] for k in runners}
    cpu = {k: [] for k in runners}
    gemm = []
    round_rates = []
    for rnd in range(args.rounds):
        gemm.append(gemm_tf(args.gemm_size, 3))
        rates = {}
        for name, r in runners.items():
            ts = r.run(args.window)[args.drop:]
            times[name] += ts
            cpu[name] += r.cpu_times[args.drop:]
            rates[name] = batch / _median(ts)
        round_rates.append(rates)
        _say(f"  round {rnd + 1}/{args.rounds} (load avg {os.getloadavg()[0]:.1f}): TF GEMM {gemm[-1]:.1f} GFLOP/s | "
             + " | ".join(f"{k} {v:.1f} img/s" for k, v in rates.items()))
    peak = _median(gemm)
    _say(f"\n  GEMM peak (TF, oneDNN, {args.gemm_size}², best of 3 per round, median over rounds): {peak:.1f} GFLOP/s")
    _say(f"  {'implementation':<30} {'step ms':>9} {'img/s':>8} {'GFLOP/s':>9} {'of peak':>8} {'CPU s/step':>10} "
         f"{'img/CPU-s':>9}   (median over {args.rounds} rounds x {args.window - args.drop} steps; CPU = process "
         "CPU time, all threads: robust to a busy machine)")
    summary = {"peak": peak, "rows": {}}
    for name in runners:
        step = _median(times[name])
        ips = batch / step
        gflops = f["per_example"] * batch / step / 1e9
        cpu_step = _median(cpu[name])
        summary["rows"][name] = {"step_ms": step * 1e3, "images_per_s": ips, "gflops": gflops,
                                 "fraction": gflops / peak, "images_per_cpu_s": batch / cpu_step}
        _say(f"  {name:<30} {step * 1e3:>9.1f} {ips:>8.1f} {gflops:>9.1f} {gflops / peak:>7.0%} {cpu_step:>10.2f} "
             f"{batch / cpu_step:>9.1f}")
    if "PyTorch" in runners:
        runners["PyTorch"].close()
    summary["round_rates"] = round_rates
    summary["torch"] = torch_ok
    summary["torch_msg"] = torch_msg
    summary["default_xla"] = "on" if cfg.train.jit_compile else "off"
    return summary


def dcgan_ratio_lines(summary):
    rows = summary["rows"]
    default = f"ours XLA {summary['default_xla']}"
    if default not in rows:
        default = next(k for k in rows if k.startswith("ours"))
    if "PyTorch" not in rows:
        return [f"DCGAN ours ({default.split(' ', 1)[1]}) / PyTorch: not measured — {summary['torch_msg']}"]
    lines = []
    for name in rows:
        if name.startswith("ours"):
            per_round = [r[name] / r["PyTorch"] for r in summary["round_rates"]]
            lines.append(f"  {name} / PyTorch per round: " + ", ".join(f"{x:.2f}x" for x in per_round))
    r = rows[default]
    lines.append(
        f"DCGAN ours ({default.split(' ', 1)[1]}, the config default) / PyTorch: "
        f"{r['images_per_s'] / rows['PyTorch']['images_per_s']:.2f}x "
        f"({r['images_per_s']:.1f} vs {rows['PyTorch']['images_per_s']:.1f} img/s; ours at "
        f"{r['fraction']:.0%} of the {summary['peak']:.0f} GFLOP/s GEMM peak; per CPU-second "
        f"{r['images_per_cpu_s'] / rows['PyTorch']['images_per_cpu_s']:.2f}x)"
    )
    return lines


# ------------------------------------------------------------------------------------------------ inference
def _images_per_s(fn, batch, runs):
    fn()
    fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return batch / _median(ts)


def inference_section(args):
    from tfgan_zoo.export import TFLiteRunner, convert_tflite, export_saved_model

    cfg = tfgan_zoo.load_config(args.dcgan_config)
    model = tfgan_zoo.build_model(cfg)
    _say(f"\n== Generator inference: {args.dcgan_config} (random weights), median of {args.inference_runs} runs ==")
    with tempfile.TemporaryDirectory() as tmp:
        path = export_saved_model(model, tmp, "dcgan", warmup=False)
        fn = tf.saved_model.load(path).signatures["serving_default"]
        _say(f"  {'path':<34} {'batch':>5} {'img/s':>9}")
        for batch in args.inference_batches:
            z = model.latents_for(batch, seed=0).numpy()
            zt = tf.constant(z)
            tfl_path = convert_tflite(path, os.path.join(tmp, f"g{batch}.tflite"), "none", batch_size=batch)
            tfl = TFLiteRunner(tfl_path, num_threads=os.cpu_count())
            rows = [
                ("Keras model.predict_on_batch", lambda: model.predict_on_batch(z)),
                ("SavedModel serving_default", lambda: fn(latents=zt)["images"].numpy()),
                ("TFLite (LiteRT, float32)", lambda: tfl(latents=z)),
            ]
            for name, f in rows:
                _say(f"  {name:<34} {batch:>5} {_images_per_s(f, batch, args.inference_runs):>9.1f}")


# ------------------------------------------------------------------------------------------------ families
def family_configs(name, which):
    """(kind, path) of a family's configs: 'tiny' = <name>_tiny.yaml; 'published' = the paper configs (neither
    tiny nor a config of the bundled offline data: digits, digit scenes, photos)."""
    folder = os.path.join(REPO, "zoo_configs", name)
    out = []
    if "tiny" in which:
        out.append(("tiny", os.path.join(folder, f"{name}_tiny.yaml")))
    if "published" in which:
        for p in sorted(glob.glob(os.path.join(folder, "*.yaml"))):
            base = os.path.basename(p)
            if base.endswith("_tiny.yaml") or any(k in base for k in ("_digit", "_photos")):
                continue
            out.append(("published", p))
    return out


def measure_one(config_path, xla, steps, warmup, drop=1, data="config", batch=0):
    """One (config, XLA) measurement in this process (`batch` > 0 replaces the config's); a JSON-able dict."""
    t = time.perf_counter()
    r = OursRunner(config_path, xla == "on", batch_size=batch or None, data=data)
    r.run(warmup)
    setup = time.perf_counter() - t
    ts = r.run(steps + drop)[drop:]
    step = _median(ts)
    return {"config": os.path.relpath(config_path, REPO), "xla": xla, "batch": r.config.train.batch_size,
            "per_step": r.per_step, "step_ms": step * 1e3, "images_per_s": r.per_step / step,
            "params": sum(r.params.values()), "data": r.data, "setup_s": setup}


def _run_child(config_path, xla, steps, warmup, timeout, batch=0):
    cmd = [sys.executable, "-m", "benchmarks.train_throughput", "--_one", config_path, "--_xla", xla,
           "--_steps", str(steps), "--warmup", str(warmup), "--drop", "1", "--_batch", str(batch)]
    try:
        p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over the {timeout:.0f}s limit"}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    err = (p.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {p.returncode}: {err[:160]}"}


def _table_header(args):
    _say(f"  {'config':<36} {'params':>11} {'batch':>5} {'data':>14} " + " ".join(
        f"{'XLA ' + x + ' img/s':>15}" for x in args.xla) + (f" {'XLA gain':>8}" if len(args.xla) == 2 else ""))


def configs_section(args):
    _say(f"\n== Configs: train images/s, {args.family_steps} timed steps after {args.warmup} warm-up, each run in a "
         f"subprocess, limit {args.family_timeout:.0f}s ==")
    _table_header(args)
    results = []
    for path in args.configs:
        results.append(_time_row(args, "config", "given", path, args.family_steps, args.warmup, 0, args.xla))
        _write_json(args, results[-1])
    return results


def families_section(args):
    names = [n for n in tfgan_zoo.list_models() if not args.models or n in args.models]
    _say(f"\n== Families: train images/s, {len(names)} registered models ({', '.join(names)}) ==")
    _say(f"  tiny: {args.family_steps} timed steps after {args.warmup} warm-up; published: "
         f"{args.published_steps} timed steps after 1 warm-up, synthetic data"
         + (f", at batch {args.published_batch}" if args.published_batch else "")
         + (f", XLA {'/'.join(args.published_xla)} only" if args.published_xla != args.xla else "")
         + f"; each run in a subprocess, limit {args.family_timeout:.0f}s")
    _table_header(args)
    results = []
    for name in names:
        for kind, path in family_configs(name, args.family_configs):
            if not os.path.exists(path):
                _say(f"  {os.path.basename(path):<36} missing")
                continue
            steps = args.family_steps if kind == "tiny" else args.published_steps
            warm = args.warmup if kind == "tiny" else 1
            batch = args.published_batch if kind == "published" else 0
            xlas = args.published_xla if kind == "published" else args.xla
            results.append(_time_row(args, name, kind, path, steps, warm, batch, xlas))
            _write_json(args, results[-1])
    return results


def _write_json(args, row):
    """Adds `row` to the run's rows and rewrites `--json_out` with all of them (families and configs sections
    alike), so a run cut short keeps what it measured."""
    rows = vars(args).setdefault("_json_rows", [])
    rows.append(row)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"args": {k: v for k, v in vars(args).items() if not k.startswith("_")}, "rows": rows}, f,
                      indent=1, default=str)


def _time_row(args, name, kind, path, steps, warm, batch, xlas):
    """Times one config at the XLA settings `xlas` (each in a subprocess), prints its row (a column of `args.xla`
    not in `xlas` reads 'not timed'), returns it."""
    row = {xla: _run_child(path, xla, steps, warm, args.family_timeout, batch) for xla in xlas}
    ok = [r for r in row.values() if "error" not in r]
    head = ok[0] if ok else {}
    cells = " ".join((f"{format_rate(row[x]['images_per_s']):>15}" if "error" not in row[x]
                      else f"{row[x]['error'][:15]:>15}")
                     if x in row else f"{'not timed':>15}" for x in args.xla)
    gain = ""
    if len(ok) == 2 and len(row) == 2:
        gain = f" {row['on']['images_per_s'] / row['off']['images_per_s']:>7.2f}x"
    _say(f"  {os.path.basename(path):<36} {head.get('params', 0):>11,} {head.get('batch', 0):>5} "
         f"{head.get('data', '-'):>14} {cells}{gain}")
    for x, r in row.items():
        if "error" in r:
            _say(f"      XLA {x}: {r['error']}")
    return {"name": name, "kind": kind, "path": path, "results": row}


# ------------------------------------------------------------------------------------------------ main
def _csv(s):
    return [x for x in s.split(",") if x]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--sections", type=_csv, default=list(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    p.add_argument("--dcgan_config", default=CANONICAL)
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the DCGAN comparison")
    p.add_argument("--window", type=int, default=12, help="steps per implementation per round")
    p.add_argument("--drop", type=int, default=2, help="first steps of each window left out of the median")
    p.add_argument("--warmup", type=int, default=3, help="steps run before any timing (tracing, XLA compile)")
    p.add_argument("--xla", type=_csv, default=["off", "on"])
    p.add_argument("--torch", choices=("auto", "off"), default="auto")
    p.add_argument("--variants", type=_csv, default=[],
                   help="extra DCGAN rows to measure what an optimization buys, <xla off|on>:<variant> with variant "
                   "two_g_forwards (the G step draws new z and runs G again) or a Keras dtype policy "
                   "(mixed_bfloat16, mixed_float16); e.g. off:two_g_forwards,off:mixed_bfloat16")
    p.add_argument("--threads", type=int, default=0,
                   help="intra-op threads for TF and torch (default 0: each framework's default = all cores)")
    p.add_argument("--gemm_size", type=int, default=2048)
    p.add_argument("--inference_batches", type=lambda s: [int(x) for x in _csv(s)], default=[1, 64])
    p.add_argument("--inference_runs", type=int, default=10)
    p.add_argument("--models", type=_csv, default=[], help="families to time (default: every registered model)")
    p.add_argument("--family_configs", type=_csv, default=["tiny", "published"])
    p.add_argument("--family_steps", type=int, default=10)
    p.add_argument("--published_steps", type=int, default=3)
    p.add_argument("--family_timeout", type=float, default=600.0)
    p.add_argument("--published_batch", type=int, default=0,
                   help="time published configs at this batch instead of the paper's (0: the paper's)")
    p.add_argument("--published_xla", type=_csv, default=None,
                   help="XLA settings for published configs (default: --xla); e.g. off, since compiling a 1024² "
                   "model on 2 CPU cores takes longer than the time limit")
    p.add_argument("--json_out", default="", help="also write every families/configs row to this JSON file")
    p.add_argument("--configs", type=_csv, default=[], help="config files for the `configs` section")
    p.add_argument("--_batch", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--_one", default="", help=argparse.SUPPRESS)
    p.add_argument("--_xla", default="off", help=argparse.SUPPRESS)
    p.add_argument("--_steps", type=int, default=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    bad = sorted(set(args.sections) - set(SECTIONS))
    if bad:
        p.error(f"unknown section(s) {bad}; choose from {', '.join(SECTIONS)}")
    if args.published_xla is None:
        args.published_xla = list(args.xla)
    bad = sorted(set(args.xla + args.published_xla) - {"off", "on"})
    if bad:
        p.error(f"XLA settings must be 'off' or 'on', got {bad}")
    if args.window <= args.drop:
        p.error(f"--window ({args.window}) must exceed --drop ({args.drop})")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args._one:
        result = measure_one(args._one, args._xla, args._steps, args.warmup, args.drop, batch=args._batch)
        print(json.dumps(result), flush=True)
        return 0
    os.chdir(REPO)
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    _say(f"tfgan_zoo benchmark: TF {tf.__version__}, Keras {keras.__version__}, "
         f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')}, {os.cpu_count()} CPU cores, "
         f"GPUs: {len(tf.config.list_physical_devices('GPU'))}, load average {os.getloadavg()[0]:.1f}")
    if "gemm" in args.sections:
        _say(f"\n== float32 GEMM {args.gemm_size}², best of 5 ==")
        _say(f"  TensorFlow (oneDNN {os.environ.get('TF_ENABLE_ONEDNN_OPTS')}): {gemm_tf(args.gemm_size):.1f} GFLOP/s")
        _say(f"  numpy {np.__version__}: {gemm_numpy(args.gemm_size):.1f} GFLOP/s")
        if args.torch != "off":
            from benchmarks.torch_dcgan import torch_available

            ok, msg = torch_available()
            _say(f"  torch {msg}: {gemm_torch(args.gemm_size, threads=args.threads):.1f} GFLOP/s" if ok
                 else f"  torch: {msg}")
    summary = None
    if "dcgan" in args.sections:
        summary = dcgan_section(args)
    if "inference" in args.sections:
        inference_section(args)
    if "families" in args.sections:
        families_section(args)
    if "configs" in args.sections and args.configs:
        configs_section(args)
    if summary is not None:
        _say("")
        for line in dcgan_ratio_lines(summary):
            _say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
