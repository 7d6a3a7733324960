"""Judges of handwritten ↔ printed translation: the shipped classifiers and the report functions (on fake models)."""

import json

import numpy as np
import pytest

from tfgan_zoo.data.printed_digits import load_handwritten_printed
from tfgan_zoo.evaluation import translation


@pytest.fixture(scope="module")
def test_split():
    return load_handwritten_printed(32, 1, "test", seed=0)


def _config(weights):
    return json.loads(weights.with_name(weights.name.replace(".weights.h5", ".json")).read_text())


def test_shipped_judges_load_and_match_their_recorded_accuracy(test_split):
    a, ya, b, yb = test_split
    content_cfg = _config(translation.CONTENT_WEIGHTS)
    domain_cfg = _config(translation.DOMAIN_WEIGHTS)
    assert translation.load_content_classifier()[1]["sha256"] == content_cfg["sha256"]
    assert content_cfg["data"]["num_test"] == {"a": len(ya), "b": len(yb)}
    # recorded on this very held-out split; a margin of ~2 images covers another CPU's round-off
    assert translation.content_accuracy(a, ya) == pytest.approx(content_cfg["test_accuracy"]["a"], abs=0.012)
    assert translation.content_accuracy(b, yb) == pytest.approx(content_cfg["test_accuracy"]["b"], abs=0.012)
    assert translation.domain_rate(a, "a") == pytest.approx(domain_cfg["test_accuracy"]["a"], abs=0.012)
    assert translation.domain_rate(b, "b") == pytest.approx(domain_cfg["test_accuracy"]["b"], abs=0.012)
    assert min(content_cfg["test_accuracy"].values()) > 0.95
    assert min(domain_cfg["test_accuracy"].values()) > 0.95


def test_domain_judge_is_not_fooled_by_stroke_softness(test_split):
    from tfgan_zoo.evaluation.train_translation_judges import binarise_probe, blur_probe

    a, _, b, _ = test_split
    probes = _config(translation.DOMAIN_WEIGHTS)["robustness"]
    blurred = translation.domain_rate(blur_probe(b, 1.5), "b")
    binarised = translation.domain_rate(binarise_probe(a), "a")
    assert blurred == pytest.approx(probes["printed_test_blurred_sigma_1.5_judged_printed"], abs=0.012)
    assert binarised == pytest.approx(probes["handwritten_test_binarised_judged_handwritten"], abs=0.012)
    assert blurred > 0.9 and binarised > 0.9


def test_judges_accept_rgb_and_other_sizes(test_split):
    import tensorflow as tf

    _, _, b, yb = test_split
    big = tf.image.resize(b, (64, 64), method="bilinear").numpy()
    rgb = np.repeat(big, 3, axis=-1)
    assert translation.prepare_images(rgb).shape == (len(b), 32, 32, 1)
    assert translation.content_accuracy(rgb, yb) > 0.9
    assert translation.domain_rate(rgb, "b") > 0.9
    with pytest.raises(ValueError, match="domain"):
        translation.domain_rate(b, "printed")
    with pytest.raises(ValueError, match="images"):
        translation.content_accuracy(np.zeros((2, 32, 32, 2)), [0, 1])


class _LookupTranslator:
    """A stand-in translator that 'translates' a real image into a real image of the other domain with the same
    digit (the best a translator can do by these judges)."""

    image_size = 32
    channels = 1

    def __init__(self, seed=0):
        a, ya, b, yb = load_handwritten_printed(32, 1, "all", seed=0)
        self.rng = np.random.default_rng(seed)
        self.pool = {"a": (a, ya), "b": (b, yb)}
        self.label = {img.tobytes(): int(y) for img, y in zip(np.concatenate([a, b]), np.concatenate([ya, yb]))}

    def translate(self, images, direction="a_to_b"):
        target = "b" if direction == "a_to_b" else "a"
        pool, labels = self.pool[target]
        out = []
        for img in np.asarray(images, np.float32):
            candidates = np.flatnonzero(labels == self.label[img.tobytes()])
            out.append(pool[self.rng.choice(candidates)])
        return np.stack(out)


