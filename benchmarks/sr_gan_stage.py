"""GAN-stage fine-tuning of a shipped PSNR-stage SR preset on the bundled photos, and ESRGAN network interpolation.

    python benchmarks/sr_gan_stage.py --preset esrgan_photos_x4 --steps 200
    python benchmarks/sr_gan_stage.py --preset srgan_photos_x4 --steps 200 --learning_rate 1e-4

Builds the preset's architecture in `training_stage: gan` (perceptual term on the shipped digits classifier:
ImageNet VGG19 weights cannot be downloaded here — with them set `perceptual_network: vgg19`), starts from the
preset's weights, trains `--steps` updates on `data.source: photos` and prints the `sr_photos` figures (Y-PSNR,
SSIM, sharpness = Laplacian energy relative to the HR image) of bicubic, the PSNR model, the GAN model and the
interpolated models θ = (1 − α)·θ_PSNR + α·θ_GAN (ESRGAN's network interpolation; for SRGAN
`tfgan_zoo.models.srgan.interpolate` blends SRResNet and SRGAN the same way, batch-norm statistics included).

Measured (shared 2-core machine): `--preset srgan_photos_x4 --steps 400 --learning_rate 1e-4 --alphas 0.3,0.5,0.8`,
146 s (43.9 images/s); means over coffee / chelsea / flower (sharpness 1 = the HR image's):

  SRResNet (the preset)   Y-PSNR 27.28 dB  SSIM 0.7544  sharpness 0.040
  SRGAN, 400 updates      Y-PSNR 26.68 dB  SSIM 0.7095  sharpness 0.138
  alpha 0.3 / 0.5 / 0.8   Y-PSNR 27.27 / 27.20 / 26.96 dB  SSIM 0.753 / 0.748 / 0.730  sharpness 0.049 / 0.062 / 0.097
  bicubic                 Y-PSNR 26.65 dB  SSIM 0.7351  sharpness 0.013

The GAN stage trades PSNR and SSIM for high-frequency energy (3.5x the SRResNet's), and interpolation moves between
the two monotonically. The content term here is the digits classifier's features, a stand-in for VGG19 φ5,4.
"""

from __future__ import annotations

import argparse
import time


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="esrgan_photos_x4")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--batch_size", type=int, default=16)
    p.add_argument("--alphas", default="0.5,0.8")
    p.add_argument("--learning_rate", type=float, default=None, help="default: the preset's")
    args = p.parse_args(argv)

    import keras

    import tfgan_zoo
    from tfgan_zoo.base.super_resolution import interpolate_models
    from tfgan_zoo.config import DataConfig
    from tfgan_zoo.data import build_dataset
    from tfgan_zoo.evaluation.super_resolution import evaluate_super_resolution

    psnr_model = tfgan_zoo.from_preset(args.preset)
    params = dict(psnr_model.get_config())
    for key in ("name", "trainable", "dtype"):
        params.pop(key, None)
    params.update(training_stage="gan", perceptual_network="digits", perceptual_layers=None, lr_milestones=[])
    if args.learning_rate is not None:
        params["learning_rate"] = args.learning_rate
    keras.utils.set_random_seed(0)
    gan = type(psnr_model)(**params)
    gan.generator.set_weights(psnr_model.generator.get_weights())
    gan.compile()
    dc = DataConfig(source="photos", image_size=psnr_model.image_size, channels=3, scale=psnr_model.scale,
                    shuffle_buffer=512)
    ds, _ = build_dataset(dc, gan.task, args.batch_size, seed=1)
    t0 = time.perf_counter()
    history = gan.fit(ds, steps_per_epoch=args.steps, epochs=1, verbose=0).history
    seconds = time.perf_counter() - t0
    print(f"{args.preset}: {args.steps} GAN-stage updates (batch {args.batch_size}) in {seconds:.0f} s "
          f"({args.steps * args.batch_size / seconds:.1f} images/s); last losses "
          f"{ {k: round(v[-1], 4) for k, v in history.items()} }")
    rows = [("PSNR model", psnr_model), ("GAN model", gan)]
    rows += [(f"alpha {a}", interpolate_models(psnr_model, gan, float(a))) for a in args.alphas.split(",") if a]
    bicubic = None
    for label, model in rows:
        r = evaluate_super_resolution(model)
        bicubic = bicubic or r
        print(f"  {label:<11} Y-PSNR {r.mean('model', 'psnr'):.2f} dB  SSIM {r.mean('model', 'ssim'):.4f}  "
              f"sharpness {r.mean('model', 'sharpness'):.3f}")
    print(f"  {'bicubic':<11} Y-PSNR {bicubic.mean('bicubic', 'psnr'):.2f} dB  SSIM "
          f"{bicubic.mean('bicubic', 'ssim'):.4f}  sharpness {bicubic.mean('bicubic', 'sharpness'):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
