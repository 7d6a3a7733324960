import numpy as np
import pytest

from tfgan_zoo.models.acgan.acgan_analysis import (
    diversity_analysis,
    ms_ssim_settings,
    pairwise_ms_ssim,
    per_class_ms_ssim,
    resized_discriminability,
    sample_classifier_accuracy,
)


def test_ms_ssim_scales_fit_the_image():
    assert ms_ssim_settings(256)["num_scales"] == 5
    s = ms_ssim_settings(32)
    assert s["num_scales"] == 2 and abs(sum(s["power_factors"]) - 1.0) < 1e-9
    assert ms_ssim_settings(32, filter_size=3)["num_scales"] == 4
    with pytest.raises(ValueError, match="filter_size"):
        ms_ssim_settings(8)


def test_pairwise_ms_ssim_ranks_diversity():
    rng = np.random.default_rng(0)
    base = rng.uniform(-1, 1, (1, 32, 32, 1)).astype("float32")
    same = np.repeat(base, 8, axis=0)
    near = np.clip(same + rng.normal(0, 0.05, same.shape), -1, 1).astype("float32")
    diverse = rng.uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    a, b, c = pairwise_ms_ssim(same), pairwise_ms_ssim(near), pairwise_ms_ssim(diverse)
    assert a == pytest.approx(1.0, abs=1e-5)
    assert a > b > c
    with pytest.raises(ValueError, match="at least 2"):
        pairwise_ms_ssim(base)


def test_diversity_analysis_flags_collapsed_classes():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(3), 6)
    real = rng.uniform(-1, 1, (18, 32, 32, 1)).astype("float32")
    collapsed = np.repeat(real[::6], 6, axis=0)  # one image per class
    out = diversity_analysis(collapsed, labels, real, labels, num_pairs=20)
    assert set(out["fake_ms_ssim"]) == {0, 1, 2}
    assert out["fraction_below_real_max"] == 0.0 and out["fraction_below_own_real"] == 0.0
    diverse = rng.uniform(-1, 1, (18, 32, 32, 1)).astype("float32")
    smooth_real = np.repeat(np.repeat(real[:, ::4, ::4], 4, axis=1), 4, axis=2)  # less diverse at coarse scales
    out = diversity_analysis(diverse, labels, smooth_real, labels, num_pairs=20)
    assert out["fraction_below_real_max"] == 1.0
    assert per_class_ms_ssim(real, labels, num_pairs=5).keys() == {0, 1, 2}
    with pytest.raises(ValueError, match="labels"):
        per_class_ms_ssim(real, labels[:3])


class _Stub:
    def __init__(self, predictions):
        self.predictions = predictions

    def predict_labels(self, images):
        return self.predictions[: len(images)]


def test_sample_classifier_accuracy_counts_per_class():
    images = np.zeros((4, 32, 32, 1), np.float32)
    out = sample_classifier_accuracy(images, [0, 0, 1, 1], _Stub(np.array([0, 1, 1, 1])))
    assert out["accuracy"] == 0.75 and out["per_class_accuracy"] == {0: 0.5, 1: 1.0}


def test_digits_classifier_discriminates_real_digits_and_resizing_loses_class_information():
    from tfgan_zoo.data import load_arrays

    x, y = load_arrays("digits", 32, 1, split="test")
    real = sample_classifier_accuracy(x, y)
    assert real["accuracy"] > 0.9
    assert sample_classifier_accuracy(x, np.roll(y, 1))["accuracy"] < 0.3
    by_size = resized_discriminability(x, y, low_sizes=(4,))
    assert by_size[32] == pytest.approx(real["accuracy"]) and by_size[4] < by_size[32] - 0.2
