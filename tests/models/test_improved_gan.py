import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import build_tiny
from tfgan_zoo.models.improved_gan import semi_supervised
from tfgan_zoo.models.improved_gan.improved_gan_gan import real_logit


def test_mnist_networks_and_parameter_counts():
    m = tfgan_zoo.build_model("zoo_configs/improved_gan/improved_gan_mnist_28.yaml")
    # weight norm: kernel + bias + g per layer; G's BN: gamma + beta (the official G's BN has beta only: −1,000)
    g = 100 * 500 + 2 * 500 + 500 * 500 + 2 * 500 + 500 * 784 + 2 * 784
    widths = [784, 1000, 500, 250, 250, 250, 10]
    d = sum(a * b + 2 * b for a, b in zip(widths[:-1], widths[1:]))
    assert m.summary_of_parameters() == {"generator": g, "discriminator": d}
    assert m.discriminator.get_layer("features").output.shape[-1] == 250
    m.compile()
    assert float(m.d_optimizer.learning_rate.numpy()) == np.float32(3e-3) and m.d_optimizer.beta_1 == 0.5


def test_cifar_networks():
    m = tfgan_zoo.build_model("zoo_configs/improved_gan/improved_gan_cifar10_32.yaml")
    convs = [m.discriminator.get_layer(f"conv{i}") for i in range(1, 10)]
    assert [c.filters for c in convs] == [96] * 3 + [192] * 6
    assert [c.strides[0] for c in convs] == [1, 1, 2, 1, 1, 2, 1, 1, 1]
    assert m.discriminator.get_layer("minibatch_discrimination").num_kernels == 100
    assert m.discriminator.get_layer("features").output.shape[-1] == 192
    assert m.generator.get_layer("reshape").output.shape[1:] == (4, 4, 512)
    assert m.generator.get_layer("project_norm").__class__.__name__ == "VirtualBatchNormalization"
    assert m.generator.output.shape[1:] == (32, 32, 3)


def test_k_plus_one_parameterization():
    logits = np.array([[0.0, 0.0], [3.0, -1.0], [-20.0, -20.0]], np.float32)
    z = np.exp(logits).sum(axis=1)
    np.testing.assert_allclose(tf.sigmoid(real_logit(logits)).numpy(), z / (z + 1), rtol=1e-5)
    m, _ = build_tiny("improved_gan")
    real, fake = np.array([[5.0] * 10], np.float32), np.array([[-10.0] * 10], np.float32)
    good = m.unsupervised_discriminator_loss(real, fake).numpy()
    bad = m.unsupervised_discriminator_loss(fake, real).numpy()
    assert good < 0.01 < 5.0 < bad


def test_semi_supervised_step_uses_labels_and_feature_matching():
    m, _ = build_tiny("improved_gan")
    x = semi_supervised.load_split(8, 2, seed=0)
    assert len(x["labels"]) == 20 and np.bincount(x["labels"]).tolist() == [2] * 10
    ds = semi_supervised.semi_supervised_dataset(x["unlabelled"][:64], x["labelled"], x["labels"], 8)
    history = m.fit(ds, steps_per_epoch=3, epochs=1, verbose=0).history
    assert history["d_supervised_loss"][0] > 0 and np.isfinite(history["g_loss"]).all()
    # purely unsupervised batches: no supervised term
    h2 = m.fit(tf.data.Dataset.from_tensor_slices(x["unlabelled"][:64]).batch(8).repeat(), steps_per_epoch=2,
               epochs=1, verbose=0).history
    assert h2["d_supervised_loss"] == [0.0]
    assert m.classify(x["x_test"][:5]).shape == (5, 10)
    with pytest.raises(ValueError, match="fewer than labels_per_class"):
        semi_supervised.labelled_subset(np.array([0, 0, 1]), 2)


def test_historical_averaging_and_label_smoothing_options():
    m = tfgan_zoo.build_model("improved_gan", image_size=8, g_units=[8], d_units=[8, 4], latent_dim=4,
                              historical_averaging_weight=0.5, label_smoothing=0.1, seed=0)
    m.compile()
    before = [a.numpy().copy() for a in m.d_history.averages]
    x = semi_supervised.load_split(8, 1, seed=0)["unlabelled"][:32]
    m.fit(tf.data.Dataset.from_tensor_slices(x).batch(8).repeat(), steps_per_epoch=2, epochs=1, verbose=0)
    after = [a.numpy() for a in m.d_history.averages]
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    assert float(m.d_history.count.numpy()) == 3.0  # initial value + 2 updates
    assert float(m.d_history.penalty()) > 0
    with pytest.raises(ValueError, match="label_smoothing"):
        tfgan_zoo.build_model("improved_gan", label_smoothing=1.0)


def test_semi_supervised_experiment_machinery_runs_end_to_end():
    out = semi_supervised.run(labels_per_class=1, steps=2, batch_size=10, seeds=(0,),
                              overrides=["model.params.d_units=[16, 8]", "model.params.g_units=[16]"])
    run = out["runs"][0]
    assert run["num_labelled"] == 10 and run["num_test"] == 450
    for key in ("gan_test_accuracy", "plain_test_accuracy"):
        assert 0.0 <= out[key]["mean"] <= 1.0
