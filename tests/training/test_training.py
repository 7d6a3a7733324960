"""Trainer: sample grids, checkpoints, kill-and-resume, strategies, multi-worker, mixed precision."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import REPO, load_tiny, tiny_config_path
from tfgan_zoo.config import ConfigError
from tfgan_zoo.training import StrategyError, get_strategy, train


def test_train_writes_samples_checkpoints_and_tensorboard(tmp_path):
    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=4", "train.steps_per_epoch=2",
                              "train.tensorboard=true"])
    result = train(cfg)
    assert result.end_step == 4 and result.start_step == 0
    assert os.path.exists(os.path.join(tmp_path, "samples", "latest.png"))
    png = tf.io.decode_png(tf.io.read_file(result.sample_path)).numpy()
    assert png.ndim == 3 and png.shape[0] > 16  # a grid of several 16×16 images
    assert tf.train.latest_checkpoint(result.checkpoint_dir).endswith("-4")
    assert any(f.startswith("events") for f in os.listdir(os.path.join(tmp_path, "tensorboard")))
    with open(os.path.join(tmp_path, "config.json")) as f:
        assert json.load(f)["model"]["name"] == "dcgan"
    assert len(result.history["d_loss"]) == 2


def test_pix2pix_sample_grid_has_source_translation_target(tmp_path):
    cfg = load_tiny("pix2pix", [f"train.workdir={tmp_path}"])
    result = train(cfg)
    png = tf.io.decode_png(tf.io.read_file(result.sample_path)).numpy()
    assert png.shape[1] == 6 * 64 + 7 * 2  # two (source | output | target) triples per row


def test_steps_must_be_multiple_of_epoch(tmp_path):
    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=5", "train.steps_per_epoch=2"])
    with pytest.raises(ConfigError, match="multiple"):
        train(cfg)


def test_kill_and_resume_continues_from_saved_step(tmp_path):
    """Kills a real training process with SIGKILL after a checkpoint, then resumes it."""
    workdir = str(tmp_path / "run")
    cmd = [sys.executable, "-m", "tfgan_zoo.cli", "train", "--config", tiny_config_path("dcgan"),
           "--workdir", workdir, "--set", "train.steps=400", "--set", "train.steps_per_epoch=100",
           "--set", "train.checkpoint_every=5"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpt_dir = os.path.join(workdir, "checkpoints")
    deadline = time.time() + 240
    try:
        while time.time() < deadline:
            latest = tf.train.latest_checkpoint(ckpt_dir) if os.path.isdir(ckpt_dir) else None
            if latest and int(latest.rsplit("-", 1)[1]) >= 10:
                break
            assert proc.poll() is None, "training exited before it could be killed"
            time.sleep(0.2)
        else:
            pytest.fail("no checkpoint within 240 s")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    saved = int(tf.train.latest_checkpoint(ckpt_dir).rsplit("-", 1)[1])
    assert saved % 5 == 0 and saved < 400
    cfg = load_tiny("dcgan", [f"train.workdir={workdir}", "train.steps=200", "train.steps_per_epoch=100",
                              "train.checkpoint_every=5"])
    result = train(cfg, resume=True)
    assert result.start_step == saved
    assert result.end_step == 200
    assert tf.train.latest_checkpoint(ckpt_dir).endswith("-200")


def test_resume_restores_weights_optimizer_and_seed_state(tmp_path):
    cfg = load_tiny("wgan_gp", [f"train.workdir={tmp_path}", "train.steps=2", "train.steps_per_epoch=2"])
    first = train(cfg)
    g_weights = first.model.generator.get_weights()
    seed_state = first.model.seed_generator.state.numpy()
    cfg2 = load_tiny("wgan_gp", [f"train.workdir={tmp_path}", "train.steps=2", "train.steps_per_epoch=2"])
    again = train(cfg2, resume=True)  # already done: restores and does not train
    assert again.start_step == again.end_step == 2
    for a, b in zip(g_weights, again.model.generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(seed_state, again.model.seed_generator.state.numpy())
    assert int(again.model.d_optimizer.iterations.numpy()) == int(first.model.d_optimizer.iterations.numpy())


def test_resume_from_corrupt_checkpoint_is_a_clear_error(tmp_path):
    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path}"])
    result = train(cfg)
    latest = tf.train.latest_checkpoint(result.checkpoint_dir)
    data = [f for f in os.listdir(result.checkpoint_dir) if f.startswith(os.path.basename(latest) + ".data")]
    with open(os.path.join(result.checkpoint_dir, data[0]), "wb") as f:
        f.write(b"garbage")
    with pytest.raises(RuntimeError, match="Could not restore checkpoint"):
        train(load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=4"]), resume=True)


def test_mirrored_trainer_run(tmp_path):
    cfg = load_tiny("wgan_gp", [f"train.workdir={tmp_path}", "train.strategy=mirrored"])
    result = train(cfg)
    assert result.model.distribute_strategy.num_replicas_in_sync == 2
    assert np.isfinite(result.history["d_loss"]).all()


def test_inner_jit_under_mirrored(tmp_path):
    """XLA under 2 replicas compiles the per-replica loss/gradient computation, not the whole step."""
    cfg = load_tiny("gan", [f"train.workdir={tmp_path}", "train.strategy=mirrored", "train.jit_compile=true"])
    result = train(cfg)
    assert result.model._inner_jit is True and result.model.jit_compile is False
    assert np.isfinite(result.history["g_loss"]).all()


def test_inner_jit_falls_back_with_synchronized_batch_norm(tmp_path):
    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path / 'a'}", "train.strategy=mirrored", "train.jit_compile=true"])
    with pytest.warns(UserWarning, match="synchronized batch norm"):
        result = train(cfg)
    assert result.model._inner_jit is False and result.model.jit_compile is False
    assert np.isfinite(result.history["g_loss"]).all()


def test_mixed_precision_policy(tmp_path):
    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.mixed_precision=mixed_float16"])
    result = train(cfg)
    model = result.model
    assert model.generator.layers[2].compute_dtype == "float16"
    assert isinstance(model.g_optimizer, __import__("keras").optimizers.LossScaleOptimizer)
    assert np.isfinite(result.history["d_loss"]).all()
    assert model.generate(2, seed=0).dtype == np.float32


def test_tpu_strategy_errors_fast_and_clearly():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.time()
    with pytest.raises(StrategyError, match="No TPU answers"):
        get_strategy("tpu", f"grpc://127.0.0.1:{port}")
    with pytest.raises(StrategyError, match="TPU"):
        get_strategy("tpu", "local")
    assert time.time() - t0 < 30
    with pytest.raises(StrategyError, match="TF_CONFIG"):
        os.environ.pop("TF_CONFIG", None)
        get_strategy("multi_worker")
    with pytest.raises(StrategyError, match="Unknown strategy"):
        get_strategy("cluster")
    assert get_strategy("auto").num_replicas_in_sync == 1


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@pytest.mark.slow
def test_multi_worker_two_processes_stay_in_sync(tmp_path):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs, outs = [], []
    for i in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}))
        out = str(tmp_path / f"worker{i}.json")
        outs.append(out)
        procs.append(subprocess.Popen(
            [sys.executable, os.path.join(REPO, "tests", "training", "mwms_worker.py"), tiny_config_path("dcgan"),
             str(tmp_path / "run"), out], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    logs = []
    try:
        for p in procs:
            logs.append(p.communicate(timeout=240)[0].decode(errors="replace")[-3000:])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, log in zip(procs, logs):
        assert p.returncode == 0, log
    results = [json.load(open(o)) for o in outs]
    assert results[0]["end_step"] == results[1]["end_step"] == 3
    assert results[0]["checksum"] == pytest.approx(results[1]["checksum"], rel=1e-6, abs=1e-6)
    assert np.isfinite(results[0]["history"]["d_loss"]).all()
    assert os.path.isdir(str(tmp_path / "run" / "checkpoints"))


def test_train_set_optimizer_from_config(tmp_path):
    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path}",
                              "train.optimizers={generator: {name: adam, learning_rate: 0.001, beta_1: 0.1}}"])
    result = train(cfg)
    assert result.model.g_optimizer.beta_1 == pytest.approx(0.1)
    assert float(result.model.g_optimizer.learning_rate.numpy()) == pytest.approx(1e-3)
    assert result.model.d_optimizer.beta_1 == pytest.approx(0.5)  # paper default kept for D


def _ckpt_files(path):
    return sorted(os.listdir(path))


def test_training_again_into_a_used_workdir_refuses_and_keeps_the_earlier_run(tmp_path):
    from tfgan_zoo.training.trainer import WorkdirError

    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=4", "train.steps_per_epoch=2"])
    first = train(cfg)
    before = _ckpt_files(first.checkpoint_dir)
    config_before = (tmp_path / "config.json").read_text()
    again = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=2", "train.steps_per_epoch=2",
                                "train.seed=7"])
    with pytest.raises(WorkdirError) as e:
        train(again)
    assert isinstance(e.value, ValueError)
    assert "resume" in str(e.value) and "overwrite" in str(e.value) and str(tmp_path) in str(e.value)
    assert _ckpt_files(first.checkpoint_dir) == before
    assert (tmp_path / "config.json").read_text() == config_before
    with pytest.raises(ValueError, match="resume.*overwrite|overwrite.*resume"):
        train(again, resume=True, overwrite=True)


def test_overwrite_moves_the_earlier_run_aside(tmp_path):
    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=4", "train.steps_per_epoch=2"])
    first = train(cfg)
    before = _ckpt_files(first.checkpoint_dir)
    config_before = (tmp_path / "config.json").read_text()
    again = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=2", "train.steps_per_epoch=2",
                                "train.seed=7"])
    result = train(again, overwrite=True)
    assert result.start_step == 0 and result.end_step == 2
    assert tf.train.latest_checkpoint(result.checkpoint_dir).endswith("-2")
    old = [p for p in os.listdir(tmp_path) if p.startswith("checkpoints.old-")]
    old_cfg = [p for p in os.listdir(tmp_path) if p.startswith("config.json.old-")]
    assert len(old) == 1 and len(old_cfg) == 1
    assert _ckpt_files(tmp_path / old[0]) == before
    assert (tmp_path / old_cfg[0]).read_text() == config_before
    assert json.loads((tmp_path / "config.json").read_text())["train"]["seed"] == 7


def test_a_run_that_fails_before_its_first_step_leaves_no_config_json(tmp_path):
    bad_data = load_tiny("dcgan", [f"train.workdir={tmp_path / 'a'}", "data.source=folder",
                                   f"data.path={tmp_path / 'no_such_folder'}"])
    with pytest.raises(Exception):
        train(bad_data)
    assert not (tmp_path / "a" / "config.json").exists()
    bad_build = load_tiny("dcgan", [f"train.workdir={tmp_path / 'b'}", "model.params.image_size=12",
                                     "data.image_size=12"])
    with pytest.raises(Exception):
        train(bad_build)
    assert not (tmp_path / "b" / "config.json").exists()


def test_a_failed_resume_keeps_the_earlier_config_json(tmp_path):
    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=2", "train.steps_per_epoch=2"])
    train(cfg)
    config_before = (tmp_path / "config.json").read_text()
    other = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=4", "train.steps_per_epoch=2",
                                "data.source=folder", f"data.path={tmp_path / 'no_such_folder'}"])
    with pytest.raises(Exception):
        train(other, resume=True)
    assert (tmp_path / "config.json").read_text() == config_before


def test_a_run_that_fails_at_its_first_step_removes_its_config_json(tmp_path):
    import keras

    class Boom(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            raise RuntimeError("boom")

    cfg = load_tiny("dcgan", [f"train.workdir={tmp_path}", "train.steps=2", "train.steps_per_epoch=2"])
    with pytest.raises(RuntimeError, match="boom"):
        train(cfg, extra_callbacks=[Boom()])
    assert not (tmp_path / "config.json").exists()
