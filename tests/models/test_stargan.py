"""What is special to StarGAN: published sizes, the objective's terms, target labels, the mask vector, `edit`."""

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tfgan_zoo.data import build_dataset
from tfgan_zoo.data.digit_attributes import ATTRIBUTES, domain_ids, load_digit_attributes

TINY = dict(image_size=32, channels=1, g_conv_dim=4, d_conv_dim=4, g_repeat_num=1, d_repeat_num=3, seed=0)
MIXED = dict(attribute_names=["x", "y", "happy", "sad", "angry"], dataset_sizes=[2, 3],
             dataset_kinds=["multi_label", "one_hot"])


def official_counts(c_dim_g, c_dim_d, image_size=128, conv_dim=64, g_repeat=6, d_repeat=6, channels=3):
    """Trainable parameters of yunjey/stargan's `Generator` / `Discriminator` (model.py), counted from its layers:
    bias-free convolutions in G, InstanceNorm2d(affine=True) (2 per channel), D convolutions with biases and two
    bias-free heads."""
    g = (channels + c_dim_g) * conv_dim * 49 + 2 * conv_dim
    d = conv_dim
    for _ in range(2):
        g += d * 2 * d * 16 + 2 * 2 * d
        d *= 2
    g += g_repeat * 2 * (d * d * 9 + 2 * d)
    for _ in range(2):
        g += d * (d // 2) * 16 + 2 * (d // 2)
        d //= 2
    g += d * channels * 49
    disc, prev, cur = 0, channels, conv_dim
    for _ in range(d_repeat):
        disc += prev * cur * 16 + cur
        prev, cur = cur, cur * 2
    k = image_size // 2**d_repeat
    disc += prev * 9 + prev * c_dim_d * k * k
    return g, disc


@pytest.mark.parametrize("config, c_dims, published", [
    ("stargan_celeba_128", (5, 5), (8_430_528, 44_762_048)),
    ("stargan_celebarafd_128", (15, 13), (8_461_888, 44_827_584)),
])
def test_published_parameter_counts(config, c_dims, published):
    model = tfgan_zoo.build_model(tfgan_zoo.load_config(f"zoo_configs/stargan/{config}.yaml"))
    counts = model.summary_of_parameters()
    assert official_counts(*c_dims) == published
    assert (counts["generator"], counts["discriminator"]) == published
    assert model.label_dim == c_dims[0] and model.num_attributes == c_dims[1]


def test_classification_loss_per_dataset_and_mask():
    model = tfgan_zoo.build_model("stargan", **TINY, **MIXED)
    assert model.label_dim == 7 and model.label_names[-2:] == ["mask:0", "mask:1"]
    logits = np.array([[0.5, -1.0, 2.0, 0.0, -2.0], [1.5, 0.3, 0.2, 1.0, -0.5]], np.float32)
    labels = np.array([[1, 0, 0, 0, 0, 1, 0], [0, 0, 0, 1, 0, 0, 1]], np.float32)
    got = model.classification_loss(logits, labels).numpy()

    def bce(z, y):
        return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))

    first = bce(logits[0, :2], labels[0, :2]).sum()  # CelebA-like block only; the one-hot block is masked out
    z = logits[1, 2:]
    second = -(z[1] - np.log(np.exp(z).sum()))  # softmax cross-entropy of class 'sad'
    np.testing.assert_allclose(got, [first, second], rtol=1e-5)


