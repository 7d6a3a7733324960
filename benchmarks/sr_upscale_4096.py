"""Upscale a 1024×1024 image to 4096×4096 through an exported super-resolution SavedModel; print time and peak RSS.

    python benchmarks/sr_upscale_4096.py [--config zoo_configs/srgan/srgan_photos_x4.yaml | --preset NAME]
        [--size 1024] [--tile 128] [--overlap 20] [--signature upscale_uint8]

The model (a preset, or the config's model with its initial weights: the timing does not depend on the values) is
exported with `tfgan_zoo.export.export_saved_model`, loaded back with `tf.saved_model.load`, and its dynamic-shape
signature is called on overlapping tiles (`tiled_upscale`: each `tile`² LR core with `overlap` pixels of context,
only the core's output kept), so memory is the output plus one batch of padded tiles. The input is a real photo
(skimage's astronaut, resized to `size`²). Prints wall time, megapixels/s and the process's peak RSS (ru_maxrss).

Measured on the shared 2-core machine (load average ~5): `--preset esrgan_photos_x4` (123,459-parameter RRDB G),
1024² → 4096² uint8, tile 128, overlap 20 (≥ its receptive radius: equal to the untiled output): 20.8 s
(0.81 output MP/s), peak RSS 1.38 GB. The paper-size RRDB (16.7M parameters) runs ~0.7 LR 64² images/s here, so
the same upscale would take roughly 20-30 minutes on this CPU; its memory stays bounded by the tile batch.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

import numpy as np


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default="zoo_configs/srgan/srgan_photos_x4.yaml")
    p.add_argument("--preset", default=None)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--tile", type=int, default=128)
    p.add_argument("--overlap", type=int, default=20)
    p.add_argument("--batch_size", type=int, default=4)
    p.add_argument("--signature", default="upscale_uint8", choices=("upscale", "upscale_uint8"))
    args = p.parse_args(argv)

    import skimage.data
    import tensorflow as tf
    from PIL import Image

    import tfgan_zoo
    from tfgan_zoo.base.super_resolution import tiled_upscale
    from tfgan_zoo.export import export_saved_model

    model = tfgan_zoo.from_preset(args.preset) if args.preset else tfgan_zoo.build_model(args.config)
    image = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((args.size, args.size), Image.BICUBIC))
    if args.signature == "upscale":
        image = image.astype(np.float32) / 127.5 - 1.0
    with tempfile.TemporaryDirectory() as tmp:
        path = export_saved_model(model, tmp, "sr", version=1, warmup=False)
        fn = tf.saved_model.load(path).signatures[args.signature]
        key = "images_uint8" if args.signature == "upscale_uint8" else "images"

        def run(batch):
            return fn(images=tf.constant(batch))[key].numpy()

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        t0 = time.perf_counter()
        out = tiled_upscale(run, image, model.scale, args.tile, args.overlap, args.batch_size)
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    params = sum(int(np.prod(v.shape)) for v in model.generator.trainable_weights)
    print(f"{args.preset or args.config}: G {params:,} parameters, {image.shape[:2]} -> {out.shape[:2]} "
          f"({out.dtype}) via SavedModel signature {args.signature!r}, tile {args.tile} overlap {args.overlap}: "
          f"{seconds:.1f} s ({out.shape[0] * out.shape[1] / 1e6 / seconds:.2f} output MP/s), peak RSS {peak:.2f} GB "
          f"(before the upscale {rss_before:.2f} GB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
