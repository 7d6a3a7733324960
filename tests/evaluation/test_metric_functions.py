"""Closed-form checks of the metric functions."""

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial.distance
import scipy.stats

from tfgan_zoo.evaluation import (
    _utils,
    density_coverage,
    feature_statistics,
    fid_from_features,
    frechet_distance,
    inception_score,
    kid_from_features,
    laplacian_pyramid,
    mmd2_unbiased,
    parzen_estimate,
    parzen_log_likelihood,
    per_class_coverage,
    polynomial_kernel,
    precision_recall,
    psnr,
    select_parzen_sigma,
    sliced_wasserstein_distance,
    ssim,
)
from tfgan_zoo.evaluation.swd import pyramid_up


def _spd(rng, d, scale=1.0):
    a = rng.standard_normal((d, d)) * scale
    return a @ a.T + 0.1 * np.eye(d)


# ----------------------------------------------------------------------------------------------------- FID
@pytest.mark.parametrize("method", ["sqrtm", "eigh", "sample", "auto"])
def test_fid_of_a_set_with_itself_is_zero(method):
    x = np.random.default_rng(0).normal(size=(400, 16)) * 3.0 + 1.0
    assert abs(fid_from_features(x, x, method=method)) < 1e-8


def test_fid_with_fewer_samples_than_dimensions_is_finite_and_near_zero():
    """The singular-covariance path: sqrtm needs the eps offset; the sample-space form is exact."""
    x = np.random.default_rng(1).normal(size=(40, 64))
    mu, sigma = feature_statistics(x)
    assert abs(frechet_distance(mu, sigma, mu, sigma)) < 1e-3  # offset path
    assert abs(fid_from_features(x, x, method="sample")) < 1e-9
    shifted = x + 0.5
    assert fid_from_features(x, shifted) == pytest.approx(64 * 0.25, rel=1e-9)


def test_fid_of_gaussians_with_diagonal_covariances_matches_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, -1.0, 2.5])
    v1, v2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    for method in ("sqrtm", "eigh"):
        assert frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2), method=method) == pytest.approx(expected, rel=1e-10)


def test_fid_of_general_gaussians_matches_the_symmetric_formula():
    """Tr((Σ1Σ2)^½) = Tr((Σ1^½ Σ2 Σ1^½)^½), evaluated independently with scipy's symmetric routines."""
    rng = np.random.default_rng(2)
    s1, s2 = _spd(rng, 6), _spd(rng, 6, 2.0)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    r1 = scipy.linalg.sqrtm(s1).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2) - 2 * np.trace(scipy.linalg.sqrtm(r1 @ s2 @ r1).real)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(mu1, s1, mu2, s2, method="eigh") == pytest.approx(expected, rel=1e-9)


def test_fid_from_samples_of_two_gaussians_approaches_the_analytic_value():
    rng = np.random.default_rng(3)
    s1, s2 = _spd(rng, 4, 0.7), _spd(rng, 4, 1.2)
    mu1, mu2 = np.zeros(4), np.array([1.0, 0.0, -1.0, 0.5])
    x = rng.multivariate_normal(mu1, s1, size=40_000)
    y = rng.multivariate_normal(mu2, s2, size=40_000)
    analytic = frechet_distance(mu1, s1, mu2, s2)
    assert fid_from_features(x, y) == pytest.approx(analytic, rel=0.03)


def test_fid_one_dimensional():
    assert frechet_distance([1.0], [[4.0]], [3.0], [[1.0]]) == pytest.approx((1 - 3) ** 2 + (2 - 1) ** 2)


def test_fid_rejects_mismatched_features():
    with pytest.raises(ValueError, match="differ"):
        fid_from_features(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="NaN"):
        fid_from_features(np.full((5, 3), np.nan), np.zeros((5, 3)))


