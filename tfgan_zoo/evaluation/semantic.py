"""Judging semantic image synthesis on the bundled digit scenes, the way the papers judge theirs: segment the
synthesized images with the shipped scene segmenter and compare with the input label maps (mIoU, pixel accuracy),
next to the same scores of the real images (the segmenter's ceiling) and of an untrained model of the same
configuration (the floor); plus the "scene FID", a Fréchet distance between real and synthesized held-out scenes in
the segmenter's pooled features (as digits FID uses the digits classifier).

    >>> report = semantic_report(model, num_scenes=200)   # doctest: +SKIP
    >>> report["synthesized"]["miou"], report["real"]["miou"], report["untrained"]["miou"]   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from tfgan_zoo.data.digit_scenes import load_digit_scenes
from tfgan_zoo.evaluation.fid import fid_from_features
from tfgan_zoo.evaluation.scene_segmenter import load_scene_segmenter, segmentation_scores


def held_out_scenes(model, num_scenes=200, seed=0) -> dict:
    """`num_scenes` held-out digit scenes at the model's resolution and channels."""
    h, w = model.image_shape
    if h != w or model.num_classes < 11:
        raise ValueError(f"The digit-scene judge needs a square model with >= 11 classes; got {h}×{w}, "
                         f"num_classes={model.num_classes}.")
    scenes = load_digit_scenes(h, model.channels, "test")
    idx = np.random.default_rng(seed).choice(len(scenes["labels"]), num_scenes, replace=False)
    return {k: v[idx] for k, v in scenes.items()}


def synthesis_scores(images, labels, segmenter=None) -> dict:
    """mIoU and pixel accuracy of the segmentation of `images` against `labels`."""
    segmenter = segmenter or load_scene_segmenter()
    scores = segmentation_scores(segmenter.segment(images, size=np.asarray(labels).shape[1]), labels,
                                 segmenter.num_classes)
    return {"miou": scores["miou"], "pixel_accuracy": scores["pixel_accuracy"]}


def semantic_report(model, num_scenes: int = 200, seed: int = 0, untrained=None, styles: int = 2) -> dict:
    """Segmentation scores of `model`'s syntheses of held-out scenes, of the real images and of `untrained` (a fresh
    model of the same config when None; False: not judged); the scene FID; and, for models with style inputs, the scores
    of each of `styles` seeds and the mean absolute difference between two styles' images of one map."""
    segmenter = load_scene_segmenter()
    scenes = held_out_scenes(model, num_scenes, seed)
    labels, instances, real = scenes["labels"], scenes["instances"], scenes["images"]
    inst = instances if model.use_instances else None
    fake = model.synthesize(labels, inst, **model.default_style(len(labels), seed))
    if untrained is None:
        untrained = type(model).from_config(model.get_config())
    report = {
        "num_scenes": int(num_scenes),
        "synthesized": synthesis_scores(fake, labels, segmenter),
        "real": synthesis_scores(real, labels, segmenter),
        "scene_fid": float(fid_from_features(segmenter.features(real), segmenter.features(fake))),
        "segmenter": {"sha256": segmenter.config["sha256"], "test_miou": segmenter.config.get("test_miou")},
    }
    if untrained is not False:
        images = untrained.synthesize(labels, inst, **untrained.default_style(len(labels), seed))
        report["untrained"] = synthesis_scores(images, labels, segmenter)
    if styles > 1 and model.default_style(1, 0):
        outs = [model.synthesize(labels, inst, **model.default_style(len(labels), seed + 1000 * s))
                for s in range(styles)]
        report["styles"] = {"miou": [synthesis_scores(o, labels, segmenter)["miou"] for o in outs],
                            "mean_abs_difference": float(np.abs(outs[0] - outs[1]).mean())}
    return report
