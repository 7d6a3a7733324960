"""Latency of the interactive tools on this CPU, for the shipped 32² DCGAN (dcgan_digits_32).

    python benchmarks/interactive_latency.py [--repeats 10] [--steps 60] [--dcgan64] [--json out.json]

Prints the median milliseconds per call (after one warm-up call that traces the graphs) of: an iGAN edit (one
colour stroke, `--steps` Adam steps, 8 frames), a projection of one real digit (encoder + `--steps` Adam steps), a
GANpaint intervention (`intervene` on 8 units in a region), the edit transfer of 8 frames (TV-L1 flow per frame),
the same edit and intervention through the exported SavedModel signatures over the zoo's REST server, and the
studio's GauGAN-style drawing step (one 32² label map → image of the shipped gaugan_digits_scenes_32, in process and
through its exported `synthesize` signature over REST).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request

import numpy as np


def _median_ms(fn, repeats):
    fn()  # warm-up: traces the graphs
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--no_server", action="store_true", help="skip the REST round trips")
    parser.add_argument("--dcgan64", action="store_true", help="also time an edit on a 64² RGB DCGAN (paper size)")
    args = parser.parse_args(argv)

    import tfgan_zoo
    from tfgan_zoo.evaluation.digits import digits_images
    from tfgan_zoo.interactive import IGAN, Constraints, stroke_mask, train_encoder, transfer
    from tfgan_zoo.interactive.dissection import LayerSplit

    model = tfgan_zoo.from_preset("dcgan_digits_32")
    start = time.perf_counter()
    tools = IGAN(model, encoder=train_encoder(model, steps=200))
    encoder_s = time.perf_counter() - start
    z0 = tools.random_latents(1, 0)
    constraints = Constraints(32, 32, 1).color(stroke_mask(32, [(16, 12), (16, 20)], 1.5), 1.0)
    digit = digits_images(32, "test")[0][:1]
    _, frames = tools.edit(z0, constraints, steps=args.steps)
    split = LayerSplit(model, "up1_relu")
    units = split.unit_mask(range(8))
    region = np.zeros((1, 32, 32, 1), np.float32)
    region[:, 8:24, 8:24] = 1.0

    results = {
        "encoder_training_s (200 steps, batch 64)": encoder_s,
        f"igan_edit_ms ({args.steps} steps)": _median_ms(lambda: tools.edit(z0, constraints, steps=args.steps),
                                                         args.repeats),
        f"project_ms (1 image, {args.steps} steps)": _median_ms(lambda: tools.project(digit, steps=args.steps),
                                                                args.repeats),
        "intervene_ms": _median_ms(lambda: split.intervene(z0, units, units * 2.0, region).numpy(), args.repeats),
        "transfer_ms (8 frames)": _median_ms(lambda: transfer(digit[0], frames), args.repeats),
    }
    scenes = tfgan_zoo.from_preset("gaugan_digits_scenes_32")
    labels = np.zeros((1, 32, 32), np.int32)
    labels[:, 6:27, 15:18] = 2  # a "1" painted with the digit-1 brush
    instances = (labels > 0).astype(np.int32)
    style = scenes.style_inputs(1, seed=0)["latents"]
    results["gaugan_synthesize_ms (32x32 label map)"] = _median_ms(
        lambda: scenes.synthesize(labels, instances, latents=style), args.repeats)
    if args.dcgan64:  # the paper-size DCGAN (64² RGB, untrained: latency does not depend on the weights)
        big = tfgan_zoo.build_model("dcgan", image_size=64, channels=3)
        big_tools = IGAN(big, feature_weight=0.0)
        zb = big_tools.random_latents(1, 0)
        cb = Constraints(64, 64, 3).color(stroke_mask(64, [(32, 24), (32, 40)], 3), [1.0, 0.0, 0.0])
        results[f"igan_edit_ms dcgan 64x64x3 ({args.steps} steps)"] = _median_ms(
            lambda: big_tools.edit(zb, cb, steps=args.steps), args.repeats)
    if not args.no_server:
        from tfgan_zoo.export import export_saved_model
        from tfgan_zoo.interactive.export import InteractiveModel
        from tfgan_zoo.serving import serve

        base = tempfile.mkdtemp(prefix="interactive-latency-")
        export_saved_model(InteractiveModel(model, "up1_relu"), base, model_name="digits", warmup=False)
        export_saved_model(scenes, base, model_name="scenes", warmup=False)
        server = serve(base, poll_interval=0)
        t = constraints.tensors()

        def rest(signature, inputs, name="digits"):
            body = json.dumps({"signature_name": signature, "inputs": inputs}).encode()
            req = urllib.request.Request(f"{server.rest_url}/v1/models/{name}:predict", data=body, method="POST")
            with urllib.request.urlopen(req) as r:
                return json.load(r)

        edit_inputs = {"latents": z0.tolist(), **{k: v.tolist() for k, v in t.items()}}
        paint_inputs = {"latents": z0.tolist(), "unit_mask": units.tolist(), "values": (units * 2).tolist(),
                        "region": region.tolist()}
        try:
            results["rest_igan_edit_ms (60 steps)"] = _median_ms(lambda: rest("igan_edit", edit_inputs),
                                                                 args.repeats)
            results["rest_intervene_ms"] = _median_ms(lambda: rest("intervene", paint_inputs), args.repeats)
            draw_inputs = {"labels": labels.tolist(), "instances": instances.tolist(), "latents": style.tolist()}
            results["rest_gaugan_synthesize_ms"] = _median_ms(lambda: rest("synthesize", draw_inputs, "scenes"),
                                                              args.repeats)
        finally:
            server.stop()
    for key, value in results.items():
        print(f"{key:45s} {value:10.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