# ----------------------------------------------------------------------------------------------------- KID
def test_mmd2_unbiased_matches_a_brute_force_double_sum():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(7, 3)) + 0.3
    k = lambda a, b: (a @ b / 3 + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(6) for j in range(6) if i != j) / (6 * 5)
    yy = sum(k(y[i], y[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    xy = sum(k(x[i], y[j]) for i in range(6) for j in range(7)) / (6 * 7)
    assert mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)
    np.testing.assert_allclose(polynomial_kernel(x, y, degree=2), (x @ y.T / 3 + 1) ** 2, rtol=1e-12)


def test_kid_is_unbiased_on_samples_of_one_distribution():
    """The mean over many independent draws is 0 within its standard error, while the biased (V-statistic)
    estimator on the same draws is clearly positive, so the check can tell the two apart."""
    rng = np.random.default_rng(5)
    unbiased, biased = [], []
    for _ in range(300):
        x, y = rng.normal(size=(20, 8)), rng.normal(size=(20, 8))
        unbiased.append(mmd2_unbiased(x, y))
        biased.append(polynomial_kernel(x, x).mean() + polynomial_kernel(y, y).mean()
                      - 2 * polynomial_kernel(x, y).mean())
    se = np.std(unbiased) / np.sqrt(len(unbiased))
    assert abs(np.mean(unbiased)) < 3 * se
    assert np.mean(biased) > 10 * se
    assert min(unbiased) < 0  # an unbiased estimator of 0 must go negative


def test_kid_subsets_separate_equal_from_shifted_distributions():
    rng = np.random.default_rng(6)
    real = rng.normal(size=(600, 16))
    same = rng.normal(size=(600, 16))
    shifted = rng.normal(size=(600, 16)) + 0.5
    mean_same, std_same = kid_from_features(real, same, num_subsets=20, subset_size=200)
    mean_shift, _ = kid_from_features(real, shifted, num_subsets=20, subset_size=200)
    assert abs(mean_same) < 3 * std_same
    assert mean_shift > 10 * std_same


# ------------------------------------------------------------------------------------------------------ IS
def test_inception_score_of_a_uniform_classifier_is_one():
    assert inception_score(np.full((200, 10), 0.1))[0] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("num_classes", [2, 10, 1008])
def test_inception_score_of_confident_one_per_class_predictions_is_the_class_count(num_classes):
    probs = np.eye(num_classes)[np.arange(num_classes * 10) % num_classes]
    mean, std = inception_score(probs, splits=10)
    assert mean == pytest.approx(num_classes, rel=1e-12) and std == pytest.approx(0.0, abs=1e-9)
    logits = 60.0 * np.eye(num_classes)[np.arange(num_classes * 10) % num_classes]
    assert inception_score(logits, splits=10, from_logits=True)[0] == pytest.approx(num_classes, rel=1e-6)


def test_inception_score_of_a_mixture_matches_hand_computation():
    """Half confident (1, 0), half uniform (½, ½): p̄ = (¾, ¼), E KL = ¾·log(4/3)."""
    probs = np.array([[1.0, 0.0], [0.5, 0.5]] * 50)
    assert inception_score(probs, splits=1)[0] == pytest.approx((4 / 3) ** 0.75, rel=1e-12)


def test_inception_score_rejects_non_probabilities():
    with pytest.raises(ValueError, match="from_logits"):
        inception_score(np.random.default_rng(0).normal(size=(10, 3)))


# ------------------------------------------------------------------------------- precision/recall, D/C
def _naive_pr_dc(real, fake, k):
    d_rr = scipy.spatial.distance.cdist(real, real)
    d_ff = scipy.spatial.distance.cdist(fake, fake)
    d_fr = scipy.spatial.distance.cdist(fake, real)
    r_real = np.sort(d_rr, axis=1)[:, k]
    r_fake = np.sort(d_ff, axis=1)[:, k]
    precision = np.mean([(d_fr[j] <= r_real).any() for j in range(len(fake))])
    recall = np.mean([(d_fr[:, i] <= r_fake).any() for i in range(len(real))])
    density = sum((d_fr[j] <= r_real).sum() for j in range(len(fake))) / (k * len(fake))
    coverage = np.mean([(d_fr[:, i] <= r_real[i]).any() for i in range(len(real))])
    return precision, recall, density, coverage


def test_precision_recall_density_coverage_match_a_naive_implementation(monkeypatch):
    monkeypatch.setattr(_utils, "_CHUNK_BYTES", 8 * 40 * 7)  # force many row chunks
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(40, 5)), rng.normal(size=(35, 5)) * 1.3 + 0.3
    p, r, d, c = _naive_pr_dc(real, fake, 3)
    pr = precision_recall(real, fake, k=3)
    dc = density_coverage(real, fake, k=3)
    assert (pr["precision"], pr["recall"]) == (pytest.approx(p), pytest.approx(r))
    assert (dc["density"], dc["coverage"]) == (pytest.approx(d), pytest.approx(c))


def test_precision_and_recall_of_identical_sets_are_one():
    x = np.random.default_rng(8).normal(size=(300, 12))
    assert precision_recall(x, x) == {"precision": 1.0, "recall": 1.0}
    dc = density_coverage(x, x, k=5)
    assert dc["coverage"] == 1.0
    assert dc["density"] == pytest.approx(6 / 5)  # each point lies in its own ball and in those of its k neighbours


def test_precision_recall_of_a_collapsed_generator():
    rng = np.random.default_rng(9)
    real = rng.normal(size=(600, 2))
    fake = real[real[:, 0] < -0.5]  # real points, but only one region
    pr = precision_recall(real, fake)
    assert pr["precision"] == 1.0 and pr["recall"] < 0.5
    far = precision_recall(real, real + 100.0)
    assert far == {"precision": 0.0, "recall": 0.0}


def test_per_class_coverage_sees_a_missing_class():
    rng = np.random.default_rng(10)
    centres = np.eye(3) * 20.0
    labels = np.repeat(np.arange(3), 100)
    real = centres[labels] + rng.normal(size=(300, 3))
    fake = centres[np.zeros(300, int)] + rng.normal(size=(300, 3))  # only class 0
    cov = per_class_coverage(real, labels, fake)
    assert cov[0] > 0.9 and cov[1] == 0.0 and cov[2] == 0.0


# ----------------------------------------------------------------------------------------------- Parzen
def test_parzen_with_one_centre_is_a_gaussian_log_density():
    rng = np.random.default_rng(11)
    mu, x = rng.normal(size=(1, 7)), rng.normal(size=(5, 7))
    expected = scipy.stats.multivariate_normal(mu[0], 0.3**2 * np.eye(7)).logpdf(x)
    np.testing.assert_allclose(parzen_log_likelihood(mu, x, 0.3), expected, rtol=1e-12)


def test_parzen_sigma_selection_recovers_the_generating_bandwidth():
    rng = np.random.default_rng(12)
    centres = rng.uniform(0, 10, size=(50, 4))
    data = centres[rng.integers(0, 50, 4000)] + 0.4 * rng.normal(size=(4000, 4))
    sigmas = np.logspace(-1.5, 0.5, 21)
    best, scores = select_parzen_sigma(centres, data, sigmas)
    assert best == pytest.approx(0.4, rel=0.15)
    out = parzen_estimate(centres, data[:2000], data[2000:], sigmas)
    assert out["sigma"] == best or abs(np.log(out["sigma"] / best)) < 0.25
    assert out["std_error"] > 0 and np.isfinite(out["log_likelihood"])


# ----------------------------------------------------------------------------------------------------- SWD
def _smooth_images(rng, n, size=32):
    base = rng.normal(size=(n, size // 8, size // 8, 1))
    return np.tanh(np.kron(base, np.ones((1, 8, 8, 1)))).astype(np.float32)


def test_swd_of_identical_sets_is_zero_and_grows_with_difference():
    rng = np.random.default_rng(13)
    a, b = _smooth_images(rng, 24), _smooth_images(rng, 24)
    noise = rng.uniform(-1, 1, size=a.shape).astype(np.float32)
    same = sliced_wasserstein_distance(a, a, patches_per_image=32)
    assert same["mean"] == 0.0 and set(same["levels"]) == {32, 16}
    between = sliced_wasserstein_distance(a, b, patches_per_image=32)["mean"]
    to_noise = sliced_wasserstein_distance(a, noise, patches_per_image=32)["mean"]
    assert 0 < between < to_noise


def test_laplacian_pyramid_collapses_back_to_the_image():
    x = np.random.default_rng(14).uniform(-1, 1, size=(2, 64, 64, 3)).astype(np.float32)
    levels = laplacian_pyramid(x, min_resolution=16)
    assert [lv.shape[1] for lv in levels] == [64, 32, 16]
    img = levels[-1]
    for band in reversed(levels[:-1]):
        img = pyramid_up(img).numpy() + band
    np.testing.assert_allclose(img, x, atol=1e-5)


# ----------------------------------------------------------------------------------------------- PSNR/SSIM
def test_psnr_and_ssim_closed_forms():
    a = np.zeros((2, 16, 16, 1), np.float32)
    b = np.full((2, 16, 16, 1), 0.1, np.float32)
    np.testing.assert_allclose(psnr(a, b), 10 * np.log10(2.0**2 / 0.01), rtol=1e-6)
    assert np.all(np.isinf(psnr(a, a)))
    x = np.random.default_rng(15).uniform(-1, 1, size=(2, 24, 24, 3)).astype(np.float32)
    np.testing.assert_allclose(ssim(x, x), 1.0, atol=1e-6)
    noisy = np.clip(x + 0.3 * np.random.default_rng(16).normal(size=x.shape), -1, 1).astype(np.float32)
    assert np.all(ssim(noisy, x) < 0.9)


def test_psnr_on_luma_with_border_crop_follows_the_sr_convention():
    rng = np.random.default_rng(17)
    x = rng.uniform(-1, 1, size=(1, 20, 20, 3)).astype(np.float32)
    y = np.clip(x + 0.05 * rng.normal(size=x.shape), -1, 1).astype(np.float32)
    w = np.array([65.481, 128.553, 24.966]) / 255.0
    to_y = lambda im: ((im + 1) / 2 * w).sum(-1) + 16 / 255  # noqa: E731
    mse = np.mean((to_y(x)[:, 4:-4, 4:-4] - to_y(y)[:, 4:-4, 4:-4]) ** 2)
    np.testing.assert_allclose(psnr(x, y, crop_border=4, y_channel=True), 10 * np.log10(1 / mse), rtol=1e-6)
    with pytest.raises(ValueError, match="\\[-1, 1\\]"):
        psnr(x * 3, y)
