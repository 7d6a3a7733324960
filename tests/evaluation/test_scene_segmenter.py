"""The shipped digit-scene segmenter and the semantic-synthesis judge built on it."""

import numpy as np
import pytest

import tfgan_zoo
from tfgan_zoo.data.digit_scenes import load_digit_scenes
from tfgan_zoo.evaluation.scene_segmenter import (
    SEGMENTER_CONFIG,
    SEGMENTER_WEIGHTS,
    load_scene_segmenter,
    segmentation_scores,
)
from tfgan_zoo.evaluation.semantic import semantic_report


def test_segmentation_scores_by_hand():
    target = np.array([[0, 0, 1, 1]])
    predicted = np.array([[0, 1, 1, 1]])
    s = segmentation_scores(predicted, target, num_classes=3)
    # class 0: IoU 1/2, class 1: IoU 2/3; class 2 absent from both
    assert s["miou"] == pytest.approx((0.5 + 2 / 3) / 2)
    assert s["pixel_accuracy"] == pytest.approx(0.75)
    with pytest.raises(ValueError, match="size"):
        segmentation_scores(predicted, target[:, :2])


def test_shipped_segmenter_is_small_checked_and_segments_held_out_scenes():
    assert SEGMENTER_WEIGHTS.stat().st_size < 0.5e6
    seg = load_scene_segmenter()
    scenes = load_digit_scenes(32, 3, "test", num_scenes=100)
    predicted = seg.segment(scenes["images"])
    scores = segmentation_scores(predicted, scenes["labels"])
    # recorded on 1,000 held-out scenes; 100 colour scenes vary by a few points
    assert scores["miou"] >= seg.config["test_miou"] - 0.08 and scores["pixel_accuracy"] >= 0.85
    # a blank image is all background
    assert (seg.segment(np.full((1, 32, 32, 1), -1.0, np.float32)) == 0).mean() > 0.95
    assert seg.segment(scenes["images"][:2], size=64).shape == (2, 64, 64)


def test_tampered_segmenter_is_refused(tmp_path):
    weights = tmp_path / "digit_scenes_segmenter.weights.h5"
    data = SEGMENTER_WEIGHTS.read_bytes()
    weights.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    (tmp_path / "digit_scenes_segmenter.json").write_text(SEGMENTER_CONFIG.read_text())
    with pytest.raises(ValueError, match="sha256"):
        load_scene_segmenter(weights)


def test_report_puts_real_images_far_above_an_untrained_model():
    model = tfgan_zoo.build_model("pix2pixhd", num_classes=11, image_size=32, aspect_ratio=1.0, channels=1, ngf=4,
                                  n_downsample_global=2, n_blocks_global=1, ndf=4, num_d=1, perceptual_weight=0.0)
    report = semantic_report(model, num_scenes=40, untrained=False)
    assert "untrained" not in report and report["num_scenes"] == 40
    assert report["real"]["miou"] > report["synthesized"]["miou"] + 0.2
    assert report["scene_fid"] > 0
