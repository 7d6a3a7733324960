import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset


def _conv(k, cin, cout, bias):
    return k * k * cin * cout + (cout if bias else 0)


def _paper_counts(latent, classes, size, channels, g, d):
    """Trainable parameters from the appendix tables (BN: gamma + beta; no conv bias before BN)."""
    s = size // 2 ** len(g)
    gen = (latent + classes) * s * s * g[0] + s * s * g[0]
    for cin, cout in zip(g[:-1], g[1:]):
        gen += _conv(5, cin, cout, False) + 2 * cout
    gen += _conv(5, g[-1], channels, True)
    dis, cin = 0, channels
    for i, f in enumerate(d):
        dis += _conv(3, cin, f, i == 0) + (2 * f if i > 0 else 0)
        cin = f
    flat = (size // 8) ** 2 * d[-1]  # three stride-2 convs
    dis += flat * (1 + classes) + 1 + classes
    return gen, dis


@pytest.mark.parametrize(
    "config, size, g",
    [("acgan_imagenet_128", 128, (768, 384, 256, 192)), ("acgan_cifar10_32", 32, (384, 192, 96))],
)
def test_paper_architectures_and_parameter_counts(config, size, g):
    m = tfgan_zoo.build_model(f"zoo_configs/acgan/{config}.yaml")
    d = (16, 32, 64, 128, 256, 512)
    gen, dis = _paper_counts(100, 10, size, 3, g, d)
    assert m.summary_of_parameters() == {"generator": gen, "discriminator": dis}
    assert m.generator.get_layer("reshape").output.shape[1:] == (size // 2 ** len(g), size // 2 ** len(g), g[0])
    # the Linear layer on [z (100), one_hot(c) (10)]: z columns + class columns (an embedding table)
    assert m.generator.get_layer("project").kernel.shape[0] == 100
    assert m.generator.get_layer("project_class").embeddings.shape[0] == 10
    strides = [m.discriminator.get_layer(f"conv{i + 1}").strides[0] for i in range(6)]
    assert strides == [2, 1, 2, 1, 2, 1]
    assert m.discriminator.get_layer("flatten").output.shape[-1] == (size // 8) ** 2 * 512
    assert [o.shape[-1] for o in m.discriminator.outputs] == [1, 10]
    m.compile()
    opt = m.d_optimizer
    assert (float(opt.learning_rate.numpy()), opt.beta_1, opt.beta_2) == (np.float32(2e-4), 0.5, 0.999)


def _log_sigmoid(x):
    return -np.log1p(np.exp(-x))


def _log_softmax(x):
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def test_losses_are_the_papers_l_s_and_l_c():
    m = tfgan_zoo.build_model("acgan", image_size=8, g_filters=[8, 4], d_filters=[4, 8], latent_dim=4, num_classes=3)
    rng = np.random.default_rng(0)
    rs, fs = rng.normal(size=(5, 1)).astype("float32"), rng.normal(size=(5, 1)).astype("float32")
    rc, fc = rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 3)).astype("float32")
    y, c = np.array([0, 1, 2, 1, 0]), np.array([2, 2, 0, 1, 1])
    l_s = _log_sigmoid(rs[:, 0]) + _log_sigmoid(-fs[:, 0])  # log P(real|x_real) + log P(fake|x_fake)
    l_c = _log_softmax(rc)[np.arange(5), y] + _log_softmax(fc)[np.arange(5), c]
    source, classes = m.discriminator_losses((rs, rc), (fs, fc), y, c)
    np.testing.assert_allclose(source.numpy() + classes.numpy(), -(l_s + l_c), rtol=1e-5)  # D maximizes L_S + L_C
    g_source, g_classes = m.generator_losses((fs, fc), c)
    # G maximizes L_C − L_S: of L_S only the fake term depends on G.
    np.testing.assert_allclose(g_source.numpy() + g_classes.numpy(),
                               -(_log_softmax(fc)[np.arange(5), c] - _log_sigmoid(-fs[:, 0])), rtol=1e-5)
    ns = tfgan_zoo.build_model("acgan", image_size=8, g_filters=[8, 4], d_filters=[4, 8], latent_dim=4,
                               num_classes=3, generator_source_loss="non_saturating")
    np.testing.assert_allclose(ns.generator_losses((fs, fc), c)[0].numpy(), -_log_sigmoid(fs[:, 0]), rtol=1e-5)
    with pytest.raises(ValueError, match="generator_source_loss"):
        tfgan_zoo.build_model("acgan", generator_source_loss="wasserstein")


def test_fake_classes_are_uniform_and_d_never_sees_the_label():
    m, _ = build_tiny("acgan")
    labels = np.concatenate([m.sample_labels(tf.constant(500)).numpy() for _ in range(4)])
    assert labels.min() == 0 and labels.max() == m.num_classes - 1
    counts = np.bincount(labels, minlength=m.num_classes)
    assert counts.min() > 120 and counts.max() < 280  # 200 expected per class
    assert len(m.discriminator.inputs) == 1  # unlike CGAN, D gets the image only


def test_auxiliary_classifier_learns_the_real_classes():
    """A few hundred steps on real digits make D's class head far better than chance on the training images."""
    import keras

    cfg = tfgan_zoo.load_config(
        "zoo_configs/acgan/acgan_tiny.yaml",
        ["model.params.d_filters=[16, 32]", "model.params.dropout=0.0", "train.batch_size=32",
         "data.max_examples=256"],
    )
    keras.utils.set_random_seed(0)
    from tfgan_zoo.training import build_and_compile

    m = build_and_compile(cfg)
    from tfgan_zoo.data import load_arrays

    x, y = load_arrays("digits", 8, 1)
    x, y = x[:256], y[:256]
    before = (m.classify(x).argmax(1) == y).mean()
    history = m.fit(fixed_dataset(m, cfg), steps_per_epoch=150, epochs=1, verbose=0).history
    after = (m.classify(x).argmax(1) == y).mean()
    assert after > 0.6 and after > before + 0.3, (before, after)
    assert history["d_class_loss"][-1] < 2 * np.log(10)


def test_classify_and_generate_validate_inputs():
    m, _ = build_tiny("acgan")
    with pytest.raises(ValueError, match=r"\[N, 8, 8, 1\]"):
        m.classify(np.zeros((2, 16, 16, 1)))
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        m.generate(1, seed=0, labels=[10])
    a = m.generate(2, seed=1, labels=[3, 3])
    b = m.generate(2, seed=1, labels=[4, 4])
    assert not np.allclose(a, b)
    with pytest.raises(ValueError, match="image_size"):
        tfgan_zoo.build_model("acgan", image_size=36, g_filters=[8, 4, 2])
