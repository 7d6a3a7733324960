"""Perceptual path length (StyleGAN §4.1) on tiny style-based models."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tfgan_zoo.evaluation import feature_distance, perceptual_path_length
from tfgan_zoo.evaluation.perceptual_path_length import face_crop, reject_outliers_mean

TINY = dict(image_size=16, latent_dim=16, w_dim=16, fmap_base=64, fmap_max=16, mapping_layers=2, channels=1, seed=1)


@pytest.fixture(scope="module")
def model():
    return tfgan_zoo.build_model("stylegan2", **TINY)


@pytest.fixture(scope="module")
def features():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((16, 16, 1))
    a = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    b = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(a)
    return keras.Model(inputs, [a, b])


def pixel_distance(a, b):
    return tf.reduce_mean(tf.square(a - b), axis=[1, 2, 3])


def test_plumbing_with_random_feature_network(model, features):
    r = perceptual_path_length(model, feature_distance(features), num_samples=20, batch_size=8, seed=0)
    assert set(r) >= {"ppl", "num_samples", "space", "epsilon", "distance"}
    assert r["num_samples"] == 20 and r["space"] == "w" and r["epsilon"] == 1e-4
    assert np.isfinite(r["ppl"]) and r["ppl"] > 0
    # Batching does not change the samples. Compared at epsilon 1e-2: at 1e-4 the float32 round-off of the two
    # batchings is amplified by 1/epsilon^2 (0.1 % apart on CI's CPU); at 1e-2 they agree to ~1e-6 while another
    # seed moves the value by several percent.
    wide = [perceptual_path_length(model, feature_distance(features), num_samples=20, batch_size=b, seed=s,
                                   epsilon=1e-2)["ppl"] for b, s in ((8, 0), (5, 0), (8, 1))]
    np.testing.assert_allclose(wide[1], wide[0], rtol=1e-4)
    assert abs(wide[2] - wide[0]) > 1e-2 * wide[0]


def test_z_and_w_both_run_and_differ(model):
    rz = perceptual_path_length(model, pixel_distance, num_samples=16, batch_size=8, space="z")
    rw = perceptual_path_length(model, pixel_distance, num_samples=16, batch_size=8, space="w")
    assert rz["space"] == "z" and rw["space"] == "w"
    assert rz["ppl"] > 0 and rw["ppl"] > 0 and rz["ppl"] != rw["ppl"]
    end = perceptual_path_length(model, pixel_distance, num_samples=16, batch_size=8, sampling="end")
    assert end["sampling"] == "end" and end["ppl"] > 0


def test_ppl_is_zero_when_synthesis_ignores_styles():
    m = tfgan_zoo.build_model("stylegan2", **TINY)
    synthesis = m.parts()[2]
    zeroed = 0
    for v in synthesis.weights:
        if v.path.endswith("style_kernel"):
            v.assign(tf.zeros_like(v))  # styles = the constant bias for every w
            zeroed += 1
    assert zeroed > 0
    r = perceptual_path_length(m, pixel_distance, num_samples=16, batch_size=8)
    assert r["ppl"] == 0.0
    # and the same model with its style weights intact is not zero
    assert perceptual_path_length(tfgan_zoo.build_model("stylegan2", **TINY), pixel_distance, num_samples=16,
                                  batch_size=8)["ppl"] > 0


def test_scaling_the_distance_scales_ppl(model):
    base = perceptual_path_length(model, pixel_distance, num_samples=24, batch_size=8, seed=4)["ppl"]
    scaled = perceptual_path_length(model, lambda a, b: 7.0 * pixel_distance(a, b), num_samples=24, batch_size=8,
                                    seed=4)["ppl"]
    np.testing.assert_allclose(scaled, 7.0 * base, rtol=1e-5)


def test_divides_by_epsilon_squared(model):
    # a smooth generator: d ≈ ε²·|J v|², so the normalized value hardly depends on ε
    small = perceptual_path_length(model, pixel_distance, num_samples=16, batch_size=8, epsilon=1e-3)["ppl"]
    large = perceptual_path_length(model, pixel_distance, num_samples=16, batch_size=8, epsilon=1e-2)["ppl"]
    assert 0.7 < small / large < 1.4


def test_stylegan_v1_runs():
    m = tfgan_zoo.build_model("stylegan", image_size=16, latent_dim=16, w_dim=16, fmap_base=64, fmap_max=16,
                              mapping_layers=2, channels=1)
    r = perceptual_path_length(m, pixel_distance, num_samples=8, batch_size=8, space="z")
    assert np.isfinite(r["ppl"]) and r["ppl"] >= 0


def test_crop_and_outlier_rejection():
    x = tf.reshape(tf.range(16 * 16, dtype=tf.float32), [1, 16, 16, 1])
    c = face_crop(x)
    assert tuple(c.shape) == (1, 8, 8, 1)
    assert float(c[0, 0, 0, 0]) == float(x[0, 6, 4, 0])
    values = np.concatenate([np.ones(198), [1e6, -1e6]])
    assert reject_outliers_mean(values) == 1.0
    assert np.mean(values) != 1.0


def test_crop_is_applied(model):
    seen = []

    def spy(a, b):
        seen.append(tuple(a.shape))
        return pixel_distance(a, b)

    perceptual_path_length(model, spy, num_samples=4, batch_size=4, crop="face")
    perceptual_path_length(model, spy, num_samples=4, batch_size=4, crop=(0.0, 0.5, 0.25, 1.0))
    assert seen == [(4, 8, 8, 1), (4, 8, 12, 1)]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(space="x"), "space must be 'z'"),
        (dict(epsilon=0.0), "epsilon must be a positive"),
        (dict(epsilon=-1e-4), "epsilon must be a positive"),
        (dict(sampling="middle"), "sampling must be"),
        (dict(crop=(0.5, 0.2, 0.0, 1.0)), "crop must be"),
        (dict(distance_fn=None), "feature_distance"),
    ],
)
def test_bad_arguments(model, kwargs, match):
    kwargs = {"distance_fn": pixel_distance, **kwargs}
    with pytest.raises(ValueError, match=match):
        perceptual_path_length(model, num_samples=4, **kwargs)


def test_not_style_based():
    dcgan = tfgan_zoo.build_model("dcgan", **_dcgan_tiny())
    with pytest.raises(ValueError, match="style-based zoo model"):
        perceptual_path_length(dcgan, pixel_distance, num_samples=4)


def test_distance_must_return_one_value_per_pair(model):
    with pytest.raises(ValueError, match="one distance per image pair"):
        perceptual_path_length(model, lambda a, b: tf.reduce_mean(tf.square(a - b)), num_samples=4, batch_size=4)


def _dcgan_tiny():
    from tests.conftest import load_tiny

    return dict(load_tiny("dcgan").model.params)
