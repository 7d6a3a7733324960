"""The trainer: strategy scope → build → compile → data → callbacks → fit. The one place that opens a scope."""

from __future__ import annotations

import dataclasses
import json
import os
import time

import keras
import tensorflow as tf
from absl import logging

from tfgan_zoo.config import ConfigError, ExperimentConfig
from tfgan_zoo.training.callbacks import SampleGrid, StepCheckpoint
from tfgan_zoo.training.checkpoint import CheckpointMismatchError
from tfgan_zoo.training.distribute import get_strategy, is_chief


@dataclasses.dataclass
class TrainResult:
    model: keras.Model
    history: dict
    workdir: str
    checkpoint_dir: str
    sample_path: str | None
    start_step: int
    end_step: int
    seconds: float


def optimizer_from_config(spec):
    """`{name: adam, learning_rate: 1e-4, beta_1: 0.5}` or Keras' `{class_name, config}` → optimizer."""
    if isinstance(spec, str):
        return keras.optimizers.get(spec)
    if not isinstance(spec, dict):
        raise ConfigError(f"An optimizer must be a name or a mapping, got {spec!r}.")
    if "class_name" in spec:
        return keras.optimizers.deserialize(spec)
    spec = dict(spec)
    name = spec.pop("name", None)
    if not name:
        raise ConfigError(f"Optimizer spec {spec} needs a 'name' (adam, rmsprop, sgd, ...).")
    try:
        return keras.optimizers.get({"class_name": name, "config": spec})
    except (ValueError, TypeError) as e:
        raise ConfigError(f"Bad optimizer spec {name} {spec}: {e}") from None


def _warn_if_optimizer_set_twice(config, model, optimizers):
    """Optimizer settings live in one place: `train.optimizers` replaces the optimizers the model's constructor
    settings would build, so model params that only feed those optimizers are ignored — say so."""
    ignored = sorted(set(config.model.params) & set(model.optimizer_params))
    if optimizers and ignored:
        logging.warning(
            "train.optimizers sets the optimizer(s) of %s, so model.params %s (which only configure the default "
            "optimizers) are ignored for those players. Set the optimizer in one place.", sorted(optimizers), ignored)


def build_and_compile(config: ExperimentConfig, strategy=None):
    """Builds and compiles the configured model inside `strategy`'s scope (call under the strategy you train
    with; the default strategy otherwise)."""
    from tfgan_zoo import build_model

    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        model = build_model(config)
        optimizers = {k: optimizer_from_config(v) for k, v in config.train.optimizers.items()}
        _warn_if_optimizer_set_twice(config, model, optimizers)
        model.compile(optimizers=optimizers, jit_compile=config.train.jit_compile)
    return model


def _steps_plan(t):
    if t.steps % t.steps_per_epoch:
        raise ConfigError(
            f"train.steps ({t.steps}) must be a multiple of train.steps_per_epoch ({t.steps_per_epoch}); "
            f"e.g. set train.steps={t.steps - t.steps % t.steps_per_epoch or t.steps_per_epoch}."
        )
    if t.checkpoint_every and t.steps_per_epoch % t.checkpoint_every:
        raise ConfigError(
            f"train.checkpoint_every ({t.checkpoint_every}) must divide train.steps_per_epoch ({t.steps_per_epoch})."
        )
    return t.steps // t.steps_per_epoch


class WorkdirError(ValueError):
    """The workdir already holds an earlier run's checkpoints and neither resume nor overwrite was asked for."""


#: what a run writes into its workdir; `overwrite` moves each one that exists aside (never deletes it).
RUN_OUTPUTS = ("checkpoints", "checkpoints_workers", "config.json", "samples", "tensorboard")


def _holds_checkpoints(ckpt_dir):
    return os.path.isdir(ckpt_dir) and bool(os.listdir(ckpt_dir))