class _NoiseTranslator:
    image_size = 32
    channels = 1

    def translate(self, images, direction="a_to_b"):
        rng = np.random.default_rng(len(images) + (direction == "b_to_a"))
        return rng.uniform(-1.0, 1.0, np.shape(images)).astype(np.float32)


class _IdentityTranslator:
    image_size = 32
    channels = 1

    def translate(self, images, direction="a_to_b"):
        return np.asarray(images, np.float32)


def test_translation_report_scores_a_good_translator_high():
    report = translation.translation_report(_LookupTranslator(), n=60)
    assert report["num_images"] == {"a": 60, "b": 60} and report["chance"] == 0.1
    for direction in ("a_to_b", "b_to_a"):
        r = report[direction]
        assert set(r) == {"content_accuracy", "domain_rate", "cycle_l1", "identity_content_accuracy",
                          "identity_domain_rate"}
        assert r["content_accuracy"] > 0.9 and r["domain_rate"] > 0.9
        assert r["identity_content_accuracy"] > 0.9 and r["identity_domain_rate"] < 0.1
        assert 0.0 < r["cycle_l1"] < 1.0  # another image of the same digit comes back, not the same one


def test_translation_report_scores_noise_low():
    report = translation.translation_report(_NoiseTranslator(), n=60)
    for direction in ("a_to_b", "b_to_a"):
        r = report[direction]
        assert r["content_accuracy"] < 0.35
        assert r["cycle_l1"] > 0.6
        assert r["identity_content_accuracy"] > 0.9


def test_translation_report_identity_keeps_content_but_not_domain():
    report = translation.translation_report(_IdentityTranslator())
    assert report["num_images"] == {"a": 180, "b": 210}
    for direction in ("a_to_b", "b_to_a"):
        r = report[direction]
        assert r["cycle_l1"] == 0.0
        assert r["content_accuracy"] == r["identity_content_accuracy"] > 0.9
        assert r["domain_rate"] == r["identity_domain_rate"] < 0.1


class _PairGenerator:
    def __init__(self, matched, digit=None):
        a, ya, b, yb = load_handwritten_printed(32, 3, "test", seed=0)
        self.a, self.ya, self.b, self.yb, self.matched, self.digit = a, ya, b, yb, matched, digit

    def generate(self, n, seed=None):
        rng = np.random.default_rng(seed)
        ia = rng.integers(0, len(self.a), n)
        if self.digit is not None:  # collapsed: the same digit in both domains, always
            ia = rng.choice(np.flatnonzero(self.ya == self.digit), n)
        if self.matched:
            ib = np.array([rng.choice(np.flatnonzero(self.yb == self.ya[i])) for i in ia])
        else:
            ib = rng.integers(0, len(self.b), n)
        return self.a[ia], self.b[ib]


def test_pair_report():
    good = translation.pair_report(_PairGenerator(matched=True), n=100, seed=0)
    assert good["num_pairs"] == 100 and good["chance"] == 0.1
    assert good["domain_rate_a"] > 0.9 and good["domain_rate_b"] > 0.9 and good["pair_agreement"] > 0.9
    assert good["pair_kappa"] > 0.85 and good["digits_covered"] == 10
    unrelated = translation.pair_report(_PairGenerator(matched=False), n=100, seed=0)
    assert unrelated["domain_rate_a"] > 0.9 and unrelated["pair_agreement"] < 0.3
    assert abs(unrelated["pair_kappa"]) < 0.2
    # a collapsed generator agrees on every pair, and kappa says that agreement carries no information
    collapsed = translation.pair_report(_PairGenerator(matched=True, digit=3), n=100, seed=0)
    assert collapsed["pair_agreement"] > 0.9 and collapsed["digits_covered"] <= 2 and collapsed["pair_kappa"] < 0.5
