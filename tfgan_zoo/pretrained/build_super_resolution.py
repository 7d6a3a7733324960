"""Builds a super-resolution preset (SRGAN / ESRGAN, PSNR stage, ×4 on the bundled photos): train, judge against
bicubic and the untrained model, write the preset.

    python -m tfgan_zoo.pretrained.build_super_resolution --config zoo_configs/srgan/srgan_photos_x4.yaml \
        [--steps N] [--max_mb 0.8] [--weights_dtype float16]

The metadata's `metrics` holds one record, protocol `sr_photos` (`tfgan_zoo.evaluation.super_resolution`): per
held-out photo (coffee, chelsea, flower; 192² centre crops) the PSNR (dB) / SSIM on Y with 4 border pixels cropped
and the sharpness (Laplacian energy relative to the HR image) of the model and of MATLAB bicubic, their means, and
the model − bicubic margins; next to the same figures of the untrained model of the same config and seed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DATASET = ("photos: RGB photographs shipped by scikit-image (astronaut, rocket, immunohistochemistry, "
           "hubble_deep_field, stereo_motorcycle left, retina) and scikit-learn (china) for training; coffee, "
           "chelsea (scikit-image) and flower (scikit-learn) held out; LR by MATLAB-compatible antialiased bicubic x4")
LICENSE = ("weights: released with tfgan_zoo under its license; images: scikit-image data (public domain / CC0 / "
           "the licenses in skimage.data's README) and scikit-learn sample images (china, flower: free to use)")


def sr_report(model) -> dict:
    """The `sr_photos` figures as a flat dict (means, per-image values and margins over bicubic)."""
    from tfgan_zoo.evaluation.super_resolution import evaluate_super_resolution

    result = evaluate_super_resolution(model)
    report = {f"{who}_{metric}": round(result.mean(who, metric), 4)
              for who in ("model", "bicubic") for metric in ("psnr", "ssim", "sharpness")}
    for metric in ("psnr", "ssim"):
        report[f"margin_{metric}"] = {k: round(v, 4) for k, v in result.margins(metric).items()}
    report["images"] = result.images
    return report


def build_super_resolution_preset(config_path, steps: int | None = None, name: str | None = None, out_dir=None,
                                  max_mb: float = 0.8, verbose: int = 2, weights_dtype: str = "float32",
                                  workdir=None, overrides=None) -> Path:
    """Trains the config on `data.source: photos`, judges it with `sr_report` and writes the preset; returns its
    preset.json path."""
    from tfgan_zoo.pretrained.build import build_judged_preset

    def speed(result, config):
        return {"images_per_second": round(config.train.batch_size * int(result.end_step) / result.seconds, 1)}

    return build_judged_preset(
        config_path, source="photos", judge=sr_report, protocol="sr_photos", dataset="photos", description=DATASET,
        license=LICENSE, extra_training=speed, steps=steps, name=name, out_dir=out_dir, max_mb=max_mb,
        verbose=verbose, weights_dtype=weights_dtype, workdir=workdir, overrides=overrides)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--name", default=None)
    p.add_argument("--out_dir", default=None)
    p.add_argument("--workdir", default=None)
    p.add_argument("--max_mb", type=float, default=0.8)
    p.add_argument("--verbose", type=int, default=2)
    p.add_argument("--weights_dtype", choices=("float32", "float16"), default="float16")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config value")
    args = p.parse_args(argv)
    build_super_resolution_preset(args.config, args.steps, args.name, args.out_dir, args.max_mb, args.verbose,
                                  args.weights_dtype, args.workdir, args.set)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
