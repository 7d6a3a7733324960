"""TF Serving deployment files: models.config generation and parsing, the shipped config, batching file, compose."""

import os

import pytest
import yaml
from google.protobuf import (
    descriptor_pb2,
    descriptor_pool,
    message_factory,
    text_format,
    wrappers_pb2,  # noqa: F401  (registers google/protobuf/wrappers.proto in the pool)
)

from tfgan_zoo.export import export_saved_model
from tfgan_zoo.export.testing import build_tiny
from tfgan_zoo.serving import ModelEntry, entries_from_dir, model_config_text, read_model_config, write_model_config
from tfgan_zoo.serving.config import main as config_main

SERVING_DIR = os.path.dirname(os.path.abspath(__import__("tfgan_zoo.serving", fromlist=["x"]).__file__))


def test_model_config_round_trip():
    entries = [
        ModelEntry("dcgan", "/models/dcgan", policy="specific", versions=(1, 2), labels={"stable": 1, "canary": 2}),
        ModelEntry("cgan", "/models/cgan", policy="latest", num_latest=2),
        ModelEntry("pix2pix", "/models/pix2pix", policy="all"),
        ModelEntry("gan", "/models/gan"),
    ]
    text = model_config_text(entries)
    assert 'name: "dcgan"' in text and "specific" in text and 'key: "canary"' in text
    assert read_model_config(text) == entries


def test_model_config_rejects_inconsistent_entries():
    with pytest.raises(ValueError, match="Duplicate"):
        model_config_text([ModelEntry("a", "/m/a"), ModelEntry("a", "/m/b")])
    with pytest.raises(ValueError, match="label 'stable' points at version 3"):
        model_config_text([ModelEntry("a", "/m/a", policy="specific", versions=(1,), labels={"stable": 3})])
    with pytest.raises(ValueError, match="specific"):
        ModelEntry("a", "/m/a", policy="specific")
    with pytest.raises(ValueError, match="Invalid model config"):
        read_model_config("model_config_list { config { nme: 'x' } }")


def test_entries_from_exported_dir(tmp_path):
    gan = build_tiny("gan")
    for _ in range(2):
        export_saved_model(gan, tmp_path / "models")
    export_saved_model(gan, tmp_path / "models", "gan_b")
    os.makedirs(tmp_path / "models" / "empty")
    entries = entries_from_dir(tmp_path / "models", policy="specific", labels={"gan": {"stable": 1}})
    assert [(e.name, e.base_path, e.versions) for e in entries] == [("gan", "/models/gan", (1, 2)),
                                                                    ("gan_b", "/models/gan_b", (1,))]
    assert entries[0].labels == {"stable": 1}
    local = entries_from_dir(tmp_path / "models", container_base=None)
    assert local[0].base_path == str(tmp_path / "models" / "gan") and local[0].select([1, 2]) == [2]
    out = tmp_path / "models.config"
    assert config_main(["--base_dir", str(tmp_path / "models"), "--out", str(out), "--policy", "all"]) == 0
    parsed = read_model_config(out)
    assert [(e.name, e.policy) for e in parsed] == [("gan", "all"), ("gan_b", "all")]
    assert write_model_config(tmp_path / "x.config", base_dir=tmp_path / "models", models=["gan_b"])
    with pytest.raises(ValueError, match="No exported versions"):
        entries_from_dir(tmp_path / "models", models=["nope"])


def test_shipped_models_config_parses():
    entries = read_model_config(os.path.join(SERVING_DIR, "models.config"), relative_to="/")
    by_name = {e.name: e for e in entries}
    assert set(by_name) >= {"dcgan", "pix2pix"}
    assert all(e.base_path == f"/models/{e.name}" for e in entries)
    assert by_name["dcgan"].labels == {"stable": 1, "canary": 2} and by_name["dcgan"].versions == (1, 2)


def _batching_parameters_class():
    """tensorflow.serving.BatchingParameters (session_bundle_config.proto), which the pip package does not ship."""
    file = descriptor_pb2.FileDescriptorProto(name="tfgan_zoo_test/batching.proto", package="tfgan_zoo_test",
                                              syntax="proto3", dependency=["google/protobuf/wrappers.proto"])
    msg = file.message_type.add(name="BatchingParameters")
    F = descriptor_pb2.FieldDescriptorProto
    for number, (name, kind) in enumerate([
        ("max_batch_size", ".google.protobuf.Int64Value"), ("batch_timeout_micros", ".google.protobuf.Int64Value"),
        ("max_enqueued_batches", ".google.protobuf.Int64Value"), ("num_batch_threads", ".google.protobuf.Int64Value"),
        ("thread_pool_name", ".google.protobuf.StringValue"), ("allowed_batch_sizes", None),
        ("pad_variable_length_inputs", None),
    ], start=1):
        if name == "allowed_batch_sizes":
            msg.field.add(name=name, number=number, type=F.TYPE_INT64, label=F.LABEL_REPEATED)
        elif name == "pad_variable_length_inputs":
            msg.field.add(name=name, number=number, type=F.TYPE_BOOL, label=F.LABEL_OPTIONAL)
        else:
            msg.field.add(name=name, number=number, type=F.TYPE_MESSAGE, type_name=kind, label=F.LABEL_OPTIONAL)
    pool = descriptor_pool.Default()
    try:
        pool.Add(file)
    except TypeError:  # already added by an earlier call in this process
        pass
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("tfgan_zoo_test.BatchingParameters"))


def test_batching_parameters_file_is_valid():
    params = _batching_parameters_class()()
    with open(os.path.join(SERVING_DIR, "batching_parameters.txt")) as f:
        text_format.Parse(f.read(), params)
    sizes = list(params.allowed_batch_sizes)
    assert sizes == sorted(sizes) and sizes[-1] == params.max_batch_size.value  # TF Serving's requirements
    assert params.num_batch_threads.value >= 1 and params.batch_timeout_micros.value > 0


def test_compose_file_mounts_the_shipped_configs():
    with open(os.path.join(SERVING_DIR, "docker-compose.yaml")) as f:
        compose = yaml.safe_load(f)
    service = compose["services"]["tfserving"]
    assert "tensorflow/serving" in service["image"]
    assert {"127.0.0.1:8500:8500", "127.0.0.1:8501:8501"} <= set(service["ports"])
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    flags = dict(arg.lstrip("-").split("=", 1) for arg in service["command"])
    for flag in ("model_config_file", "batching_parameters_file"):
        host_path = mounts[flags[flag]]
        assert os.path.exists(os.path.join(SERVING_DIR, host_path)), host_path
    assert mounts["/models"] == "../models" and flags["enable_batching"] == "true"
