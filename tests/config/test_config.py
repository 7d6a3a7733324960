"""Strict configs: unknown keys, bad values and overrides."""

import os

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tfgan_zoo.config import ConfigError, apply_overrides, config_from_dict, parse_override

BASE = {"model": {"name": "dcgan", "params": {"image_size": 16}}, "data": {"source": "digits"}}


def test_every_shipped_config_loads():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "zoo_configs")
    paths = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".yaml")]
    assert len(paths) >= 21
    for p in paths:
        cfg = tfgan_zoo.load_config(p)
        assert cfg.model.name in tfgan_zoo.list_models()


def test_unknown_section_key_names_it_and_lists_valid_keys():
    with pytest.raises(ConfigError) as e:
        config_from_dict({**BASE, "train": {"batch_sise": 3}})
    assert "train.batch_sise" in str(e.value) and "batch_size" in str(e.value)


def test_unknown_model_param_lists_valid_params():
    with pytest.raises(ConfigError) as e:
        config_from_dict({"model": {"name": "dcgan", "params": {"latnet_dim": 3}}})
    msg = str(e.value)
    assert "latnet_dim" in msg and "latent_dim" in msg


def test_unknown_model_and_section():
    with pytest.raises(ConfigError, match="Registered models"):
        config_from_dict({"model": {"name": "dcgann"}})
    with pytest.raises(ConfigError, match="'trian'"):
        config_from_dict({**BASE, "trian": {}})
    with pytest.raises(ConfigError, match="model.name is required"):
        config_from_dict({})


@pytest.mark.parametrize(
    "train,match",
    [
        ({"batch_size": "64"}, "integer"),
        ({"batch_size": 0}, "positive"),
        ({"strategy": "gpu"}, "strategy"),
        ({"mixed_precision": "fp16"}, "mixed_precision"),
        ({"jit_compile": "yes"}, "true or false"),
        ({"optimizers": {"critic": {"name": "adam"}}}, "unknown player"),
    ],
)
def test_bad_values(train, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict({**BASE, "train": train})


def test_overrides():
    assert parse_override("train.learning_rate=1e-4") == (["train", "learning_rate"], 1e-4)
    raw = apply_overrides(BASE, ["train.steps=7", "model.params.latent_dim=12", "train.jit_compile=true"])
    cfg = config_from_dict(raw)
    assert cfg.train.steps == 7 and cfg.model.params["latent_dim"] == 12 and cfg.train.jit_compile is True
    assert BASE["model"]["params"] == {"image_size": 16}  # input untouched
    with pytest.raises(ConfigError, match="section.key=value"):
        parse_override("train.steps")
    with pytest.raises(ConfigError, match="name a section"):
        parse_override("steps=3")


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        tfgan_zoo.load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        tfgan_zoo.load_config(bad)


def test_build_model_api_errors():
    with pytest.raises(KeyError, match="Registered models"):
        tfgan_zoo.build_model("nope")
    with pytest.raises(ConfigError, match="latnet_dim"):
        tfgan_zoo.build_model("dcgan", latnet_dim=3)
    assert tfgan_zoo.list_models("image_to_image") == ["pix2pix"]
    with pytest.raises(ValueError, match="Unknown task"):
        tfgan_zoo.list_models("video")


def test_registry_rejects_duplicates():
    from tfgan_zoo.registry import register_model

    with pytest.raises(ValueError, match="already registered"):
        register_model("dcgan")(type("Other", (tfgan_zoo.get_model_class("dcgan"),), {}))


def test_registry_reads_the_task_from_the_class():
    from tfgan_zoo import tasks
    from tfgan_zoo.registry import register_model, task_of

    with pytest.raises(TypeError, match="has no task"):
        register_model("taskless")(type("Taskless", (), {}))
    assert task_of("pix2pix") is tasks.IMAGE_TO_IMAGE
    # a model whose labels are optional is listed under both concrete tasks, and its instances resolve
    assert "sngan" in tfgan_zoo.list_models("conditional") and "sngan" in tfgan_zoo.list_models("unconditional")
    assert "dcgan" not in tfgan_zoo.list_models("conditional")
    tiny = dict(latent_dim=8, image_size=16, channels=1, g_base_channels=8, g_channel_mults=[1, 1, 1],
                d_base_channels=8, d_channel_mults=[1, 1, 1], d_downsample=[1, 1, 0])
    assert tfgan_zoo.build_model("sngan", num_classes=0, **tiny).task is tasks.UNCONDITIONAL
    assert tfgan_zoo.build_model("sngan", num_classes=3, **tiny).task is tasks.CLASS_CONDITIONAL


def test_task_validates_batches_with_a_clear_error():
    from tfgan_zoo import tasks

    model = tfgan_zoo.build_model("cgan", image_size=28, channels=1)
    with pytest.raises(ValueError, match=r"\(images, labels\).*labelled source"):
        tasks.CLASS_CONDITIONAL.split_batch(model, np.zeros((2, 28, 28, 1), np.float32))
    with pytest.raises(ValueError, match=r"\[B, H, W, C\]"):
        tasks.UNCONDITIONAL.split_batch(model, np.zeros((2, 28, 28), np.float32))
    batch = tasks.CLASS_CONDITIONAL.split_batch(model, (np.zeros((2, 28, 28, 1)), np.array([[1], [2]])))
    assert batch["labels"].dtype == tf.int32 and batch["labels"].shape == (2,)
    with pytest.raises(ValueError, match="Unknown task"):
        tasks.get_task("video")
    images, labels = np.zeros((2, 28, 28, 1), np.float32), np.array([1, 2])
    with pytest.raises(ValueError, match=r"one-hot\?.*argmax"):
        tasks.CLASS_CONDITIONAL.split_batch(model, (images, np.eye(10)[labels]))
    with pytest.raises(ValueError, match=r"float images in \[-1, 1\].*uint8.*127.5"):
        tasks.CLASS_CONDITIONAL.split_batch(model, (images.astype(np.uint8), labels))
    with pytest.raises(ValueError, match=r"built for images of shape \[B, 28, 28, 1\].*\(2, 32, 32, 1\)"):
        tasks.CLASS_CONDITIONAL.split_batch(model, (np.zeros((2, 32, 32, 1), np.float32), labels))
    pix2pix = tfgan_zoo.build_model("pix2pix", image_size=16, in_channels=1, out_channels=3, g_base_filters=4,
                                    d_base_filters=4, d_layers=1)
    with pytest.raises(ValueError, match=r"source of shape \[B, 16, 16, 1\] \(image_size, in_channels\)"):
        tasks.IMAGE_TO_IMAGE.split_batch(pix2pix, (np.zeros((2, 16, 16, 3), np.float32),) * 2)


def test_labels_outside_the_classes_stop_fit_at_the_first_batch():
    model = tfgan_zoo.build_model("cgan", image_size=8, channels=1, num_classes=10, latent_dim=4, g_z_units=4,
                                  g_y_units=4, g_joint_units=8, d_x_units=4, d_y_units=4, d_joint_units=4, d_pieces=2,
                                  d_joint_pieces=2)
    model.compile()
    images = np.zeros((4, 8, 8, 1), np.float32)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"class ids in \[0, 10\)"):
        model.fit(tf.data.Dataset.from_tensors((images, np.array([0, 3, 10, 2]))), epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights())), "a bad batch must change nothing"
    model.fit(tf.data.Dataset.from_tensors((images, np.array([0, 3, 9, 2]))), epochs=1, verbose=0)


