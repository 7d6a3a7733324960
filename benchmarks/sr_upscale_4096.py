"""Upscale a 1024×1024 image to 4096×4096 through an exported super-resolution SavedModel; print time and peak RSS.

    python benchmarks/sr_upscale_4096.py [--config zoo_configs/srgan/srgan_photos_x4.yaml | --preset NAME]
        [--size 1024] [--tile 128] [--overlap 20] [--signature upscale_uint8]
        [--serve [--transports grpc_tiled,rest_tiled,grpc,rest]]

The model (a preset, or the config's model with its initial weights: the timing does not depend on the values) is
exported with `tfgan_zoo.export.export_saved_model`, loaded back with `tf.saved_model.load`, and its dynamic-shape
signature is called on overlapping tiles (`tiled_upscale`: each `tile`² LR core with `overlap` pixels of context,
only the core's output kept), so memory is the output plus one batch of padded tiles. The input is a real photo
(skimage's astronaut, resized to `size`²). Prints wall time, megapixels/s and the process's peak RSS (ru_maxrss).

Measured on the shared 2-core machine (load average ~5): `--preset esrgan_photos_x4` (123,459-parameter RRDB G),
1024² → 4096² uint8, tile 128, overlap 20 (≥ its receptive radius: equal to the untiled output): 20.8 s
(0.81 output MP/s), peak RSS 1.38 GB. The paper-size RRDB (16.7M parameters) runs ~0.7 LR 64² images/s here, so
the same upscale would take roughly 20-30 minutes on this CPU; its memory stays bounded by the tile batch.

`--serve` exports the model into a model base directory, starts `tfgan-zoo serve` on it in a child process and sends
the image to the signature through the server, one measurement per `--transports` entry: `grpc` (the whole image
in one Predict request: the server runs the SavedModel on all of it), `grpc_tiled` / `rest_tiled` (the client cuts
the image into overlapping tiles, `tiled_upscale` with a Predict / REST :predict call per tile batch, so the
server's memory stays bounded by one tile batch) and `rest` (the whole image as one JSON request). It prints the
wall time of each and the server process's peak RSS during it (VmHWM from /proc, reset between measurements), and
checks that every transport's answer equals the in-process SavedModel's on a crop. Message sizes: a 1024² RGB uint8
request is 3.1 MB and its 4096² answer 50 MB (float32: 12.6 MB / 201 MB); the zoo's gRPC client accepts messages
of any size (`grpc.max_receive_message_length` / `max_send_message_length` -1; gRPC's default receive limit is
4 MB), the server accepts requests up to `--max_request_bytes` (64 MB) and sends answers of any size; TF Serving's
own server sets its gRPC message limit to 2 GB (`--grpc_channel_arguments` changes it), and any client must raise
its receive limit above gRPC's 4 MB default for these answers. REST answers are JSON: the 4096² uint8 answer is
~190 MB of text built from Python lists, so whole images over REST are slow and memory-hungry; tile them.

Measured with `--preset esrgan_photos_x4 --serve` (uint8, tile 128, overlap 20, 4 tiles per request; the same
shared 2-core machine; server RSS 0.69 GB once the model is loaded; every answer equal to the in-process SavedModel's
on the centre crop, max |diff| 0):

  1024² -> 4096²  grpc_tiled  14.5 s (1.16 output MP/s), server peak RSS 1.35 GB
  1024² -> 4096²  rest_tiled  95.1 s (0.18 output MP/s), server peak RSS 1.77 GB (JSON encoding and decoding)
  512² -> 2048²   grpc        5.6 s (whole image, one request), server peak RSS 2.04 GB
  512² -> 2048²   rest        23.0 s (whole image, one request), server peak RSS 2.49 GB

A whole 1024² image in one request makes the server hold the generator's activations at 4096² (24 float32 channels:
1.6 GB per tensor); from the 512² figure (+1.35 GB over the loaded server) that is ~6 GB of server memory, which
fits this 24 GB machine but was not run here (each process on it is kept under ~3 GB); tiled requests keep the
server at one tile batch whatever the image size.
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
    p.add_argument("--serve", action="store_true", help="through `tfgan-zoo serve` (a child process)")
    p.add_argument("--transports", default="grpc_tiled,rest_tiled",
                   help="with --serve: comma-separated of grpc_tiled, rest_tiled, grpc, rest (whole-image requests: "
                        "~6 GB of server memory at 1024²)")
    args = p.parse_args(argv)
    if args.serve:
        return serve_benchmark(args)

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


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _ServerMemory:
    """The child server's peak RSS between `reset()` and `peak_gb()` (/proc/<pid>/status VmHWM; writing 5 to
    clear_refs resets it, Linux >= 4.0)."""

    def __init__(self, pid):
        self.pid = pid

    def _field(self, name):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) * 1024 / 1e9
        raise RuntimeError(f"no {name} in /proc/{self.pid}/status")

    def reset(self):
        with open(f"/proc/{self.pid}/clear_refs", "w") as f:
            f.write("5")

    def rss_gb(self):
        return self._field("VmRSS")

    def peak_gb(self):
        return self._field("VmHWM")


def serve_benchmark(args) -> int:
    """`--serve`: the image through `tfgan-zoo serve` over gRPC / REST, whole or tiled; time and server peak RSS."""
    import os
    import subprocess
    import sys

    import skimage.data
    import tensorflow as tf
    from PIL import Image

    import tfgan_zoo
    from tfgan_zoo.base.super_resolution import tiled_upscale
    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.serving import PredictClient, RestClient, wait_until_serving

    model = tfgan_zoo.from_preset(args.preset) if args.preset else tfgan_zoo.build_model(args.config)
    image = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((args.size, args.size), Image.BICUBIC))
    if args.signature == "upscale":
        image = image.astype(np.float32) / 127.5 - 1.0
    key = "images_uint8" if args.signature == "upscale_uint8" else "images"
    transports = [t.strip() for t in args.transports.split(",") if t.strip()]
    unknown = set(transports) - {"grpc", "grpc_tiled", "rest_tiled", "rest"}
    if unknown:
        raise SystemExit(f"--transports: unknown {sorted(unknown)}; use grpc, grpc_tiled, rest_tiled, rest.")
    with tempfile.TemporaryDirectory() as tmp:
        path = export_saved_model(model, tmp, "sr", version=1)
        # the reference: the SavedModel in this process, on a central crop (whole-image answers must equal it)
        fn = tf.saved_model.load(path).signatures[args.signature]
        c = args.size // 2
        grpc_port, rest_port = _free_port(), _free_port()
        cmd = [sys.executable, "-m", "tfgan_zoo.cli", "serve", "--model_base_path", os.path.join(tmp, "sr"),
               "--model_name", "sr", "--port", str(grpc_port), "--rest_api_port", str(rest_port),
               "--file_system_poll_wait_seconds", "0"]
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            address = f"127.0.0.1:{grpc_port}"
            if not wait_until_serving(address, "sr", timeout=180):
                raise SystemExit(f"the server did not come up: {' '.join(cmd)}")
            memory = _ServerMemory(server.pid)
            print(f"{args.preset or args.config}: {image.shape} {image.dtype} -> x{model.scale} via `tfgan-zoo serve`"
                  f", signature {args.signature!r}; server RSS after loading {memory.rss_gb():.2f} GB")
            grpc_client = PredictClient(address, "sr", signature=args.signature, timeout=3600)
            rest_client = RestClient(f"127.0.0.1:{rest_port}", "sr", timeout=3600)

            def via_grpc(batch):
                return grpc_client.predict({"images": batch})[key]

            def via_rest(batch):
                out = rest_client.predict({"images": batch}, signature=args.signature)
                return np.asarray(out["output"], image.dtype)

            for transport in transports:
                call = via_grpc if transport.startswith("grpc") else via_rest
                memory.reset()
                t0 = time.perf_counter()
                if transport.endswith("_tiled"):
                    out = tiled_upscale(call, image, model.scale, args.tile, args.overlap, args.batch_size)
                    how = f"tile {args.tile} overlap {args.overlap}, {args.batch_size} tiles per request"
                else:
                    out = call(image[None])[0]
                    how = "the whole image in one request"
                seconds = time.perf_counter() - t0
                peak = memory.peak_gb()
                s = model.scale
                ref = fn(images=tf.constant(image[None, c - 32 - args.overlap : c + 32 + args.overlap,
                                                  c - 32 - args.overlap : c + 32 + args.overlap]))[key].numpy()[0]
                ref = ref[args.overlap * s : -args.overlap * s, args.overlap * s : -args.overlap * s]
                diff = float(np.abs(out[(c - 32) * s : (c + 32) * s, (c - 32) * s : (c + 32) * s].astype(np.float64)
                                    - ref.astype(np.float64)).max())
                rate = out.shape[0] * out.shape[1] / 1e6 / seconds
                print(f"  {transport:10s} {how}: {out.shape} {out.dtype} in {seconds:.1f} s "
                      f"({rate:.2f} output MP/s), server peak RSS {peak:.2f} GB; "
                      f"max |diff| vs in-process on a centre crop {diff:g}", flush=True)
                del out
            grpc_client.close()
        finally:
            server.terminate()
            server.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
