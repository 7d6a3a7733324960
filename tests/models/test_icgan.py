"""IcGAN: paper configuration, condition placement, the two-stage training, encode/edit and the edit signature."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import fixed_dataset
from tfgan_zoo.training import build_and_compile


def _tiny(stage="joint", seed=0):
    cfg = tfgan_zoo.load_config("zoo_configs/icgan/icgan_tiny.yaml", [f"model.params.training_stage={stage}"])
    keras.utils.set_random_seed(seed)
    return build_and_compile(cfg), cfg


def test_celeba_configuration_and_condition_placement():
    m = tfgan_zoo.build_model("zoo_configs/icgan/icgan_celeba_64.yaml")
    counts = m.summary_of_parameters()
    # G: the DCGAN-64 reference generator with z (100) + y (18) at its input: 3,576,704 + 18·512·4·4
    assert counts["generator"] == 3576704 + 18 * 512 * 16
    # D: y (18 planes) joins the 64 maps after the first conv: 2,765,568 + 18·128·4·4
    assert counts["discriminator"] == 2765568 + 18 * 128 * 16
    assert m.generator.get_layer("z_and_y").output.shape[-1] == 118
    assert m.discriminator.get_layer("features_and_y").output.shape[1:] == (32, 32, 64 + 18)
    assert m.encoder_z.output.shape[-1] == 100 and m.encoder_y.output.shape[-1] == 18
    assert m.encoder_z.get_layer("flatten").output.shape[-1] == 4 * 4 * 256
    assert m.attribute_mode == "binary" and m.training_stage == "gan"


def _changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize("stage,expected", [
    ("gan", {"generator", "discriminator"}),
    ("encoders", {"encoder_z", "encoder_y"}),
])
def test_training_stages_update_only_their_players(stage, expected):
    m, cfg = _tiny(stage)
    before = {p: [w.copy() for mm in ms for w in mm.get_weights()] for p, ms in m.player_models().items()}
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0)
    changed = {p for p, ms in m.player_models().items()
               if _changed(before[p], [w for mm in ms for w in mm.get_weights()])}
    # encoders stage: G runs in inference mode, so even its batch-norm statistics stay put
    assert changed == expected


def test_switching_stage_retraces():
    m, cfg = _tiny("gan")
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0)
    ez = [w.copy() for w in m.encoder_z.get_weights()]
    m.set_training_stage("encoders")
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0)
    assert _changed(ez, m.encoder_z.get_weights())
    with pytest.raises(ValueError, match="training_stage"):
        m.set_training_stage("both")


def test_encoder_y_learns_real_labels_with_cross_entropy():
    m, cfg = _tiny("encoders")
    ds = fixed_dataset(m, cfg)
    images, labels = next(iter(ds))
    logits = m.encoder_y(images, training=True)
    expected = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(tf.cast(labels, tf.int32), logits))
    logs = m.fit(ds, steps_per_epoch=1, epochs=1, verbose=0).history
    np.testing.assert_allclose(logs["ey_loss"][0], float(expected), rtol=1e-4)


def test_encoder_z_inverts_the_generator_after_training():
    """Training only E_z (stage 'encoders') on G's samples lowers ‖z - E_z(G(z, y))‖² on fresh samples."""
    from tfgan_zoo.export.testing import randomize_generator

    m, cfg = _tiny("encoders")
    randomize_generator(m, seed=0)  # a generator whose output depends more on z than a fresh DCGAN init's does
    m.compile(optimizers={"encoder_z": keras.optimizers.Adam(3e-3), "encoder_y": keras.optimizers.Adam(1e-3)})
    labels = np.arange(64) % 10
    z = m.latents_for(64, seed=5).numpy()

    def error():
        x = m.inference_model([tf.constant(z), tf.constant(labels)]).numpy()
        return float(np.mean((m.encode(x)[0] - z) ** 2))

    start = error()
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=150, epochs=1, verbose=0)
    assert error() < 0.8 * start


def test_edit_is_generator_of_encoded_z_with_new_condition():
    m, _ = _tiny()
    from tfgan_zoo.export.testing import randomize_generator

    randomize_generator(m, seed=1)
    x = m.generate(4, seed=3, labels=[0, 1, 2, 3])
    z, y = m.encode(x)
    assert y.shape == (4, 10) and np.allclose(y.sum(-1), 1.0, atol=1e-5)
    edited = m.edit(x, [9, 9, 9, 9])
    ref = m.generator([tf.constant(z), tf.one_hot([9] * 4, 10)]).numpy()
    np.testing.assert_allclose(edited, ref, atol=1e-5)
    assert np.abs(m.edit(x, [1, 1, 1, 1]) - edited).max() > 1e-3
    np.testing.assert_allclose(m.reconstruct(x), m.edit(x, y.argmax(-1).astype(np.int32)), atol=1e-6)
    with pytest.raises(ValueError, match=r"\[N, 16, 16, 1\]"):
        m.edit(np.zeros((2, 8, 8, 1)), [0, 1])
    with pytest.raises(ValueError, match="labels must be in"):
        m.edit(x, [0, 1, 2, 10])