@pytest.mark.parametrize("params, words", [
    ({"image_size": "32"}, ["model.params.image_size", "'32'", "integer"]),
    ({"image_size": 16, "learning_rate": "fast"}, ["model.params.learning_rate", "'fast'", "number"]),
    ({"image_size": 16, "latent_dim": 1.5}, ["model.params.latent_dim", "1.5", "integer"]),
    ({"image_size": 16, "latent_dim": True}, ["model.params.latent_dim", "True", "integer"]),
])
def test_model_params_of_the_wrong_type_fail_at_load_time(params, words):
    with pytest.raises(ConfigError) as e:
        config_from_dict({"model": {"name": "dcgan", "params": params}, "data": {"source": "digits",
                                                                               "image_size": 16}})
    for w in words:
        assert w in str(e.value)


def test_model_params_accept_ints_for_floats():
    cfg = config_from_dict({"model": {"name": "dcgan", "params": {"image_size": 16, "learning_rate": 1}},
                            "data": {"source": "digits", "image_size": 16}})
    assert cfg.model.params["learning_rate"] == 1


def test_data_source_typo_lists_sources_and_suggests_the_closest():
    with pytest.raises(ConfigError) as e:
        config_from_dict({**BASE, "data": {"source": "digit", "image_size": 16}})
    msg = str(e.value)
    assert "data.source" in msg and "'digit'" in msg and "paired_folder" in msg and "did you mean 'digits'" in msg


@pytest.mark.parametrize("model, data, key", [
    ({"name": "dcgan", "params": {"image_size": 16}}, {"source": "digits", "image_size": 32}, "data.image_size"),
    ({"name": "dcgan", "params": {"image_size": 16, "channels": 3}},
     {"source": "digits", "image_size": 16, "channels": 1}, "data.channels"),
    ({"name": "pix2pix", "params": {"image_size": 32, "in_channels": 3, "out_channels": 3}},
     {"source": "digits_edges", "image_size": 32, "channels": 1}, "data.channels"),
])
def test_data_shape_must_agree_with_the_model(model, data, key):
    with pytest.raises(ConfigError) as e:
        config_from_dict({"model": model, "data": data})
    assert key in str(e.value) and "model.params" in str(e.value)


def test_cli_reports_a_wrong_param_type_with_exit_code_2(tmp_path, capsys):
    from tests.conftest import tiny_config_path
    from tfgan_zoo import cli

    rc = cli.main(["train", "--config", tiny_config_path("dcgan"), "--set", "model.params.learning_rate=fast",
                   "--workdir", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "error:" in err and "model.params.learning_rate" in err and "fast" in err
    assert not os.listdir(tmp_path)
