"""Builds a semantic-synthesis preset (pix2pixHD, GauGAN on `digit_scenes`): train, judge against the untrained
model, write the preset.

    python -m tfgan_zoo.pretrained.build_semantic --config zoo_configs/gaugan/gaugan_digits_scenes_32.yaml \
        [--steps N] [--max_mb 0.8] [--weights_dtype float16] [--out_dir DIR]

The metadata's `metrics` holds one record, protocol `semantic_report` (`tfgan_zoo.evaluation.semantic`): the
shipped scene segmenter's mIoU and pixel accuracy on syntheses of 200 held-out label maps, on the real images of
those maps and (`untrained`) on the untrained model of the same config and seed; the scene FID; for a model with a
style input, the mIoU of two styles and how much their images differ.
"""

from __future__ import annotations

from pathlib import Path

DATASET = ("digit scenes: 1-4 scikit-learn handwritten digits per canvas at random positions and sizes, with the "
           "semantic map (digit + 1, background 0) and the instance map; held-out scenes use held-out digits")
LICENSE = "weights: released with tfgan_zoo under its license; training data: UCI handwritten digits, CC BY 4.0"


def build_semantic_preset(config_path, steps: int | None = None, name: str | None = None, out_dir=None,
                          max_mb: float = 0.8, verbose: int = 2, weights_dtype: str = "float32") -> Path:
    """Trains the config, judges it with `evaluation.semantic.semantic_report` and writes the preset."""
    from tfgan_zoo.evaluation.semantic import semantic_report
    from tfgan_zoo.pretrained.build import build_judged_preset, training_speed

    def judge(model):  # build_judged_preset judges the untrained model of the same config and seed itself
        return semantic_report(model, num_scenes=200, untrained=False)

    return build_judged_preset(
        config_path, source="digit_scenes", judge=judge, protocol="semantic_report", dataset="digit_scenes",
        description=DATASET, license=LICENSE, extra_training=training_speed, steps=steps, name=name, out_dir=out_dir,
        max_mb=max_mb, verbose=verbose, weights_dtype=weights_dtype)


def main(argv=None) -> int:
    from tfgan_zoo.pretrained.build import judged_preset_main

    return judged_preset_main(build_semantic_preset, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
