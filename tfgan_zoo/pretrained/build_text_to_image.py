"""Builds a text-to-image preset (GAN-CLS, StackGAN on the bundled `digit_captions`): train, judge next to the untrained
model of the same config and seed (`evaluation.text_to_image`), write the preset.

    python -m tfgan_zoo.pretrained.build_text_to_image zoo_configs/gan_cls/gan_cls_digits_32.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path

TEXT_DATASET = ("scikit-learn handwritten digits, each with five English captions written from its digit and the "
                "stroke thickness, slant, size and position measured on the image (tfgan_zoo.data.digit_captions)")
TEXT_LICENSE = "weights: released with tfgan_zoo under its license; training data: UCI handwritten digits, CC BY 4.0"


def build_text_to_image_preset(config_path, steps: int | None = None, name: str | None = None, out_dir=None,
                               workdir=None, overrides: list[str] | None = None, max_mb: float = 0.8,
                               verbose: int = 2, weights_dtype: str = "float32", samples: int = 20) -> Path:
    """Trains the config, judges it with `text_report` (StackGAN: `stackgan_report`, which adds the digits FID of
    both stages) and writes the preset; returns its preset.json path."""
    from tfgan_zoo.evaluation import text_to_image as judge_module
    from tfgan_zoo.pretrained.build import build_judged_preset

    def judge(model):
        if hasattr(model, "stage1_images"):
            return judge_module.stackgan_report(model, samples=samples)
        return judge_module.text_report(model, samples=samples)

    def losses(result, config):
        return {"final_losses": {k: round(v[-1], 4) for k, v in result.history.items() if v}}

    return build_judged_preset(
        config_path, source="digit_captions", judge=judge,
        protocol=lambda m: "stackgan_report" if hasattr(m, "stage1_images") else "text_report",
        dataset="digit_captions", description=TEXT_DATASET, license=TEXT_LICENSE, extra_training=losses,
        steps=steps, name=name, out_dir=out_dir, workdir=workdir, overrides=overrides, max_mb=max_mb,
        verbose=verbose, weights_dtype=weights_dtype)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("config")
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--name", default=None)
    p.add_argument("--out_dir", default=None)
    p.add_argument("--workdir", default=None)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--weights_dtype", choices=("float32", "float16"), default="float16")
    p.add_argument("--verbose", type=int, default=2)
    p.add_argument("--max_mb", type=float, default=0.8, help="refuse a weights file larger than this (MB)")
    args = p.parse_args(argv)
    path = build_text_to_image_preset(args.config, args.steps, args.name, args.out_dir, args.workdir, args.set,
                                      max_mb=args.max_mb, verbose=args.verbose, weights_dtype=args.weights_dtype)
    print(path)


if __name__ == "__main__":
    main()
