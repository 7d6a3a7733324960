"""Build a shipped preset: train a digits config, measure it the way `tfgan-zoo eval` does, write the folder.

    python -m tfgan_zoo.pretrained.build --config zoo_configs/<name>/<name>_digits_<res>.yaml \
        [--steps N] [--name <preset name>]

What it does, in order:

1. loads the config (`--set section.key=value` overrides are accepted; `--steps N` sets `train.steps`, and
   `train.steps_per_epoch` is lowered to a divisor of N when needed) and trains it with the project's trainer,
   `tfgan_zoo.training.train`, in a fresh work folder (`--workdir`, default a temporary folder);
2. measures the trained checkpoint with `tfgan_zoo.evaluation.evaluate_config` — the function behind
   `tfgan-zoo eval`, so the numbers are exactly what `tfgan-zoo eval --config <config> --checkpoint
   <workdir>/checkpoints --metrics digits_fid,digits_is,digits_coverage` prints (the shipped digits classifier
   of `tfgan_zoo/evaluation/assets/`, its default protocols, seed 0);
3. writes the preset folder `tfgan_zoo/pretrained/assets/<name>/` (`--out_dir` to write elsewhere) with
   `save_to_preset`: `preset.json` + `model.weights.h5`. Its metadata holds the metric records (value,
   protocol, sample counts, feature network and its sha256), the training steps, batch size, wall-clock training
   time and the host it ran on, the dataset, resolution, license and paper.

The default preset name is the config's file name (`dcgan_digits_32.yaml` → `dcgan_digits_32`). Presets ship in
the wheel, so the weights file must stay small: above `--max_mb` (default 5 MB) the build fails before writing
(before training when the float32 weights alone exceed it).
After adding a preset, regenerate the README table with `python -m tfgan_zoo.pretrained.table --write`.

The same as a function:

    from tfgan_zoo.pretrained.build import build_preset
    build_preset("zoo_configs/dcgan/dcgan_digits_32.yaml", steps=3000)
    # -> PosixPath('.../tfgan_zoo/pretrained/assets/dcgan_digits_32/preset.json')

Only configs on the bundled digits (`data.source: digits`) can be built: the digits metrics have no meaning for
other data, and presets on other data come from their own training runs or converters.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tfgan_zoo import _env  # noqa: F401  (before TensorFlow)
from tfgan_zoo.pretrained.presets import ASSETS, PresetError, read_preset
from tfgan_zoo.utils.hashing import sha256_of

#: Metrics every digits preset records (`tfgan-zoo eval --metrics` spelling).
DEFAULT_METRICS = ("digits_fid", "digits_is", "digits_coverage")
#: Largest weights file a shipped preset may have, in MB (the wheel carries every preset).
DEFAULT_MAX_MB = 5.0
#: The bundled data's provenance and the license the weights are released under.
DIGITS_DATASET = ("scikit-learn digits (1,797 8×8 grey-scale handwritten digits, UCI Optical Recognition of "
                  "Handwritten Digits)")
LICENSE = "weights: released with tfgan_zoo under its license; training data: UCI handwritten digits, CC BY 4.0"


def paper_of(cls) -> str:
    """The `Reference:` paragraph of a model class docstring, on one line ('' if there is none)."""
    doc = cls.__doc__ or ""
    match = re.search(r"^\s*Reference:\s*\n((?:[ \t]+\S.*\n?)+)", doc, re.MULTILINE)
    return " ".join(line.strip() for line in match.group(1).splitlines()) if match else ""


def _with_steps(overrides: list[str], steps: int | None, spe: int) -> list[str]:
    if steps is None:
        return overrides
    if steps < 1:
        raise ValueError(f"--steps must be ≥ 1, got {steps}.")
    spe = math.gcd(steps, spe) if steps % spe else spe
    return overrides + [f"train.steps={steps}", f"train.steps_per_epoch={spe}"]


def _training_record(config_path, cfg_overrides, config, result) -> dict:
    """The preset metadata's `training` section: config, overrides, steps, batch, seed, time, host, final losses."""
    return {
        "config": config_path,
        "overrides": [o for o in cfg_overrides if not o.startswith(("train.workdir=", "train.verbose=",
                                                                     "train.tensorboard="))],
        "steps": int(result.end_step),
        "batch_size": int(config.train.batch_size),
        "seed": int(config.train.seed),
        "seconds": round(result.seconds, 1),
        "host": f"{platform.machine()}, {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} "
        "(shared machine: wall time is an upper bound)",
        "final_losses": {k: round(v[-1], 4) for k, v in result.history.items() if v and "digits_" not in k},
    }


