"""Linear separability (StyleGAN §4.2): the entropy/SVM core on synthetic codes, and the full metric on a tiny
StyleGAN2 with the shipped digits classifier."""

import math

import numpy as np
import pytest

import tfgan_zoo
from tfgan_zoo.evaluation import linear_separability
from tfgan_zoo.evaluation.linear_separability import (
    attribute_probabilities,
    conditional_entropy,
    digits_classifier_fn,
    separability_from_codes,
)

TINY = dict(image_size=16, latent_dim=16, w_dim=16, fmap_base=64, fmap_max=16, mapping_layers=2, channels=1, seed=1)


def test_conditional_entropy_known_values():
    x = np.array([0, 0, 1, 1] * 50)
    assert conditional_entropy(x, x) == 0.0
    assert conditional_entropy(x, 1 - x) == 0.0  # knowing X determines Y
    y = np.array([0, 1] * 100)  # independent of x, balanced
    np.testing.assert_allclose(conditional_entropy(x, y), math.log(2), rtol=1e-12)
    np.testing.assert_allclose(conditional_entropy(x, y, base=2), 1.0, rtol=1e-12)


def test_linear_attribute_of_w_is_separable():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(2000, 8))
    direction = rng.normal(size=8)
    margin = w @ direction
    p = 1.0 / (1.0 + np.exp(-4.0 * margin))  # a confident classifier whose label is linear in w
    r = separability_from_codes({"w": w}, p)
    assert r["entropies"]["w"][0] < 0.02
    assert r["score"]["w"] == pytest.approx(1.0, abs=0.02)
    assert r["num_kept"] == [1000]


def test_random_labels_give_ln2():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(4000, 4))
    p = rng.uniform(size=4000)  # labels unrelated to w
    r = separability_from_codes({"w": w}, p)
    h = r["entropies"]["w"][0]
    assert abs(h - math.log(2)) < 0.01
    assert r["score"]["w"] == pytest.approx(2.0, abs=0.03)
    # a non-linear (XOR) attribute is not linearly separable either
    xor = ((w[:, 0] > 0) ^ (w[:, 1] > 0)).astype(float) * 0.98 + 0.01
    assert separability_from_codes({"w": w}, xor)["entropies"]["w"][0] > 0.6


def test_scores_sum_entropies_over_attributes_and_keep_most_confident():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(2000, 4))
    lin = 1.0 / (1.0 + np.exp(-5.0 * w[:, 0]))
    rnd = rng.uniform(size=2000)
    r = separability_from_codes({"w": w}, np.stack([lin, rnd], 1))
    h = r["entropies"]["w"]
    assert r["score"]["w"] == pytest.approx(math.exp(h[0] + h[1]), rel=1e-9)
    # the confident half of a label that is only confident where it is linear is separable
    noisy = np.where(np.abs(w[:, 0]) > 0.6, lin, rng.uniform(0.4, 0.6, 2000))
    assert separability_from_codes({"w": w}, noisy)["entropies"]["w"][0] < 0.05
    assert separability_from_codes({"w": w}, noisy, keep_fraction=1.0)["entropies"]["w"][0] > 0.2


def test_attribute_probabilities():
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 3.0, 0.0]])
    p, names = attribute_probabilities(logits, "logits")
    assert names == [0, 1, 2] and p.shape == (2, 3)
    np.testing.assert_allclose(p.sum(1), 1.0)
    p1, names1 = attribute_probabilities(np.array([[0.0], [10.0]]), "logits")
    np.testing.assert_allclose(p1[:, 0], [0.5, 1 / (1 + math.exp(-10))])
    p2, names2 = attribute_probabilities(np.array([[0.2, 0.8], [0.9, 0.1]]), "probabilities")
    assert names2 == [1]
    np.testing.assert_allclose(p2[:, 0], [0.8, 0.1])


def test_tiny_stylegan2_with_digits_classifier():
    model = tfgan_zoo.build_model("stylegan2", **TINY)
    classifier = digits_classifier_fn()
    r = linear_separability(model, classifier, num_samples=64, batch_size=32, seed=0)
    assert r["attributes"] == list(range(10)) and r["num_samples"] == 64 and r["num_kept"] == [32] * 10
    for space in ("w", "z"):
        h = np.asarray(r[f"entropies_{space}"])
        assert h.shape == (10,) and np.all(h >= 0) and np.all(h <= math.log(2) + 1e-9)
        assert r[f"score_{space}"] == pytest.approx(math.exp(h.sum()), rel=1e-9)
        assert 1.0 <= r[f"score_{space}"] <= 2.0**10
    again = linear_separability(model, classifier, num_samples=64, batch_size=32, seed=0)
    assert again["entropies_w"] == r["entropies_w"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(outputs="scores"), "outputs must be"),
        (dict(num_samples=2), "num_samples must be"),
        (dict(attributes=[12]), "attributes must be"),
        (dict(keep_fraction=0.0), "keep_fraction must be"),
    ],
)
def test_bad_arguments(kwargs, match):
    model = tfgan_zoo.build_model("stylegan2", **TINY)

    def clf(images):
        return np.zeros((images.shape[0], 10))

    with pytest.raises(ValueError, match=match):
        linear_separability(model, clf, **{"num_samples": 8, "batch_size": 8, **kwargs})


def test_bad_inputs():
    model = tfgan_zoo.build_model("stylegan2", **TINY)
    with pytest.raises(ValueError, match="style-based zoo model"):
        linear_separability(object(), lambda x: x, num_samples=8)
    with pytest.raises(ValueError, match="classifier must be a callable"):
        linear_separability(model, None, num_samples=8)
    with pytest.raises(ValueError, match="one row per image"):
        linear_separability(model, lambda x: np.zeros((1, 10)), num_samples=8, batch_size=8)
    with pytest.raises(ValueError, match="pass outputs='logits'"):
        linear_separability(model, lambda x: np.full((x.shape[0], 3), 5.0), num_samples=8, batch_size=8,
                            outputs="probabilities")
    with pytest.raises(ValueError, match=r"codes\['w'\] must be"):
        separability_from_codes({"w": np.zeros((10, 2))}, np.zeros(12))
