"""Builds a few-shot preset (FUNIT on `typeface_digits`): train, judge against the untrained model, write the preset.

    python -m tfgan_zoo.pretrained.build_few_shot --config zoo_configs/funit/funit_typeface_digits_32.yaml \
        [--steps N] [--max_mb 0.8] [--out_dir DIR]

The metadata's `metrics` holds one record, protocol `few_shot_report` (`tfgan_zoo.evaluation.few_shot`): the
typeface and content rates of translations of held-out digits into the held-out (unseen) typefaces from K = 1 and
K = 5 examples, next to the same judges on the untrained model of the same config and seed.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from tfgan_zoo.pretrained.build import _training_record, _with_steps, paper_of
from tfgan_zoo.pretrained.presets import ASSETS, PresetError, read_preset

DATASET = ("scikit-learn handwritten digits (one class) and digits 0-9 printed in 16 of the typefaces matplotlib ships "
           "(one class each); 5 typefaces held out as unseen classes")
LICENSE = ("weights: released with tfgan_zoo under its license; training data: UCI handwritten digits, CC BY 4.0; "
           "DejaVu / STIX / Computer Modern typefaces under their free font licenses")


def build_few_shot_preset(config_path, steps: int | None = None, name: str | None = None, out_dir=None,
                          max_mb: float = 0.8, verbose: int = 2) -> Path:
    import keras
    import numpy as np

    import tfgan_zoo
    from tfgan_zoo.evaluation.few_shot import few_shot_report
    from tfgan_zoo.pretrained.presets import save_to_preset
    from tfgan_zoo.registry import get_model_class
    from tfgan_zoo.training import train

    config_path = str(config_path)
    name = name or Path(config_path).stem
    base = tfgan_zoo.load_config(config_path)
    if base.data.source != "typeface_digits":
        raise PresetError(f"{config_path}: few-shot presets are built on data.source typeface_digits, got "
                          f"{base.data.source!r}.")
    overrides = _with_steps([], steps, base.train.steps_per_epoch) + [f"train.verbose={verbose}"]
    workdir = Path(tempfile.mkdtemp(prefix=f"tfgan_zoo_build_{name}_"))
    overrides += [f"train.workdir={workdir}", "train.tensorboard=false"]
    config = tfgan_zoo.load_config(config_path, overrides)
    keras.utils.set_random_seed(int(config.train.seed))
    untrained = few_shot_report(tfgan_zoo.build_model(config))
    print(f"[build] {name}: training {config.model.name} for {config.train.steps} steps in {workdir}", flush=True)
    result = train(config)
    diverged = {k: v[-1] for k, v in result.history.items() if v and not np.isfinite(v[-1])}
    if diverged:
        raise PresetError(f"{name}: training diverged (final {diverged}); not shipping it.")
    t0 = time.time()
    report = few_shot_report(result.model)
    metadata = {
        "dataset": "typeface_digits",
        "dataset_description": DATASET,
        "resolution": int(config.data.image_size),
        "channels": int(config.data.channels),
        "license": LICENSE,
        "paper": paper_of(get_model_class(config.model.name)),
        "metrics": [{"protocol": "few_shot_report", "values": report, "untrained": untrained,
                     "seconds": round(time.time() - t0, 1)}],
        "training": {**_training_record(config_path, overrides, config, result),
                     "images_per_second": round(config.train.batch_size * int(result.end_step) / result.seconds, 1)},
    }
    out_dir = Path(out_dir) if out_dir else ASSETS / name
    staging = Path(tempfile.mkdtemp(prefix=f"tfgan_zoo_preset_{name}_"))
    path = save_to_preset(result.model, staging, name=name, metadata=metadata)
    size_mb = read_preset(path)["weights"]["bytes"] / 1e6
    if size_mb > max_mb:
        raise PresetError(f"{name}: the weights file is {size_mb:.2f} MB, above max_mb={max_mb}; the preset is kept "
                          f"in {staging} and the checkpoints in {workdir}.")
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in staging.iterdir():
        os.replace(f, out_dir / f.name)
    staging.rmdir()
    import shutil

    shutil.rmtree(workdir, ignore_errors=True)
    summary = {k: {m: round(report[k][m], 3) for m in ("typeface_rate", "content_accuracy")} for k in ("k1", "k5")}
    base_summary = {k: {m: round(untrained[k][m], 3) for m in ("typeface_rate", "content_accuracy")}
                    for k in ("k1", "k5")}
    print(f"[build] wrote {out_dir} ({size_mb:.2f} MB): trained {json.dumps(summary)}, untrained "
          f"{json.dumps(base_summary)}", flush=True)
    return out_dir / "preset.json"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--name", default=None)
    p.add_argument("--out_dir", default=None)
    p.add_argument("--max_mb", type=float, default=0.8)
    p.add_argument("--verbose", type=int, default=2)
    args = p.parse_args(argv)
    build_few_shot_preset(args.config, args.steps, args.name, args.out_dir, args.max_mb, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