def build_preset(
    config_path,
    steps: int | None = None,
    name: str | None = None,
    out_dir=None,
    workdir=None,
    overrides: list[str] | None = None,
    metrics=DEFAULT_METRICS,
    num_samples: int | None = None,
    max_mb: float = DEFAULT_MAX_MB,
    verbose: int = 2,
    eval_every: int = 0,
    curve_samples: int = 1000,
    weights_dtype: str = "float32",
) -> Path:
    """Trains `config_path`, evaluates it like `tfgan-zoo eval`, and writes the preset; returns its preset.json path.

    Args:
        config_path: a `zoo_configs/<family>/<family>_digits_<res>.yaml` config (data.source must be digits).
        steps: training steps (default: the config's `train.steps`).
        name: preset name (default: the config file's stem, e.g. `dcgan_digits_32`).
        out_dir: preset folder (default `tfgan_zoo/pretrained/assets/<name>`).
        workdir: training folder (default: a fresh temporary folder, removed afterwards).
        overrides: extra `section.key=value` config overrides.
        metrics: metrics/protocols to record (default digits FID, IS and per-class coverage).
        num_samples: overrides the protocols' sample counts (tests only; shipped presets use the protocols').
        max_mb: refuse to write a weights file larger than this many MB.
        verbose: Keras `fit` verbosity.
        eval_every: if > 0, measure digits-FID on `curve_samples` images every this many steps during training
            (`EvaluationCallback`) and record the curve as `metadata.training.digits_fid_curve`.
        curve_samples: generated images per point of that curve.
        weights_dtype: the weights file's storage dtype (`"float16"` halves the bytes); the model is rounded to it
            before it is evaluated, so the recorded metrics describe the shipped weights.

    Conditional models also get `digits_class_accuracy` (the classifier's accuracy on samples of the classes
    asked for) when it is not among `metrics`.
    """
    import numpy as np

    import tfgan_zoo
    from tfgan_zoo.evaluation import evaluate_config
    from tfgan_zoo.pretrained.presets import round_to_storage_dtype, save_to_preset
    from tfgan_zoo.registry import get_model_class
    from tfgan_zoo.training import train

    config_path = str(config_path)
    name = name or Path(config_path).stem
    if not re.fullmatch(r"[a-z0-9][a-z0-9_]*", name):
        raise PresetError(f"Preset name {name!r} must be lower-case letters, digits and underscores.")
    base = tfgan_zoo.load_config(config_path, list(overrides or []))
    if base.data.source != "digits":
        raise PresetError(
            f"{config_path} trains on data.source={base.data.source!r}; the preset builder measures digits-FID/IS "
            "and builds presets from the bundled digits only (data.source: digits)."
        )
    cfg_overrides = _with_steps(list(overrides or []), steps, base.train.steps_per_epoch)
    cfg_overrides.append(f"train.verbose={verbose}")
    temporary = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix=f"tfgan_zoo_build_{name}_"))
    cfg_overrides += [f"train.workdir={workdir}", "train.tensorboard=false"]
    config = tfgan_zoo.load_config(config_path, cfg_overrides)

    bytes_per_value = 2 if weights_dtype == "float16" else 4
    estimate_mb = bytes_per_value * sum(int(np.prod(w.shape)) for w in tfgan_zoo.build_model(config).weights) / 1e6
    if estimate_mb > max_mb:
        raise PresetError(
            f"{name}: its {estimate_mb:.1f} MB of {weights_dtype} weights are above max_mb={max_mb} (checked before "
            "training). "
            "Presets ship in the wheel; use a smaller digits config or raise --max_mb deliberately."
        )
    print(f"[build] {name}: training {config.model.name} for {config.train.steps} steps in {workdir}", flush=True)
    curve = None
    callbacks = []
    if eval_every:
        from tfgan_zoo.evaluation.callbacks import EvaluationCallback

        curve = EvaluationCallback("digits_fid", every_n_steps=eval_every, num_samples=curve_samples,
                                   verbose=int(verbose > 0))
        callbacks.append(curve)
    result = train(config, extra_callbacks=callbacks)
    print(f"[build] trained {result.end_step} steps in {result.seconds:.1f} s", flush=True)
    diverged = {k: v[-1] for k, v in result.history.items() if v and not np.isfinite(v[-1])}
    if diverged:
        raise PresetError(
            f"{name}: training diverged (final {diverged}); not shipping it. Lower the learning rate, e.g. "
            "--set model.params.learning_rate=..., or change the config."
        )

    metrics = list(metrics)
    if result.model.task.labels and "digits_class_accuracy" not in metrics:
        metrics.append("digits_class_accuracy")
    evaluated = result.checkpoint_dir
    if weights_dtype != "float32":  # evaluate the weights as they will ship
        round_to_storage_dtype(result.model, weights_dtype)
        evaluated = workdir / f"shipped_{weights_dtype}.weights.h5"
        result.model.save_weights(str(evaluated))
    t0 = time.time()
    evaluation = evaluate_config(config_path, evaluated, metrics, overrides=cfg_overrides,
                                 num_samples=num_samples, batch_size=100, seed=0)
    eval_seconds = time.time() - t0
    for record in evaluation.records:
        for key, value in record["values"].items():
            if isinstance(value, float) and not np.isfinite(value):
                raise PresetError(f"{name}: {record['protocol']} {key} is {value}; training diverged, not shipping it.")

    model = result.model
    resolution = int(config.data.image_size)
    metadata = {
        "dataset": "digits",
        "dataset_description": DIGITS_DATASET,
        "resolution": resolution,
        "channels": int(config.data.channels),
        "num_classes": int(getattr(model, "num_classes", 0) or 0) or None,
        "license": LICENSE,
        "paper": paper_of(get_model_class(config.model.name)),
        "metrics": json.loads(evaluation.to_json()),
        "evaluation": {
            "command": f"tfgan-zoo eval --config {config_path} --checkpoint <workdir>/checkpoints --metrics "
            + ",".join(metrics) + (f" --num_samples {num_samples}" if num_samples else ""),
            "seconds": round(eval_seconds, 1),
        },
        "training": _training_record(config_path, cfg_overrides, config, result),
    }
    from tfgan_zoo.pretrained.presets import QUALITY_FLOOR, quality_floor_failures

    if not num_samples:  # the floor is stated for the full protocols
        failures = quality_floor_failures({"metadata": metadata})
        metadata["quality_floor"] = {"floor": QUALITY_FLOOR, "met": not failures, "failures": failures}
        if failures:
            print(f"[build] {name} misses the quality floor shipped presets meet: {'; '.join(failures)}", flush=True)
    if curve is not None:
        key = next(iter(curve.history), None)
        metadata["training"]["digits_fid_curve"] = {
            "protocol": key,
            "points": [[int(step), round(value, 3)] for step, value in curve.history.get(key, [])],
        }
    out_dir = Path(out_dir) if out_dir else ASSETS / name
    staging = Path(tempfile.mkdtemp(prefix=f"tfgan_zoo_preset_{name}_"))
    path = save_to_preset(model, staging, name=name, metadata=metadata, weights_dtype=weights_dtype)
    size_mb = read_preset(path)["weights"]["bytes"] / 1e6
    if size_mb > max_mb:
        # nothing trained is thrown away: the finished preset and the checkpoints stay where they are
        raise PresetError(
            f"{name}: the weights file is {size_mb:.1f} MB, above max_mb={max_mb} (the estimate before training counts "
            f"parameters only; HDF5 layout and an EMA copy that no longer equals its source add to it). Presets ship "
            f"in the wheel; use a smaller digits config or raise --max_mb deliberately. The finished preset is kept "
            f"in {staging} (ship it as is with `mv {staging} {out_dir}`) and the checkpoints in {workdir}."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in staging.iterdir():
        os.replace(f, out_dir / f.name)
    staging.rmdir()
    if temporary:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"[build] wrote {out_dir} ({size_mb:.2f} MB)", flush=True)
    return out_dir / "preset.json"


