"""Builds an unconditional digit-scene generator preset (`dcgan_digit_scenes_32`, the generator GAN Dissection
dissects with the scene segmenter): train, judge against the untrained model, write the preset.

    python -m tfgan_zoo.pretrained.build_scene_generator --config zoo_configs/dcgan/dcgan_digit_scenes_32.yaml \
        [--steps N] [--max_mb 0.8] [--weights_dtype float16] [--out_dir DIR]

The metadata's `metrics` holds one record, protocol `scene_generation_report` (`tfgan_zoo.evaluation.semantic`):
the scene FID of 500 samples against 500 held-out scenes in the shipped scene segmenter's features, the share of
pixels it segments as each digit in generated and real scenes, and the digit classes per image. The digits presets'
quality floor (digits-FID, per-class coverage of single digits) does not apply: these images are scenes.
"""

from __future__ import annotations

from tfgan_zoo.pretrained.build_semantic import DATASET, LICENSE


def build_scene_generator_preset(config_path, steps: int | None = None, name: str | None = None, out_dir=None,
                                 max_mb: float = 0.8, verbose: int = 2, weights_dtype: str = "float16"):
    """Trains the config, judges it with `evaluation.semantic.scene_generation_report` and writes the preset."""
    from tfgan_zoo.evaluation.semantic import scene_generation_report
    from tfgan_zoo.pretrained.build import build_judged_preset, training_speed

    return build_judged_preset(
        config_path, source="digit_scenes", judge=scene_generation_report, protocol="scene_generation_report",
        dataset="digit_scenes", description=DATASET + " (an unconditional model learns the images alone)",
        license=LICENSE, extra_training=training_speed, steps=steps, name=name, out_dir=out_dir, max_mb=max_mb,
        verbose=verbose, weights_dtype=weights_dtype)


def main(argv=None) -> int:
    from tfgan_zoo.pretrained.build import judged_preset_main

    return judged_preset_main(build_scene_generator_preset, __doc__, argv, weights_dtype="float16")


if __name__ == "__main__":
    raise SystemExit(main())
