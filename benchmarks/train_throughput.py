"""Training throughput of zoo models on this machine: images/s and step time, with and without XLA.

    python -m benchmarks.train_throughput                       # every model, its digits config, XLA off/on
    python -m benchmarks.train_throughput --models dcgan --configs zoo_configs/dcgan/dcgan_celeba_64.yaml \
        --batch_size 64 --steps 20

Step time is the median over a steady-state window (the first `--warmup` steps, which include tracing and XLA
compilation, are excluded). Images/s counts real images consumed: batch · n_critic per step. Figures on a shared
2-core machine vary by ±20 % between runs: compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from tfgan_zoo import _env  # noqa: F401

import keras  # noqa: E402
import numpy as np  # noqa: E402

import tfgan_zoo  # noqa: E402
from tfgan_zoo.data import build_dataset  # noqa: E402
from tfgan_zoo.training import build_and_compile  # noqa: E402


class _StepTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_begin(self, batch, logs=None):
        self._t = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._t)


def measure(config_path, jit, batch_size=None, steps=20, warmup=5, overrides=()):
    overrides = list(overrides) + [f"train.jit_compile={'true' if jit else 'false'}"]
    if batch_size:
        overrides.append(f"train.batch_size={batch_size}")
    cfg = tfgan_zoo.load_config(config_path, overrides)
    keras.utils.set_random_seed(0)
    model = build_and_compile(cfg)
    per_step = cfg.train.batch_size * getattr(model, "n_critic", 1)
    ds, _ = build_dataset(cfg.data, model.task, per_step)
    timer = _StepTimer()
    model.fit(ds, steps_per_epoch=warmup + steps, epochs=1, verbose=0, callbacks=[timer])
    step = statistics.median(timer.times[warmup:])
    return {"step_ms": step * 1e3, "images_per_s": per_step / step, "batch": cfg.train.batch_size,
            "params": sum(model.summary_of_parameters().values())}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=",".join(tfgan_zoo.list_models()))
    p.add_argument("--configs", default="", help="comma-separated config paths (default: each model's digits config)")
    p.add_argument("--batch_size", type=int, default=0)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--xla", default="off,on")
    args = p.parse_args(argv)
    if args.configs:
        configs = args.configs.split(",")
    else:
        configs = []
        for name in args.models.split(","):
            folder = os.path.join("zoo_configs", name)
            configs.append(os.path.join(folder, next(f for f in sorted(os.listdir(folder)) if "digits" in f)))
    print(f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')}  cores={os.cpu_count()}")
    print(f"{'config':<44} {'params':>10} {'batch':>5} {'xla':>4} {'step ms':>9} {'img/s':>8}")
    for path in configs:
        row = {}
        for xla in args.xla.split(","):
            r = measure(path, xla == "on", args.batch_size or None, args.steps, args.warmup)
            row[xla] = r
            print(f"{os.path.basename(path):<44} {r['params']:>10,} {r['batch']:>5} {xla:>4} {r['step_ms']:>9.1f} "
                  f"{r['images_per_s']:>8.1f}", flush=True)
        if "off" in row and "on" in row:
            print(f"{'':<44} XLA speed-up: {row['on']['images_per_s'] / row['off']['images_per_s']:.2f}x")


if __name__ == "__main__":
    main()