#: The bundled two-domain set's provenance (handwritten ↔ printed digits).
TWO_DOMAIN_DATASET = ("scikit-learn handwritten digits (domain A) and digits 0-9 printed in the typefaces matplotlib "
                      "ships (domain B), unpaired")
TWO_DOMAIN_LICENSE = ("weights: released with tfgan_zoo under its license; training data: UCI handwritten digits, "
                      "CC BY 4.0; DejaVu / STIX / Computer Modern typefaces under their free font licenses")


def two_domain_report(model) -> dict:
    """The judges' report of a two-domain model on the held-out bundled set: `translation_report` for translators,
    `pair_report` for generators of pairs."""
    from tfgan_zoo.evaluation.translation import pair_report, translation_report

    return translation_report(model) if model.task.image_input else pair_report(model)


def training_speed(result, config) -> dict:
    """Training images/s of a build's run (an `extra_training` hook for `build_judged_preset`)."""
    return {"images_per_second": round(config.train.batch_size * int(result.end_step) / result.seconds, 1)}


def judged_preset_main(builder, description: str, argv=None, weights_dtype: str = "float32") -> int:
    """The command line of a judged-preset builder (`build_semantic`, `build_few_shot`): `--config`, `--steps`,
    `--name`, `--out_dir`, `--max_mb` (0.8), `--verbose`, `--weights_dtype`, passed to `builder` in that order."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--name", default=None)
    p.add_argument("--out_dir", default=None)
    p.add_argument("--max_mb", type=float, default=0.8)
    p.add_argument("--verbose", type=int, default=2)
    p.add_argument("--weights_dtype", choices=("float32", "float16"), default=weights_dtype)
    args = p.parse_args(argv)
    builder(args.config, args.steps, args.name, args.out_dir, args.max_mb, args.verbose, args.weights_dtype)
    return 0


def build_judged_preset(config_path, *, source: str, judge, protocol, dataset: str, description: str,
                        license: str, extra_training=None, steps: int | None = None, name: str | None = None,
                        out_dir=None, workdir=None, overrides: list[str] | None = None,
                        max_mb: float = DEFAULT_MAX_MB, verbose: int = 2, weights_dtype: str = "float32") -> Path:
    """Trains a config on a bundled translation set, judges the result next to the untrained model of the same
    config and seed, and writes the preset; returns its preset.json path. The builders of the translation families
    (two-domain, multi-domain, few-shot) are this with their own judge.

    Args:
        source: the `data.source` the config must use.
        judge: `model -> dict` of figures (e.g. `evaluation.translation.translation_report`).
        protocol: the metric record's protocol name, or `model -> name`.
        dataset, description, license: the metadata's dataset fields.
        extra_training: `(TrainResult, config) -> dict` merged into the metadata's `training` section.
        weights_dtype: the weights file's storage dtype; the model is rounded to it before it is judged.
    Nothing trained is thrown away: a preset over `max_mb` stays in its staging folder (the error says where).
    """
    import keras
    import numpy as np

    import tfgan_zoo
    from tfgan_zoo.pretrained.presets import round_to_storage_dtype, save_to_preset
    from tfgan_zoo.registry import get_model_class
    from tfgan_zoo.training import train

    config_path = str(config_path)
    name = name or Path(config_path).stem
    base = tfgan_zoo.load_config(config_path, list(overrides or []))
    if base.data.source != source:
        raise PresetError(f"{config_path}: {dataset} presets are built on data.source {source}, got "
                          f"{base.data.source!r}.")
    cfg_overrides = _with_steps(list(overrides or []), steps, base.train.steps_per_epoch)
    cfg_overrides.append(f"train.verbose={verbose}")
    temporary = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix=f"tfgan_zoo_build_{name}_"))
    cfg_overrides += [f"train.workdir={workdir}", "train.tensorboard=false"]
    config = tfgan_zoo.load_config(config_path, cfg_overrides)
    keras.utils.set_random_seed(int(config.train.seed))
    untrained = judge(tfgan_zoo.build_model(config))
    print(f"[build] {name}: training {config.model.name} for {config.train.steps} steps in {workdir}", flush=True)
    result = train(config)
    diverged = {k: v[-1] for k, v in result.history.items() if v and not np.isfinite(v[-1])}
    if diverged:
        raise PresetError(f"{name}: training diverged (final {diverged}); not shipping it.")
    round_to_storage_dtype(result.model, weights_dtype)
    t0 = time.time()
    report = judge(result.model)
    metadata = {
        "dataset": dataset,
        "dataset_description": description,
        "resolution": int(config.data.image_size),
        "channels": int(config.data.channels),
        "license": license,
        "paper": paper_of(get_model_class(config.model.name)),
        "metrics": [{"protocol": protocol(result.model) if callable(protocol) else protocol, "values": report,
                     "untrained": untrained, "seconds": round(time.time() - t0, 1)}],
        "training": {**_training_record(config_path, cfg_overrides, config, result),
                     **(extra_training(result, config) if extra_training else {})},
    }
    out_dir = Path(out_dir) if out_dir else ASSETS / name
    staging = Path(tempfile.mkdtemp(prefix=f"tfgan_zoo_preset_{name}_"))
    path = save_to_preset(result.model, staging, name=name, metadata=metadata, weights_dtype=weights_dtype)
    size_mb = read_preset(path)["weights"]["bytes"] / 1e6
    if size_mb > max_mb:
        raise PresetError(f"{name}: the weights file is {size_mb:.2f} MB, above max_mb={max_mb}. The finished preset "
                          f"is kept in {staging} (ship it as is with `mv {staging} {out_dir}`) and the checkpoints "
                          f"in {workdir}.")
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in staging.iterdir():
        os.replace(f, out_dir / f.name)
    staging.rmdir()
    if temporary:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"[build] wrote {out_dir} ({size_mb:.2f} MB): {json.dumps(report, default=str)[:800]}", flush=True)
    print(f"[build] untrained: {json.dumps(untrained, default=str)[:800]}", flush=True)
    return out_dir / "preset.json"


def build_two_domain_preset(config_path, steps: int | None = None, name: str | None = None, out_dir=None,
                            workdir=None, overrides: list[str] | None = None, max_mb: float = DEFAULT_MAX_MB,
                            verbose: int = 2, weights_dtype: str = "float32") -> Path:
    """Trains a two-domain config on the bundled handwritten ↔ printed digits (`data.source: digits_printed`),
    judges it with `tfgan_zoo.evaluation.translation` (next to the same judges on the untrained model of the same
    config and seed) and writes the preset; returns its preset.json path.

    The metadata's `metrics` holds one record, protocol `translation_report` (translators) or `pair_report`
    (CoGAN), with the trained and the untrained figures, and `training.cycle_loss` the cycle losses of the first
    and last epochs (translators)."""

    def cycle_loss(result, config):
        return {"cycle_loss": {k: {"first_epoch": round(v[0], 4), "last_epoch": round(v[-1], 4)}
                               for k, v in result.history.items() if k.startswith("g_cycle") and v}}

    return build_judged_preset(
        config_path, source="digits_printed", judge=two_domain_report,
        protocol=lambda model: "translation_report" if model.task.image_input else "pair_report",
        dataset="digits_printed", description=TWO_DOMAIN_DATASET, license=TWO_DOMAIN_LICENSE,
        extra_training=cycle_loss, steps=steps, name=name, out_dir=out_dir, workdir=workdir, overrides=overrides,
        max_mb=max_mb, verbose=verbose, weights_dtype=weights_dtype)


def rejudge_two_domain_preset(preset_dir) -> dict:
    """Measures a two-domain preset again with the current judges (after the shipped judges changed) and rewrites
    its record: the trained figures from the preset's weights, the untrained ones from its config and seed, as the
    build measured them. The weights file is untouched. `python -m tfgan_zoo.pretrained.build --rejudge NAME`."""
    import keras

    import tfgan_zoo
    from tfgan_zoo.pretrained.presets import PRESET_FILE, from_preset

    preset_dir = Path(preset_dir)
    if not (preset_dir / PRESET_FILE).is_file():
        preset_dir = ASSETS / str(preset_dir)
    payload = json.loads((preset_dir / PRESET_FILE).read_text())
    meta = payload["metadata"]
    if meta.get("dataset") != "digits_printed":
        raise PresetError(f"{preset_dir.name} is not a two-domain preset (dataset {meta.get('dataset')!r}).")
    training = meta["training"]
    config = tfgan_zoo.load_config(training["config"], list(training.get("overrides", [])))
    keras.utils.set_random_seed(int(training["seed"]))
    untrained = two_domain_report(tfgan_zoo.build_model(config))
    report = two_domain_report(from_preset(preset_dir))
    record = meta["metrics"][0]
    record.update(values=report, untrained=untrained)
    (preset_dir / PRESET_FILE).write_text(json.dumps(payload, indent=2) + "\n")
    return record


def record_training_optimizers(preset_dir) -> dict:
    """Writes into a preset's preset.json the optimizers its training config builds (`training_optimizers`), for
    presets built before save_to_preset recorded them. The weights file is untouched.
    `python -m tfgan_zoo.pretrained.build --record_optimizers NAME` (or `all`)."""
    import tfgan_zoo
    from tfgan_zoo.pretrained.presets import PRESET_FILE
    from tfgan_zoo.training.trainer import build_and_compile

    preset_dir = Path(preset_dir)
    if not (preset_dir / PRESET_FILE).is_file():
        preset_dir = ASSETS / str(preset_dir)
    payload = json.loads((preset_dir / PRESET_FILE).read_text())
    training = payload.get("metadata", {}).get("training")
    if not training or not training.get("config"):
        raise PresetError(f"{preset_dir.name}: preset.json names no training config; cannot tell its optimizers.")
    config = tfgan_zoo.load_config(training["config"], list(training.get("overrides", [])))
    model = build_and_compile(config)
    payload["training_optimizers"] = model.get_compile_config()["optimizers"]
    (preset_dir / PRESET_FILE).write_text(json.dumps(payload, indent=2) + "\n")
    return payload["training_optimizers"]


def add_metrics(preset_dir, metrics, num_samples: int | None = None) -> list[dict]:
    """Measures more protocols on an existing preset folder and appends their records to its metadata.

    The weights file is untouched (same sha256); protocols already recorded are measured again and replaced.
    Used to give presets built before a protocol existed its figure, e.g. `digits_class_accuracy` for the
    conditional ones: `python -m tfgan_zoo.pretrained.build --add_metrics cgan_digits_28 --metrics
    digits_class_accuracy`. Returns the new records.
    """
    from tfgan_zoo.evaluation import evaluate
    from tfgan_zoo.pretrained.presets import PRESET_FILE, from_preset

    preset_dir = Path(preset_dir)
    if not (preset_dir / PRESET_FILE).is_file():
        preset_dir = ASSETS / str(preset_dir)
    payload = json.loads((preset_dir / PRESET_FILE).read_text())
    model = from_preset(preset_dir)
    result = evaluate(model, list(metrics), num_samples=num_samples, progress=False)
    records = json.loads(result.to_json())
    new = {r["protocol"] for r in records}
    meta = payload.setdefault("metadata", {})
    meta["metrics"] = [r for r in meta.get("metrics", []) if r["protocol"] not in new] + records
    (preset_dir / PRESET_FILE).write_text(json.dumps(payload, indent=2) + "\n")
    return records


def store_as(preset_dir, weights_dtype: str = "float16") -> dict:
    """Re-stores a digits preset's weights file in `weights_dtype` and measures its recorded protocols again on the
    weights as they now load; the figures measured on the previous weights stay in
    `metadata.metrics_before_store_as`. Returns the new `weights` entry. The model, its config and its training
    record are unchanged. `python -m tfgan_zoo.pretrained.build --store_as float16 NAME` (or `digits` for every
    shipped digits preset)."""
    from tfgan_zoo.pretrained.presets import PRESET_FILE, WEIGHTS_DTYPES, _store_duplicates_once

    if weights_dtype not in WEIGHTS_DTYPES:
        raise PresetError(f"weights_dtype must be one of {WEIGHTS_DTYPES}, got {weights_dtype!r}.")
    preset_dir = Path(preset_dir)
    if not (preset_dir / PRESET_FILE).is_file():
        preset_dir = ASSETS / str(preset_dir)
    payload = json.loads((preset_dir / PRESET_FILE).read_text())
    meta = payload.get("metadata", {})
    if meta.get("dataset") != "digits":
        raise PresetError(f"{preset_dir.name}: store_as re-measures the digits protocols; its dataset is "
                          f"{meta.get('dataset')!r} (rebuild it with --weights_dtype instead).")
    current = payload["weights"].get("dtype", "float32")
    if current == weights_dtype:
        return payload["weights"]
    if WEIGHTS_DTYPES.index(weights_dtype) < WEIGHTS_DTYPES.index(current):
        raise PresetError(f"{preset_dir.name} is stored as {current}; storing it as {weights_dtype} cannot bring back "
                          "the precision it lost.")
    weights = preset_dir / payload["weights"]["file"]
    staged = weights.with_name(weights.name + ".staged")
    shutil.copyfile(weights, staged)
    _store_duplicates_once(staged, weights_dtype)
    os.replace(staged, weights)
    protocols = [r["protocol"] for r in meta.get("metrics", [])]
    meta["metrics_before_store_as"] = {"weights_dtype": current, "sha256": payload["weights"]["sha256"],
                                       "values": {r["protocol"]: r["values"] for r in meta.get("metrics", [])}}
    payload["weights"] = {"file": weights.name, "sha256": sha256_of(weights), "bytes": weights.stat().st_size,
                          "dtype": weights_dtype}
    (preset_dir / PRESET_FILE).write_text(json.dumps(payload, indent=2) + "\n")
    from tfgan_zoo.pretrained.presets import PresetSpec, get_preset_spec, register_preset, unregister_preset

    if preset_dir.resolve().parent == ASSETS.resolve():  # a shipped preset: the registry pins the new sha256
        old = get_preset_spec(payload["name"])
        unregister_preset(old.name)
        register_preset(PresetSpec(old.name, old.model, payload["weights"]["sha256"], old.url, old.metadata))
    by_count: dict = {}  # "digits_fid@n=24" was measured with num_samples=24: measure it the same way
    for protocol in protocols:
        base, _, count = protocol.partition("@n=")
        by_count.setdefault(int(count) if count else None, []).append(base)
    for count, names in by_count.items():
        add_metrics(preset_dir, names, num_samples=count)
    return payload["weights"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tfgan_zoo.pretrained.build", description=__doc__.splitlines()[0])
    p.add_argument("--config", help="zoo_configs/<name>/<name>_digits_<res>.yaml")
    p.add_argument("--store_as", nargs=2, metavar=("DTYPE", "PRESET"), default=None,
                   help="re-store a digits preset's weights (or every one: `digits`) as DTYPE and re-measure it")
    p.add_argument("--add_metrics", metavar="PRESET", default=None,
                   help="instead of training: measure --metrics on this existing preset (name or folder) and "
                   "append the records to its preset.json")
    p.add_argument("--rejudge", metavar="PRESET", default=None,
                   help="instead of training: judge this two-domain preset again with the current judges")
    p.add_argument("--record_optimizers", metavar="PRESET", default=None,
                   help="write the optimizers of a preset's training config into its preset.json ('all': every one)")
    p.add_argument("--steps", type=int, default=None, help="training steps (default: the config's train.steps)")
    p.add_argument("--name", default=None, help="preset name (default: the config file's stem)")
    p.add_argument("--out_dir", default=None, help="preset folder (default tfgan_zoo/pretrained/assets/<name>)")
    p.add_argument("--workdir", default=None, help="training folder (default: a temporary one, removed)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config value (repeatable)")
    p.add_argument("--metrics", default=",".join(DEFAULT_METRICS), help="metrics/protocols to record")
    p.add_argument("--num_samples", type=int, default=None, help="override protocol sample counts (testing only)")
    p.add_argument("--max_mb", type=float, default=DEFAULT_MAX_MB, help="largest weights file allowed, MB")
    p.add_argument("--weights_dtype", choices=("float32", "float16"), default="float32",
                   help="storage dtype of the weights file (float16: half the bytes; metrics measured after rounding)")
    p.add_argument("--verbose", type=int, default=2, help="fit verbosity (0, 1, 2)")
    p.add_argument("--eval_every", type=int, default=0,
                   help="record a digits-FID curve: measure every N training steps (0: off)")
    p.add_argument("--curve_samples", type=int, default=1000, help="generated images per curve point")
    args = p.parse_args(argv)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    if args.add_metrics:
        try:
            records = add_metrics(args.add_metrics, metrics, args.num_samples)
        except (PresetError, FileNotFoundError, ValueError, KeyError) as e:
            print(f"python -m tfgan_zoo.pretrained.build: error: {e}", file=sys.stderr)
            return 2
        for r in records:
            print(f"[build] {args.add_metrics}: {r['protocol']} = {r['values']}")
        return 0
    if args.store_as:
        dtype, which = args.store_as
        names = ([p.name for p in sorted(ASSETS.iterdir()) if (p / "preset.json").is_file()
                  and read_preset(p).get("metadata", {}).get("dataset") == "digits"] if which == "digits" else [which])
        for name in names:
            try:
                entry = store_as(name, dtype)
            except (PresetError, FileNotFoundError, KeyError) as e:
                print(f"python -m tfgan_zoo.pretrained.build: error: {e}", file=sys.stderr)
                return 2
            print(f"[build] {name}: {entry['dtype']}, {entry['bytes'] / 1e6:.2f} MB", flush=True)
        return 0
    if args.record_optimizers:
        names = ([p.name for p in sorted(ASSETS.iterdir()) if (p / "preset.json").is_file()]
                 if args.record_optimizers == "all" else [args.record_optimizers])
        for name in names:
            try:
                recorded = record_training_optimizers(name)
            except (PresetError, FileNotFoundError, KeyError) as e:
                print(f"python -m tfgan_zoo.pretrained.build: error: {e}", file=sys.stderr)
                return 2
            print(f"[build] {name}: " + ", ".join(f"{k}={v['class_name']}" for k, v in recorded.items()))
        return 0
    if args.rejudge:
        try:
            record = rejudge_two_domain_preset(args.rejudge)
        except (PresetError, FileNotFoundError, KeyError) as e:
            print(f"python -m tfgan_zoo.pretrained.build: error: {e}", file=sys.stderr)
            return 2
        print(f"[build] {args.rejudge}: {json.dumps(record['values'], default=str)[:600]}")
        return 0
    if not args.config:
        p.error("--config is required (or --add_metrics PRESET, or --rejudge PRESET)")
    try:
        import tfgan_zoo

        source = tfgan_zoo.load_config(args.config, list(args.set or [])).data.source
        if source == "digits_attributes":  # multi-domain (StarGAN): judged by evaluation.multi_domain
            from tfgan_zoo.pretrained.build_multi_domain import build_multi_domain_preset

            build_multi_domain_preset(args.config, args.steps, args.name, args.out_dir, args.workdir, args.set,
                                      args.max_mb, args.verbose, weights_dtype=args.weights_dtype)
            return 0
        if source == "digits_printed":
            build_two_domain_preset(args.config, args.steps, args.name, args.out_dir, args.workdir, args.set,
                                    args.max_mb, args.verbose, weights_dtype=args.weights_dtype)
            return 0
        build_preset(args.config, args.steps, args.name, args.out_dir, args.workdir, args.set,
                     metrics, args.num_samples, args.max_mb,
                     args.verbose, args.eval_every, args.curve_samples, args.weights_dtype)
    except (PresetError, FileNotFoundError, ValueError) as e:
        print(f"python -m tfgan_zoo.pretrained.build: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
