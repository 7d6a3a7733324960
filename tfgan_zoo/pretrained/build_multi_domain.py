"""Builds a multi-domain preset (StarGAN on the bundled `digits_attributes`): train, judge next to the untrained model
of the same config and seed, write the preset. Called by `python -m tfgan_zoo.pretrained.build --config ...` for
configs whose `data.source` is `digits_attributes`."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

#: The bundled multi-domain set's provenance.
MULTI_DOMAIN_DATASET = ("scikit-learn handwritten digits and digits 0-9 printed in the typefaces matplotlib ships, "
                        "labelled with the attributes printed / bold / oblique (five domains)")
MULTI_DOMAIN_LICENSE = ("weights: released with tfgan_zoo under its license; training data: UCI handwritten digits, "
                        "CC BY 4.0; DejaVu / STIX / Computer Modern typefaces under their free font licenses")


def build_multi_domain_preset(config_path, steps: int | None = None, name: str | None = None, out_dir=None,
                              workdir=None, overrides: list[str] | None = None, max_mb: float = 0.8,
                              verbose: int = 2) -> Path:
    """Trains the config, judges it with `evaluation.multi_domain.multi_domain_report` (and the untrained model) and
    writes the preset (metrics protocol `multi_domain_report`); returns its preset.json path."""
    import keras
    import numpy as np

    import tfgan_zoo
    from tfgan_zoo.evaluation.multi_domain import multi_domain_report
    from tfgan_zoo.pretrained.build import ASSETS, PresetError, _training_record, _with_steps, paper_of
    from tfgan_zoo.pretrained.presets import read_preset, save_to_preset
    from tfgan_zoo.registry import get_model_class
    from tfgan_zoo.training import train

    config_path = str(config_path)
    name = name or Path(config_path).stem
    base = tfgan_zoo.load_config(config_path, list(overrides or []))
    if base.data.source != "digits_attributes":
        raise PresetError(f"{config_path}: multi-domain presets are built on data.source digits_attributes, got "
                          f"{base.data.source!r}.")
    cfg_overrides = _with_steps(list(overrides or []), steps, base.train.steps_per_epoch)
    cfg_overrides.append(f"train.verbose={verbose}")
    temporary = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix=f"tfgan_zoo_build_{name}_"))
    cfg_overrides += [f"train.workdir={workdir}", "train.tensorboard=false"]
    config = tfgan_zoo.load_config(config_path, cfg_overrides)
    keras.utils.set_random_seed(int(config.train.seed))
    untrained = multi_domain_report(tfgan_zoo.build_model(config))
    print(f"[build] {name}: training {config.model.name} for {config.train.steps} steps in {workdir}", flush=True)
    result = train(config)
    diverged = {k: v[-1] for k, v in result.history.items() if v and not np.isfinite(v[-1])}
    if diverged:
        raise PresetError(f"{name}: training diverged (final {diverged}); not shipping it.")
    t0 = time.time()
    report = multi_domain_report(result.model)
    metadata = {
        "dataset": "digits_attributes",
        "dataset_description": MULTI_DOMAIN_DATASET,
        "resolution": int(config.data.image_size),
        "channels": int(config.data.channels),
        "license": MULTI_DOMAIN_LICENSE,
        "paper": paper_of(get_model_class(config.model.name)),
        "metrics": [{"protocol": "multi_domain_report", "values": report, "untrained": untrained,
                     "seconds": round(time.time() - t0, 1)}],
        "training": {**_training_record(config_path, cfg_overrides, config, result),
                     "reconstruction_loss": {"first_epoch": round(result.history["g_rec"][0], 4),
                                             "last_epoch": round(result.history["g_rec"][-1], 4)}},
    }
    out_dir = Path(out_dir) if out_dir else ASSETS / name
    staging = Path(tempfile.mkdtemp(prefix=f"tfgan_zoo_preset_{name}_"))
    path = save_to_preset(result.model, staging, name=name, metadata=metadata)
    size_mb = read_preset(path)["weights"]["bytes"] / 1e6
    if size_mb > max_mb:
        raise PresetError(f"{name}: the weights file is {size_mb:.2f} MB, above max_mb={max_mb}; the finished preset "
                          f"is kept in {staging}.")
    out_dir.mkdir(parents=True, exist_ok=True)
    for f in staging.iterdir():
        os.replace(f, out_dir / f.name)
    staging.rmdir()
    if temporary:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    print(f"[build] wrote {out_dir} ({size_mb:.2f} MB): {json.dumps(report, default=str)[:800]}", flush=True)
    print(f"[build] untrained: {json.dumps(untrained, default=str)[:800]}", flush=True)
    return out_dir / "preset.json"
