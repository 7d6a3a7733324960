"""`tfgan-zoo export` (export/cli_commands.py): config + checkpoint → SavedModel / TFLite, verified."""

import argparse
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.export import GraphSavedModel, TFLiteRunner, list_versions, read_export_metadata
from tfgan_zoo.export.cli_commands import add_export_parser, run_export
from tfgan_zoo.export.testing import build_tiny, call_model, example_batch, randomize_generator, tiny_config_path
from tfgan_zoo.training.checkpoint import load_checkpoint


def _parse(argv):
    parser = argparse.ArgumentParser()
    add_export_parser(parser.add_subparsers())
    return parser.parse_args(["export", *argv])


def _config(tmp_path, name="dcgan"):
    path = tiny_config_path(name)
    if path is not None:
        return path
    import yaml

    from tfgan_zoo.export.testing import TINY_KWARGS

    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"model": {"name": name, "params": TINY_KWARGS[name]}}))
    return str(path)


def test_export_from_weights_file(tmp_path, capsys):
    config = _config(tmp_path)
    trained = randomize_generator(build_tiny("dcgan"), seed=21)
    weights = str(tmp_path / "trained.weights.h5")
    trained.save_weights(weights)
    args = _parse(["--config", config, "--checkpoint", weights, "--out", str(tmp_path / "models"),
                   "--output_dtype", "both"])
    assert args.func is run_export
    assert run_export(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["path"] == str(tmp_path / "models" / "dcgan" / "1")
    assert max(summary["max_abs_diff_vs_keras"].values()) <= 1e-6
    inputs = example_batch(trained)
    with GraphSavedModel(summary["path"]) as graph:
        out = graph.run("serving_default", inputs)
    np.testing.assert_allclose(out["images"], call_model(trained, inputs), atol=1e-6)  # the trained weights
    assert out["images_uint8"].dtype == np.uint8
    assert run_export(_parse(["--config", config, "--checkpoint", weights, "--out", str(tmp_path / "models"),
                              "--no_verify"])) == 0
    assert list_versions(tmp_path / "models" / "dcgan") == [1, 2]
    capsys.readouterr()


def test_export_from_tf_checkpoint_directory(tmp_path, capsys):
    """The trainer's layout: tf.train.CheckpointManager over tf.train.Checkpoint(model=model)."""
    config = _config(tmp_path)
    trained = randomize_generator(build_tiny("dcgan"), seed=22)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=trained), str(tmp_path / "ckpt"), max_to_keep=1)
    manager.save()
    assert run_export(_parse(["--config", config, "--checkpoint", str(tmp_path / "ckpt"), "--out",
                              str(tmp_path / "models"), "--model_name", "digits_dcgan", "--version", "5"])) == 0
    path = json.loads(capsys.readouterr().out)["path"]
    assert path.endswith(os.path.join("digits_dcgan", "5"))
    assert read_export_metadata(path)["model"] == "dcgan"
    inputs = example_batch(trained)
    with GraphSavedModel(path) as graph:
        np.testing.assert_allclose(graph.run("serving_default", inputs)["images"], call_model(trained, inputs),
                                   atol=1e-6)


def test_checkpoint_without_generator_is_refused(tmp_path):
    model = build_tiny("dcgan")
    other = build_tiny("gan")
    prefix = tf.train.Checkpoint(model=other).save(str(tmp_path / "wrong" / "ckpt"))
    with pytest.raises(ValueError, match="does not hold the inference generator.*shape"):
        load_checkpoint(model, prefix)  # another architecture under the same names
    prefix = tf.train.Checkpoint(discriminator=model.discriminator).save(str(tmp_path / "partial" / "ckpt"))
    with pytest.raises(ValueError, match=r"does not hold the inference generator.*\d+ of \d+ variables not restored"):
        load_checkpoint(model, prefix)  # no generator in it at all
    with pytest.raises(FileNotFoundError):
        load_checkpoint(model, str(tmp_path / "missing"))


def test_export_tflite_format(tmp_path, capsys):
    config = _config(tmp_path)
    trained = randomize_generator(build_tiny("dcgan"), seed=23)
    weights = str(tmp_path / "w.weights.h5")
    trained.save_weights(weights)
    assert run_export(_parse(["--config", config, "--checkpoint", weights, "--out", str(tmp_path / "edge"),
                              "--format", "tflite", "--quantization", "dynamic", "--batch_size", "2"])) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["path"] == str(tmp_path / "edge" / "dcgan_dynamic.tflite")
    assert summary["max_abs_error"] <= 0.03 and summary["psnr_db"] >= 45
    runner = TFLiteRunner(summary["path"])
    assert runner.batch_size == 2
    inputs = example_batch(trained, batch=2)
    np.testing.assert_allclose(runner(**inputs)["images"], call_model(trained, inputs), atol=0.03)


def test_export_onnx_without_tf2onnx_says_so(tmp_path, monkeypatch):
    import importlib.util

    from tfgan_zoo.export import onnx_available

    real_find_spec = importlib.util.find_spec
    # CI installs the onnx extra: make tf2onnx look absent (only to this check) to reach the error path.
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tf2onnx" else real_find_spec(name, *a))
    assert not onnx_available()
    with pytest.raises(ImportError, match=r"tfgan_zoo\[onnx\]"):
        run_export(_parse(["--config", _config(tmp_path), "--out", str(tmp_path / "o"), "--format", "onnx"]))


def test_commands_are_wired_into_tfgan_zoo_cli(tmp_path):
    from tfgan_zoo.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["export", "--config", "c.yaml", "--checkpoint", "w.weights.h5", "--out", "m",
                              "--version", "3", "--format", "tflite", "--quantization", "int8"])
    assert args.func is run_export and (args.version, args.format, args.quantization) == (3, "tflite", "int8")
    args = parser.parse_args(["serve", "--model_base_path", "m", "--port", "8500", "--rest_api_port", "8501"])
    assert args.func.__name__ == "run_serve" and (args.port, args.rest_api_port, args.host) == (8500, 8501, "127.0.0.1")