def _check_workdir(workdir, ckpt_dir, resume, overwrite):
    """Refuses to start a fresh run over an earlier run's checkpoints (it would overwrite and prune them)."""
    if resume and overwrite:
        raise WorkdirError("resume and overwrite exclude each other: resume continues the run in the workdir, "
                           "overwrite moves it aside and starts over.")
    if resume or overwrite or not _holds_checkpoints(ckpt_dir):
        return
    raise WorkdirError(
        f"workdir {workdir!r} already holds checkpoints of an earlier run ({ckpt_dir}). Pass --resume "
        "(train(config, resume=True)) to continue it, --overwrite (train(config, overwrite=True)) to move it aside "
        "and start over, or choose another --workdir."
    )


def _move_aside(workdir, names):
    """Renames `workdir/<name>` to `workdir/<name>.old-<timestamp>` for each name that exists; returns the moves."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    suffix, n = f".old-{stamp}", 0
    while any(os.path.exists(os.path.join(workdir, name + suffix)) for name in names):
        n += 1
        suffix = f".old-{stamp}-{n}"
    moved = []
    for name in names:
        src = os.path.join(workdir, name)
        if os.path.exists(src):
            os.rename(src, src + suffix)
            moved.append((src, src + suffix))
    return moved


def train(config: ExperimentConfig, workdir=None, resume=False, extra_callbacks=None, strategy=None,
          overwrite=False) -> TrainResult:
    """Trains the configured GAN with `model.fit`, writing checkpoints, sample grids and TensorBoard logs.

    Args:
        config: a validated `ExperimentConfig`.
        workdir: overrides `train.workdir`.
        resume: restore the latest checkpoint in `<workdir>/checkpoints` and continue from its step.
        strategy: a ready `tf.distribute` strategy (otherwise built from `train.strategy`).
        overwrite: the workdir holds an earlier run: move its outputs aside (`<name>.old-<timestamp>`, never
            deleted) and start at step 0.

    Raises:
        WorkdirError: the workdir already holds checkpoints and neither `resume` nor `overwrite` is set (a fresh
            run would overwrite and prune them), or both are set.
    """
    from tfgan_zoo.data import build_dataset

    t = config.train
    workdir = workdir or t.workdir
    if resume and overwrite:
        _check_workdir(workdir, None, resume, overwrite)
    epochs = _steps_plan(t)
    keras.utils.set_random_seed(t.seed)
    keras.mixed_precision.set_dtype_policy(t.mixed_precision or "float32")
    try:
        strategy = strategy or get_strategy(t.strategy, t.tpu_address)
        chief = is_chief(strategy)
        ckpt_dir = os.path.join(workdir, "checkpoints")
        if not chief:  # non-chief workers save into a private folder (MultiWorkerMirroredStrategy convention)
            ckpt_dir = os.path.join(workdir, "checkpoints_workers", f"worker_{strategy.cluster_resolver.task_id}")
        _check_workdir(workdir, ckpt_dir, resume, overwrite)
        model = build_and_compile(config, strategy)
    finally:
        keras.mixed_precision.set_dtype_policy("float32")

    # Everything that can fail before the first step (the data, a checkpoint to resume) comes before this run
    # writes anything into the workdir.
    batch = t.batch_size * model.minibatches_per_batch

    def make_dataset():
        # A fresh pipeline per use: a seeded reshuffling dataset continues its seed sequence across iterators, so
        # reusing one would give a later `fit` (a resumed run's second segment) another order than a fresh run's.
        ds, _ = build_dataset(config.data, model.task, batch, seed=t.seed)
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            options = tf.data.Options()
            options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
            ds = ds.with_options(options)
        return ds

    dataset = make_dataset()
    source_pairs = None
    if model.task.image_input:  # the sample grid translates fixed training images: (source, target) or (a, b)
        src, tgt = next(iter(make_dataset().unbatch().batch(min(8, t.batch_size * 4)).take(1)))
        source_pairs = (src.numpy(), tgt.numpy())

    if overwrite and _holds_checkpoints(ckpt_dir):
        if chief:
            moved = _move_aside(workdir, RUN_OUTPUTS)
        else:
            moved = _move_aside(os.path.dirname(ckpt_dir), [os.path.basename(ckpt_dir)])
        for src, dst in moved:
            print(f"[tfgan-zoo] --overwrite: moved {src} aside to {dst}")
    checkpoint = model.checkpoint()
    manager = tf.train.CheckpointManager(checkpoint, ckpt_dir, max_to_keep=3)
    if resume:
        latest = manager.latest_checkpoint
        if latest is None:
            print(f"[tfgan-zoo] --resume: no checkpoint in {ckpt_dir}; starting from step 0.")
        else:
            try:
                checkpoint.restore(latest).assert_existing_objects_matched()
            except (tf.errors.OpError, AssertionError, ValueError, IndexError) as e:
                raise CheckpointMismatchError(
                    f"Could not restore checkpoint {latest}: {type(e).__name__}: {str(e).splitlines()[0]}. "
                    "It may be corrupt or from a different model/config; start over with --overwrite (moves it aside)."
                ) from None
    start_step = int(model.optimizer.iterations.numpy())
    os.makedirs(workdir, exist_ok=True)
    config_path = os.path.join(workdir, "config.json")
    previous_config = None
    if chief:
        if os.path.exists(config_path):
            with open(config_path) as f:
                previous_config = f.read()
        with open(config_path, "w") as f:
            json.dump(config.to_dict(), f, indent=2)

    writer = None
    if t.tensorboard and chief:
        writer = tf.summary.create_file_writer(os.path.join(workdir, "tensorboard"))
    samples = SampleGrid(
        os.path.join(workdir, "samples"), t.num_sample_images, t.sample_every_epochs,
        source_pairs=source_pairs, summary_writer=writer, write=chief,
    )
    callbacks = [StepCheckpoint(manager, t.checkpoint_every), samples]
    if writer is not None:
        callbacks.append(keras.callbacks.TensorBoard(os.path.join(workdir, "tensorboard"), write_graph=False,
                                                     update_freq="epoch"))
    callbacks += list(extra_callbacks or [])

    history: dict = {}
    t0 = time.time()
    spe = t.steps_per_epoch
    done = start_step
    if done >= t.steps:
        print(f"[tfgan-zoo] already trained {done} steps (train.steps={t.steps}); nothing to do.")
    else:
        segments = []
        if done % spe:  # finish the interrupted epoch first
            segments.append(dict(epochs=done // spe + 1, initial_epoch=done // spe, steps_per_epoch=spe - done % spe))
            done += spe - done % spe
        if done < t.steps:
            segments.append(dict(epochs=epochs, initial_epoch=done // spe, steps_per_epoch=spe))
        try:
            for i, seg in enumerate(segments):
                # One batch per step, in a fixed seeded order: skipping the batches the steps so far consumed makes
                # a resumed run (or the second segment after an interrupted epoch) read exactly what an
                # uninterrupted run reads next.
                consumed = model.batches_consumed()
                data = dataset if i == 0 else make_dataset()
                h = model.fit(data.skip(consumed) if consumed else data, callbacks=callbacks,
                              verbose=t.verbose if chief else 0, **seg)
                for k, v in h.history.items():
                    history.setdefault(k, []).extend(
                        float(x) if not hasattr(x, "__len__") else float(x[0]) for x in v)
        except BaseException:
            if chief and int(model.optimizer.iterations.numpy()) == start_step:
                _restore_config(config_path, previous_config)  # failed before its first step: no trace
            raise
    end_step = int(model.optimizer.iterations.numpy())
    return TrainResult(model, history, workdir, ckpt_dir, samples.last_path, start_step, end_step, time.time() - t0)


def _restore_config(path, previous):
    """Puts back the config.json an earlier run wrote (or removes this run's when there was none)."""
    if previous is None:
        if os.path.exists(path):
            os.remove(path)
    else:
        with open(path, "w") as f:
            f.write(previous)