def test_edit_and_encode_signatures_match_the_api(tmp_path):
    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.export.testing import randomize_generator

    m, _ = _tiny()
    randomize_generator(m, seed=2)
    path = export_saved_model(m, tmp_path)
    loaded = tf.saved_model.load(path)
    x = np.random.default_rng(0).uniform(-1, 1, (3, 16, 16, 1)).astype("float32")
    labels = np.array([4, 7, 2], np.int32)
    out = loaded.signatures["edit"](images=tf.constant(x), labels=tf.constant(labels))["images"].numpy()
    np.testing.assert_allclose(out, m.edit(x, labels), atol=1e-5)
    enc = loaded.signatures["encode"](images=tf.constant(x))
    z, y = m.encode(x)
    np.testing.assert_allclose(enc["latents"].numpy(), z, atol=1e-5)
    np.testing.assert_allclose(enc["conditions"].numpy(), y, atol=1e-5)


def test_binary_attributes_mode_trains_and_edits():
    m = tfgan_zoo.build_model("icgan", image_size=16, channels=3, latent_dim=8, num_classes=3, attribute_mode="binary",
                              g_base_filters=4, d_base_filters=4, encoder_filters=4, encoder_units=8, seed=0)
    m.compile()
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    attrs = (rng.uniform(size=(8, 3)) > 0.5).astype("float32")
    logs = m.fit(tf.data.Dataset.from_tensor_slices((x, attrs)).batch(4), epochs=1, verbose=0).history
    assert all(np.isfinite(v).all() for v in logs.values())
    z, y = m.encode(x)
    assert y.shape == (8, 3) and (y >= 0).all() and (y <= 1).all()
    assert m.edit(x, 1 - attrs).shape == x.shape
    with pytest.raises(ValueError, match=r"\[N, 3\]"):
        m.edit(x, np.zeros(8, np.int32))
    with pytest.raises(ValueError, match=r"shape \[B, 3\].*data.attributes"):  # int class ids in binary mode
        m.fit(tf.data.Dataset.from_tensor_slices((x, np.zeros(8, np.int32))).batch(4), epochs=1, verbose=0)


def test_celeba_config_reads_the_papers_18_attributes_from_tfds_offline():
    """The published CelebA config trains on TFDS celeb_a's `attributes` (mocked: no network), as [B, 18] floats
    in the config's order; a wrong attribute name or a non-TFDS source is a clear error."""
    import tensorflow_datasets as tfds

    from tfgan_zoo.data import build_dataset

    cfg = tfgan_zoo.load_config("zoo_configs/icgan/icgan_celeba_64.yaml",
                                ["train.batch_size=2", "model.params.g_base_filters=4", "model.params.d_base_filters=4",
                                 "model.params.encoder_filters=4", "model.params.encoder_units=8"])
    assert len(cfg.data.attributes) == 18 == cfg.model.params["num_classes"]
    cfg.data.shuffle_buffer = 0  # the first batch's first element is the dataset's first example
    with tfds.testing.mock_data(num_examples=4):
        ds, _ = build_dataset(cfg.data, "conditional", 2, repeat=False)
        images, attrs = next(iter(ds))
        raw = next(iter(tfds.load("celeb_a", split="train", shuffle_files=False)))
        keras.utils.set_random_seed(0)
        m = build_and_compile(cfg)
        logs = m.fit(build_dataset(cfg.data, "conditional", 2)[0], steps_per_epoch=1, epochs=1, verbose=0).history
        bad = cfg.data.__class__(**{**cfg.data.__dict__, "attributes": ["Bald", "Pointy_Ears"]})
        with pytest.raises(ValueError, match="Pointy_Ears.*Wearing_Hat"):
            build_dataset(bad, "conditional", 2)
    assert images.shape == (2, 64, 64, 3) and attrs.shape == (2, 18) and attrs.dtype == tf.float32
    assert set(np.unique(attrs.numpy())) <= {0.0, 1.0}
    expected = [float(raw["attributes"][a]) for a in cfg.data.attributes]
    np.testing.assert_array_equal(attrs.numpy()[0], expected)
    assert all(np.isfinite(v).all() for v in logs.values())
    with pytest.raises(tfgan_zoo.ConfigError, match="data.attributes"):
        tfgan_zoo.load_config("zoo_configs/icgan/icgan_celeba_64.yaml", ["data.source=digits"])


def test_bad_arguments():
    with pytest.raises(ValueError, match="attribute_mode"):
        tfgan_zoo.build_model("icgan", image_size=16, attribute_mode="multi")
    with pytest.raises(ValueError, match="training_stage"):
        tfgan_zoo.build_model("icgan", image_size=16, training_stage="all")


def test_shipped_digits_preset_edits_towards_the_requested_class():
    """The shipped icgan_digits_32 preset: editing held-out digits to another class makes the digits classifier
    read the requested class (measured 96% on all 450 test-split digits; chance is 10%)."""
    from tfgan_zoo.evaluation.digits import DigitsFeatureNetwork, digits_images

    m = tfgan_zoo.from_preset("icgan_digits_32")
    x, y = digits_images(32, "test")
    x, y = x[:150], y[:150]
    targets = ((y + np.random.default_rng(0).integers(1, 10, size=len(y))) % 10).astype(np.int32)
    classifier = DigitsFeatureNetwork()
    assert np.mean(classifier.predict_labels(x) == targets) < 0.05  # the originals are not already the targets
    rate = np.mean(classifier.predict_labels(m.edit(x, targets)) == targets)
    assert rate > 0.8, rate
