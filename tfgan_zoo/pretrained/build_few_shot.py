"""Builds a few-shot preset (FUNIT on `typeface_digits`): train, judge against the untrained model, write the preset.

    python -m tfgan_zoo.pretrained.build_few_shot --config zoo_configs/funit/funit_typeface_digits_32.yaml \
        [--steps N] [--max_mb 0.8] [--out_dir DIR]

The metadata's `metrics` holds one record, protocol `few_shot_report` (`tfgan_zoo.evaluation.few_shot`): the
typeface and content rates of translations of held-out digits into the held-out (unseen) typefaces from K = 1 and
K = 5 examples, next to the same judges on the untrained model of the same config and seed.
"""

from __future__ import annotations

from pathlib import Path

DATASET = ("scikit-learn handwritten digits (one class) and digits 0-9 printed in 16 of the typefaces matplotlib ships "
           "(one class each); 5 typefaces held out as unseen classes")
LICENSE = ("weights: released with tfgan_zoo under its license; training data: UCI handwritten digits, CC BY 4.0; "
           "DejaVu / STIX / Computer Modern typefaces under their free font licenses")


def build_few_shot_preset(config_path, steps: int | None = None, name: str | None = None, out_dir=None,
                          max_mb: float = 0.8, verbose: int = 2, weights_dtype: str = "float32") -> Path:
    """Trains the config, judges it with `evaluation.few_shot.few_shot_report` (and the untrained model) and writes
    the preset (metrics protocol `few_shot_report`); returns its preset.json path."""
    from tfgan_zoo.evaluation.few_shot import few_shot_report
    from tfgan_zoo.pretrained.build import build_judged_preset, training_speed

    return build_judged_preset(
        config_path, source="typeface_digits", judge=few_shot_report, protocol="few_shot_report",
        dataset="typeface_digits", description=DATASET, license=LICENSE, extra_training=training_speed, steps=steps,
        name=name, out_dir=out_dir, max_mb=max_mb, verbose=verbose, weights_dtype=weights_dtype)


def main(argv=None) -> int:
    from tfgan_zoo.pretrained.build import judged_preset_main

    return judged_preset_main(build_few_shot_preset, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