def test_objective_terms_are_the_papers():
    model = tfgan_zoo.build_model("stargan", **TINY, attribute_names=list(ATTRIBUTES))
    model.compile()
    assert (model.lambda_cls, model.lambda_rec, model.lambda_gp, model.n_critic) == (1.0, 10.0, 10.0, 5)
    opt = model.player_optimizers["generator"]
    assert np.isclose(float(opt.learning_rate), 1e-4) and (opt.beta_1, opt.beta_2) == (0.5, 0.999)
    images, labels, _ = load_digit_attributes(32, 1, "test")
    batch = {"images": tf.constant(images[:4]), "labels": tf.constant(labels[:4])}
    targets = tf.constant(labels[[3, 2, 1, 0]])
    _, logs = model.generator_objective(batch, [batch["images"], targets])
    fake = model.generator([batch["images"], targets])
    src, cls = model.discriminator(fake)
    rec = model.generator([fake, batch["labels"]])
    np.testing.assert_allclose(logs["g_adversarial"], -np.mean(src), rtol=1e-4)
    np.testing.assert_allclose(logs["g_rec"], np.mean(np.abs(rec - images[:4])), rtol=1e-4)
    np.testing.assert_allclose(logs["g_cls"], np.mean(model.classification_loss(cls, targets)), rtol=1e-4)
    expected = logs["g_adversarial"] + 10.0 * logs["g_rec"] + logs["g_cls"]
    np.testing.assert_allclose(logs["g_loss"], expected, rtol=1e-4)
    _, d_logs = model.discriminator_objective(batch, fake)
    src_real, cls_real = model.discriminator(batch["images"])
    np.testing.assert_allclose(d_logs["d_adversarial"], np.mean(src) - np.mean(src_real), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(d_logs["d_cls"], np.mean(model.classification_loss(cls_real, batch["labels"])),
                               rtol=1e-4)
    assert d_logs["d_gp"] > 0
    np.testing.assert_allclose(d_logs["d_loss"], d_logs["d_adversarial"] + d_logs["d_cls"] + 10 * d_logs["d_gp"],
                               rtol=1e-4)


def test_target_labels_are_the_batch_shuffled_within_each_dataset():
    model = tfgan_zoo.build_model("stargan", **TINY, **MIXED)
    rng = np.random.default_rng(0)
    labels = model.random_labels(32, rng)
    targets = model.sample_target_labels(tf.constant(labels)).numpy()
    assert not np.array_equal(targets, labels)
    for k in range(2):
        rows = labels[:, 5 + k] == 1
        np.testing.assert_array_equal(targets[rows, 5 + k], 1.0)  # same dataset
        mine = sorted(map(tuple, labels[rows]))
        assert sorted(map(tuple, targets[rows])) == mine  # a permutation of that dataset's labels


def test_edit_sets_names_and_moves_the_mask():
    model = tfgan_zoo.build_model("stargan", **TINY, **MIXED)
    images = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 1)).astype("float32")
    labels = np.array([[1, 0, 0, 0, 0, 1, 0], [0, 0, 1, 0, 0, 0, 1]], np.float32)
    expected = np.array([[0, 0, 0, 1, 0, 0, 1], [0, 0, 0, 1, 0, 0, 1]], np.float32)  # 'sad': RaFD block, mask [0, 1]
    np.testing.assert_allclose(model.edit(images, set={"sad": 1}, labels=labels), model.translate(images, expected),
                               atol=1e-6)
    expected = np.array([[1, 1, 0, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1, 0]], np.float32)
    np.testing.assert_allclose(model.edit(images, set={"y": 1}, labels=labels), model.translate(images, expected),
                               atol=1e-6)
    assert model.edit(images, set={"x": 0}).shape == images.shape  # labels estimated by D_cls
    celeba = tfgan_zoo.build_model("stargan", **{**TINY, "channels": 3})  # the paper's 5 CelebA attributes
    faces = np.random.default_rng(2).uniform(-1, 1, (1, 32, 32, 3)).astype("float32")
    black_male_young = np.array([[1, 0, 0, 1, 1]], np.float32)
    np.testing.assert_allclose(celeba.edit(faces, set={"Blond_Hair": 1}, labels=black_male_young),
                               celeba.translate(faces, [[0, 1, 0, 1, 1]]), atol=1e-6)  # one hair colour at a time
    with pytest.raises(ValueError, match="Unknown attribute"):
        model.edit(images, set={"blond": 1})
    with pytest.raises(ValueError, match=r"target labels must have shape \[2, 7\]"):
        model.translate(images, np.zeros((2, 5), np.float32))


