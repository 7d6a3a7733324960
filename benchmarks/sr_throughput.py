"""Training and inference images/s of the super-resolution models at LR 32² and 64² (×4: HR 128² and 256²).

    python benchmarks/sr_throughput.py [--rows all | paper_srresnet,preset_esrgan,...] [--lr_sizes 32,64]
        [--batch 16] [--steps 3] [--timeout 900] [--json_out rows.json]

Every row runs in a child process (so one row's memory does not stay with the next) and prints: train images/s
(`model.fit` on synthetic (LR, HR) batches, timed between the ends of the first step — tracing — and the last of
`--steps` + 1 steps), inference images/s (the clipped inference generator as one `tf.function` on a batch of LR
images, warm-up dropped) and the child's peak RSS. Rows:

  preset_srresnet   zoo_configs/srgan/srgan_photos_x4.yaml      SRResNet 32 features / 4 blocks, PSNR stage
  preset_esrgan     zoo_configs/esrgan/esrgan_photos_x4.yaml    RRDB-PSNR 24 features / 1 RRDB, PSNR stage
  paper_srresnet    zoo_configs/srgan/srgan_div2k_96_psnr.yaml  SRResNet (1,550,659 parameters), MSE
  paper_rrdb        zoo_configs/esrgan/esrgan_div2k_128_psnr.yaml  RRDB-PSNR (16,697,987), L1
  paper_srgan       zoo_configs/srgan/srgan_div2k_96.yaml       SRGAN stage: G + D + VGG19 φ5,4 content loss
  paper_esrgan      zoo_configs/esrgan/esrgan_div2k_128.yaml    ESRGAN stage: G + D + VGG19 conv5_4 + RaGAN

The GAN-stage rows use a VGG19 with random weights written to a temporary file (the ImageNet file cannot be
downloaded here; the cost is the same), and run at LR 32² only: the discriminators' dense layers grow with the HR
size (SRGAN's flatten → 1024 is 33.6M weights at HR 128², 134M at 256²; the papers train at HR 96² / 128²).
Training batches that do not fit a few GB on this shared machine run at a smaller batch (`TRAIN_BATCH`), and the
table says so. A step on the 2-core machine shared with other jobs varies by ±20 %.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS = {
    "preset_srresnet": ("zoo_configs/srgan/srgan_photos_x4.yaml", "SRResNet 32/4 (preset size), PSNR stage"),
    "preset_esrgan": ("zoo_configs/esrgan/esrgan_photos_x4.yaml", "RRDB 24/1 (preset size), PSNR stage"),
    "paper_srresnet": ("zoo_configs/srgan/srgan_div2k_96_psnr.yaml", "SRResNet (paper), PSNR stage"),
    "paper_rrdb": ("zoo_configs/esrgan/esrgan_div2k_128_psnr.yaml", "RRDB-PSNR (paper), PSNR stage"),
    "paper_srgan": ("zoo_configs/srgan/srgan_div2k_96.yaml", "SRGAN (paper), GAN stage + VGG19"),
    "paper_esrgan": ("zoo_configs/esrgan/esrgan_div2k_128.yaml", "ESRGAN (paper), GAN stage + VGG19"),
}
GAN_ROWS = ("paper_srgan", "paper_esrgan")
#: (row, LR size) -> the training batch used instead of --batch where a batch of 16 needs more memory than this
#: shared machine gives one process (~3 GB): the backward pass of 23 RRDBs keeps ~69k activation channels, ~0.28 GB
#: per LR 32² image and ~1.1 GB per 64² image, so batch 16 would need ~4.5 / ~18 GB.
TRAIN_BATCH = {("paper_rrdb", 32): 4, ("paper_rrdb", 64): 2, ("paper_esrgan", 32): 4, ("paper_srresnet", 64): 8}


def measure(row: str, lr_size: int, batch: int, steps: int, train_batch: int) -> dict:
    """One row in this process: train and inference images/s, peak RSS."""
    import resource
    import tempfile

    import keras
    import numpy as np
    import tensorflow as tf

    import tfgan_zoo

    config = tfgan_zoo.load_config(os.path.join(REPO, ROWS[row][0]))
    params = config.model.params
    params["image_size"] = lr_size * params.get("scale", 4)
    params["init_weights"] = ""  # the GAN configs start from a PSNR run's weights; the timing does not need them
    tmp = tempfile.TemporaryDirectory()
    if row in GAN_ROWS:
        vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
        path = os.path.join(tmp.name, "vgg19_random.weights.h5")
        vgg.save_weights(path)
        params.update(perceptual_network="vgg19", perceptual_weights_path=path)
        del vgg
    model = tfgan_zoo.build_model(config)
    model.compile()
    rng = np.random.default_rng(0)
    hr_size = lr_size * model.scale
    lr = rng.uniform(-1, 1, (train_batch, lr_size, lr_size, model.channels)).astype("float32")
    hr = rng.uniform(-1, 1, (train_batch, hr_size, hr_size, model.channels)).astype("float32")
    ds = tf.data.Dataset.from_tensors((lr, hr)).repeat()
    ends = []
    clock = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: ends.append(time.perf_counter()))
    model.fit(ds, steps_per_epoch=1 + steps, epochs=1, verbose=0, callbacks=[clock])  # step 1 traces: not timed
    train_seconds = (ends[-1] - ends[0]) / steps

    generator = model.inference_generator
    infer = tf.function(lambda x: tf.clip_by_value(generator(x, training=False), -1.0, 1.0))
    x = tf.constant(rng.uniform(-1, 1, (batch, lr_size, lr_size, model.channels)).astype("float32"))
    infer(x).numpy()
    t0 = time.perf_counter()
    for _ in range(steps):
        infer(x).numpy()
    infer_seconds = (time.perf_counter() - t0) / steps
    g_params = int(sum(np.prod(v.shape) for v in model.generator.trainable_weights))
    return {"row": row, "what": ROWS[row][1], "lr_size": lr_size, "g_params": g_params,
            "train_batch": train_batch, "train_step_s": round(train_seconds, 3),
            "train_images_per_s": round(train_batch / train_seconds, 2),
            "infer_batch": batch, "infer_images_per_s": round(batch / infer_seconds, 2),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", default="all")
    p.add_argument("--lr_sizes", default="32,64")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per row")
    p.add_argument("--json_out", default=None)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        row, size, train_batch = args.child.split(":")
        print("RESULT " + json.dumps(measure(row, int(size), args.batch, args.steps, int(train_batch))), flush=True)
        return 0
    rows = list(ROWS) if args.rows == "all" else [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = set(rows) - set(ROWS)
    if unknown:
        raise SystemExit(f"--rows: unknown {sorted(unknown)}; choose from {sorted(ROWS)} or all.")
    sizes = [int(s) for s in args.lr_sizes.split(",") if s]
    results = []
    for row in rows:
        for size in sizes:
            if row in GAN_ROWS and size != 32:
                continue
            train_batch = min(args.batch, TRAIN_BATCH.get((row, size), args.batch))
            cmd = [sys.executable, os.path.abspath(__file__), "--child", f"{row}:{size}:{train_batch}",
                   "--batch", str(args.batch), "--steps", str(args.steps)]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, cwd=REPO)
                lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
                result = (json.loads(lines[-1][7:]) if lines else
                          {"row": row, "lr_size": size, "error": done.stderr.strip().splitlines()[-1:]})
            except subprocess.TimeoutExpired:
                result = {"row": row, "lr_size": size, "error": f"over {args.timeout:.0f} s"}
            results.append(result)
            print(json.dumps(result), flush=True)
            if args.json_out:
                with open(args.json_out, "w") as f:
                    json.dump(results, f, indent=1)
    print("\n| model | G parameters | LR | train images/s (batch) | inference images/s (batch) | peak RSS |")
    print("|---|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['row']} | | {r['lr_size']}² | {r['error']} | | |")
            continue
        print(f"| {r['what']} | {r['g_params']:,} | {r['lr_size']}² | {r['train_images_per_s']} ({r['train_batch']}) "
              f"| {r['infer_images_per_s']} ({r['infer_batch']}) | {r['peak_rss_gb']} GB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
