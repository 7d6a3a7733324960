"""GAN Dissection of the shipped digit-scene generator: per digit class, the ablation and insertion figures.

    python benchmarks/scene_dissection.py [--preset dcgan_digit_scenes_32] [--layer up1_relu] [--record]

Dissects the layer on 500 samples with the shipped scene segmenter, chooses each class's insertion on 200 other
samples (units ranked by IoU or by their single-unit causal effect; the number of units and the value scale chosen
by the appears-rate; then two greedy unit additions) and measures on 300 held-out samples
(`tfgan_zoo.interactive.scene_dissection.scene_dissection_report`): the fraction of the class's segmented area that
ablating its top-IoU units removes (the fewest that remove 75 % on the selection samples) and what they remove of
the other digits' area; how often inserting the chosen units in the central 16² region makes the segmenter read the
class on >= 10 % of it where it read less before; and the inked fraction of the region after the insertion, next
to that of real scenes with the digit there. `--record` writes the report into the preset's `metadata.dissection`
(the tests read the chosen insertions from there); `--figure PATH` draws 6 held-out samples and each digit's
insertion. The inserted content is mostly texture the segmenter labels as the digit, not a legible digit (README).
"""

from __future__ import annotations

import argparse
import json
import time


def _figure(model, report, path, n=6, seed=21):
    import numpy as np
    from PIL import Image

    from tfgan_zoo.interactive.dissection import LayerSplit
    from tfgan_zoo.interactive.scene_dissection import central_region, values_vector

    split = LayerSplit(model, report["layer"])
    z = np.asarray(model.latents_for(n, seed=seed), np.float32)
    region = np.repeat(central_region(split.image_shape[0])[None, :, :, None].astype(np.float32), n, 0)
    rows = [model.generator(z, training=False).numpy()]
    for c in report["classes"].values():
        ins = c["insertion"]
        rows.append(split.intervene(z, split.unit_mask(ins["units"]), values_vector(split, ins["units"], ins["values"]),
                                    region).numpy())
    grid = np.concatenate([np.concatenate(list(row.mean(-1)), 1) for row in rows], 0)
    Image.fromarray(((grid + 1) * 127.5).clip(0, 255).astype(np.uint8)).resize(
        (grid.shape[1] * 3, grid.shape[0] * 3), Image.NEAREST).save(path)
    print(f"figure: {path}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="dcgan_digit_scenes_32")
    p.add_argument("--layer", default="up1_relu")
    p.add_argument("--record", action="store_true", help="write the report into the preset's metadata.dissection")
    p.add_argument("--json", action="store_true", help="print the whole report as JSON")
    p.add_argument("--figure", default=None, help="PNG: 6 held-out samples, then each digit's insertion in a row")
    args = p.parse_args(argv)

    import tfgan_zoo
    from tfgan_zoo.interactive.scene_dissection import scene_dissection_report

    model = tfgan_zoo.from_preset(args.preset)
    t0 = time.time()
    report = scene_dissection_report(model, args.layer)
    seconds = time.time() - t0
    if args.json:
        print(json.dumps(report, indent=1))
    print(f"{args.preset} {report['layer']} ({report['num_units']} units), region rows/cols {report['region']}, "
          f"held-out {report['latents']['held_out']} samples, {seconds:.0f} s")
    print("digit  top IoU  ablation: units  removed  others removed  insertion: units (ranking)  scale  appears "
          "(selection)  samples  region ink (real digit)")
    for digit, c in report["classes"].items():
        a, i = c["ablation"], c["insertion"]
        print(f"  {digit}    {c['top_iou']:.3f}       {len(c['ablation_units']):>2}         {a['removed_fraction']:.2f}"
              f"       {a['others_removed_fraction']:.2f}          {i['k']:>2} ({i['ranking']:<24})  "
              f"{i['scale']:>2.0f}   {i['appears_rate']:.2f} ({i['selection_appears_rate']:.2f})   {i['samples']}"
              f"      {i['region_ink']:.2f} ({report['real_region_ink'][digit]:.2f})")
    print(f"mean   removed {report['mean_removed_fraction']:.2f}, appears {report['mean_appears_rate']:.2f}")
    if args.figure:
        _figure(model, report, args.figure)
    if args.record:
        from tfgan_zoo.pretrained.presets import ASSETS

        path = ASSETS / args.preset / "preset.json"
        cfg = json.loads(path.read_text())
        cfg["metadata"]["dissection"] = {**report, "protocol": "scene_dissection_report",
                                         "seconds": round(seconds, 1)}
        path.write_text(json.dumps(cfg, indent=2) + "\n")
        print(f"recorded in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