def test_learning_rates_decay_linearly_counted_in_d_updates():
    model = tfgan_zoo.build_model("stargan", **TINY, attribute_names=["a"], constant_steps=100, decay_steps=100)
    d, g = model.make_optimizer("discriminator"), model.make_optimizer("generator")
    d_schedule, g_schedule = d._learning_rate, g._learning_rate
    assert np.isclose(float(d_schedule(tf.constant(150))), 5e-5) and float(d_schedule(tf.constant(200))) == 0.0
    assert np.isclose(float(g_schedule(tf.constant(30))), 5e-5)  # G steps once per n_critic = 5 D updates
    assert np.isclose(float(g_schedule(tf.constant(20))), 1e-4)


def test_digits_attributes_source_and_batches():
    images, labels, digits = load_digit_attributes(32, 1, "test")
    assert images.shape == (390, 32, 32, 1) and labels.shape == (390, 3) and digits.shape == (390,)
    ids = domain_ids(labels)
    assert (ids >= 0).all() and np.bincount(ids).tolist() == [180, 70, 50, 50, 40]
    model = tfgan_zoo.build_model("stargan", **TINY, attribute_names=list(ATTRIBUTES))
    config = tfgan_zoo.load_config("zoo_configs/stargan/stargan_tiny.yaml")
    ds, n = build_dataset(config.data, model.task, 4)
    x, y = next(iter(ds))
    assert x.shape == (4, 32, 32, 1) and y.shape == (4, 3) and n == 16
    with pytest.raises(ValueError, match="multi-domain"):
        build_dataset(config.data, "unconditional", 4)
    with pytest.raises(ValueError, match=r"float domain labels \[B, 3\]"):
        model.task.split_batch(model, (x, tf.zeros([4], tf.int32)))


def test_celeba_rafd_mask_vector_batches_train_offline(tmp_path):
    """The paper's CelebA + RaFD config on mock CelebA and a RaFD folder in the official layout: labels are
    [CelebA block, RaFD one-hot, mask], each example's dataset named by the mask, and the mixed batches train."""
    import keras
    import tensorflow_datasets as tfds
    from PIL import Image

    from tfgan_zoo.training import build_and_compile

    rafd = tmp_path / "RaFD" / "train"
    for i, name in enumerate(["angry", "contemptuous", "disgusted", "fearful", "happy", "neutral", "sad", "surprised"]):
        (rafd / name).mkdir(parents=True)
        Image.fromarray(np.full((20, 20, 3), 30 * i, np.uint8)).save(rafd / name / "face.jpg")
    cfg = tfgan_zoo.load_config("zoo_configs/stargan/stargan_celebarafd_128.yaml", [
        f"data.path={tmp_path / 'RaFD'}", "data.image_size=32", "model.params.image_size=32", "train.batch_size=4",
        "model.params.g_conv_dim=4", "model.params.d_conv_dim=4", "model.params.g_repeat_num=1",
        "model.params.d_repeat_num=3", "model.params.n_critic=1"])
    with tfds.testing.mock_data(num_examples=8):
        keras.utils.set_random_seed(0)
        model = build_and_compile(cfg)
        ds, _ = build_dataset(cfg.data, model.task, 16)
        images, labels = (t.numpy() for t in next(iter(ds)))
        history = model.fit(build_dataset(cfg.data, model.task, 4)[0], steps_per_epoch=1, epochs=1, verbose=0).history
    assert images.shape == (16, 32, 32, 3) and labels.shape == (16, 15)
    mask = labels[:, 13:]
    np.testing.assert_array_equal(mask.sum(1), 1.0)
    celeba, rafd_rows = mask[:, 0] == 1, mask[:, 1] == 1
    assert celeba.any() and rafd_rows.any()
    np.testing.assert_array_equal(labels[celeba, 5:13], 0.0)  # CelebA rows: no expression
    np.testing.assert_array_equal(labels[rafd_rows, :5], 0.0)  # RaFD rows: no CelebA attributes ...
    np.testing.assert_array_equal(labels[rafd_rows, 5:13].sum(1), 1.0)  # ... and exactly one expression
    assert all(np.isfinite(v).all() for v in history.values())
