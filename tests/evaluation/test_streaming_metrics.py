"""Streaming keras metrics agree with the batch functions, eagerly, in tf.function and under MirroredStrategy."""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.evaluation import (
    FrechetInceptionDistance,
    InceptionScore,
    KernelInceptionDistance,
    feature_statistics,
    fid_from_features,
    inception_score,
    mmd2_unbiased,
)
from tfgan_zoo.training.distribute import mirrored_strategy

D = 12


def _data(seed=0, n=96):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(n, D)).astype(np.float32)
    fake = (rng.normal(size=(n, D)) * 1.2 + 0.3).astype(np.float32)
    logits = (rng.normal(size=(n, 7)) * 3).astype(np.float32)
    return real, fake, logits


def test_streaming_fid_equals_batch_fid():
    real, fake, _ = _data()
    m = FrechetInceptionDistance(num_features=D)
    for i in range(0, len(real), 32):
        m.update_state(real=real[i : i + 32])
        m.update_state(fake=fake[i : i + 32])
    expected = fid_from_features(real, fake, method="sqrtm")
    assert float(m.result()) == pytest.approx(expected, rel=1e-9)
    mu, sigma = m.real_statistics()
    mu_ref, sigma_ref = feature_statistics(real)
    np.testing.assert_allclose(mu, mu_ref, atol=1e-6)
    np.testing.assert_allclose(sigma, sigma_ref, atol=1e-6)
    m.reset_state()
    assert float(m.real_count.numpy()) == 0.0


def test_streaming_fid_inside_tf_function_and_with_reference_statistics():
    real, fake, _ = _data(1)
    m = FrechetInceptionDistance(num_features=D, method="eigh")
    m.set_reference_statistics(*feature_statistics(real), len(real))

    @tf.function
    def step(x):
        m.update_state(fake=x)

    for i in range(0, len(fake), 16):
        step(fake[i : i + 16])
    result = tf.function(m.result)()
    assert float(result) == pytest.approx(fid_from_features(real, fake), rel=1e-7)


def test_streaming_fid_with_an_in_graph_feature_network():
    real, fake, _ = _data(2)
    proj = tf.constant(np.random.default_rng(3).normal(size=(D, 5)), tf.float32)
    m = FrechetInceptionDistance(num_features=5, feature_network=lambda x: tf.matmul(x, proj))
    m.update_state(real, fake)
    expected = fid_from_features(real @ proj.numpy(), fake @ proj.numpy())
    assert float(m.result()) == pytest.approx(expected, rel=1e-5)


def test_streaming_kid_is_the_mean_of_per_call_unbiased_estimates():
    real, fake, _ = _data(4)
    m = KernelInceptionDistance(num_features=D)
    per_batch = []
    for i in range(0, len(real), 24):
        m.update_state(real[i : i + 24], fake[i : i + 24])
        per_batch.append(mmd2_unbiased(real[i : i + 24], fake[i : i + 24]))
    assert float(m.result()) == pytest.approx(np.mean(per_batch), rel=1e-9)
    assert float(m.std()) == pytest.approx(np.std(per_batch), rel=1e-6)


def test_streaming_inception_score_equals_single_split_batch_score():
    _, _, logits = _data(5)
    m = InceptionScore(num_classes=7, from_logits=True)
    for i in range(0, len(logits), 20):
        m.update_state(logits[i : i + 20])
    assert float(m.result()) == pytest.approx(inception_score(logits, splits=1, from_logits=True)[0], rel=1e-9)
    uniform = InceptionScore(num_classes=4, from_logits=False)
    uniform.update_state(np.full((8, 4), 0.25))
    assert float(uniform.result()) == pytest.approx(1.0)


def test_streaming_metrics_under_mirrored_strategy(two_cpus):
    """Each replica adds its half of every global batch; reading the result sums the replicas."""
    real, fake, logits = _data(6, n=96)
    strategy = mirrored_strategy(two_cpus)
    assert strategy.num_replicas_in_sync == 2
    with strategy.scope():
        fid = FrechetInceptionDistance(num_features=D)
        kid = KernelInceptionDistance(num_features=D)
        score = InceptionScore(num_classes=7)
    global_batch = 32
    ds = tf.data.Dataset.from_tensor_slices((real, fake, logits)).batch(global_batch)
    dist = strategy.experimental_distribute_dataset(ds)

    @tf.function
    def step(r, f, lg):
        def replica_fn(r, f, lg):
            fid.update_state(r, f)
            kid.update_state(r, f)
            score.update_state(lg)

        strategy.run(replica_fn, args=(r, f, lg))

    for r, f, lg in dist:
        step(r, f, lg)

    assert float(fid.result()) == pytest.approx(fid_from_features(real, fake, method="sqrtm"), rel=1e-9)
    assert float(score.result()) == pytest.approx(inception_score(logits, splits=1, from_logits=True)[0], rel=1e-9)
    halves = [
        mmd2_unbiased(real[s : s + 16], fake[s : s + 16]) for s in range(0, len(real), 16)
    ]  # replica r holds rows [r·16, (r+1)·16) of each global batch of 32
    assert float(kid.result()) == pytest.approx(np.mean(halves), rel=1e-9)
    assert float(kid.num_subsets.numpy()) == len(halves)

    fid.reset_state()
    assert float(fid.fake_count.numpy()) == 0.0
