"""Judging semantic image synthesis on the bundled digit scenes, the way the papers judge theirs: segment the
synthesized images with the shipped scene segmenter and compare with the input label maps (mIoU, pixel accuracy),
next to the same scores of the real images (the segmenter's ceiling) and of an untrained model of the same
configuration (the floor); plus the "scene FID", a Fréchet distance between real and synthesized held-out scenes in
the segmenter's pooled features (as digits FID uses the digits classifier).

    >>> import tfgan_zoo
    >>> report = semantic_report(tfgan_zoo.from_preset("pix2pixhd_digits_scenes_32"), num_scenes=20, untrained=False)
    >>> report["synthesized"]["miou"] > 0.3, report["real"]["miou"] > 0.3   # 0.475 and 0.590 on 200 scenes
    (True, True)
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


def scene_generation_report(model, num_samples: int = 500, seed: int = 0) -> dict:
    """How an unconditional generator of digit scenes (e.g. `dcgan_digit_scenes_32`) matches the held-out scenes,
    read by the shipped scene segmenter: the scene FID of `num_samples` samples against as many held-out scenes, the
    share of pixels segmented as each digit (generated and real), and how many digit classes an image holds (a
    class counts when it covers at least 8 pixels, about a third of the smallest digit's ink)."""
    segmenter = load_scene_segmenter()
    _, size, _, channels = (int(d) if d else 0 for d in model.generator.output.shape)
    real = load_digit_scenes(size, channels, "test")["images"]
    real = real[np.random.default_rng(seed).permutation(len(real))[:num_samples]]
    fake = np.concatenate([np.asarray(model.generator(model.latents_for(min(100, num_samples - i), seed=seed + i),
                                                      training=False), np.float32)
                           for i in range(0, num_samples, 100)])

    def shares(images):
        seg = segmenter.segment(images, size=size)
        counts = np.stack([(seg == c).reshape(len(seg), -1).sum(-1) for c in range(1, segmenter.num_classes)], 1)
        return {"digit_pixel_share": {str(d): float(counts[:, d].sum() / seg.size) for d in range(10)},
                "classes_per_image": float((counts >= 8).sum(1).mean())}

    generated, held_out = shares(fake), shares(real)
    ratio = [generated["digit_pixel_share"][d] / max(held_out["digit_pixel_share"][d], 1e-9)
             for d in map(str, range(10))]
    return {"num_samples": int(num_samples),
            "scene_fid": float(fid_from_features(segmenter.features(real), segmenter.features(fake))),
            "generated": generated, "real": held_out, "min_share_ratio": float(min(ratio)),
            "segmenter": {"sha256": segmenter.config["sha256"], "test_miou": segmenter.config.get("test_miou")}}
