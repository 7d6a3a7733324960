"""Training callbacks: sample grids (PNG + TensorBoard) and step-based checkpoints."""

from __future__ import annotations

import os

import keras
import tensorflow as tf

from tfgan_zoo.utils.images import make_grid, save_png


class SampleGrid(keras.callbacks.Callback):
    """Writes a grid of samples from fixed inputs every `every_epochs` epochs and at the end of training.

    Files: `<out_dir>/step_<step>.png` and `<out_dir>/latest.png`; the grid also goes to TensorBoard when a
    `summary_writer` is given. Image-to-image models show rows of (source | translation | target).

    Args:
        source_pairs: for image-to-image models, a fixed `(source, target)` batch to translate.
    """

    def __init__(self, out_dir, num_images=64, every_epochs=1, seed=1234, source_pairs=None, summary_writer=None,
                 write=True):
        super().__init__()
        self.out_dir = out_dir
        self.num_images = num_images
        self.every_epochs = max(1, every_epochs)
        self.seed = seed
        self.source_pairs = source_pairs
        self.summary_writer = summary_writer
        self.write = write
        self.last_path = None

    def grid(self):
        images, ncols = self.model.task.sample_grid(self.model, self.num_images, self.seed, self.source_pairs)
        return make_grid(images, ncols=ncols)

    def _emit(self):
        if not self.write:
            return
        step = int(self.model.optimizer.iterations.numpy())
        grid = self.grid()
        self.last_path = save_png(os.path.join(self.out_dir, f"step_{step:07d}.png"), grid)
        save_png(os.path.join(self.out_dir, "latest.png"), grid)
        if self.summary_writer is not None:
            with self.summary_writer.as_default():
                tf.summary.image("samples", grid[None], step=step)
            self.summary_writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_epochs == 0:
            self._emit()


class StepCheckpoint(keras.callbacks.Callback):
    """Saves a `tf.train.CheckpointManager` checkpoint every `every_steps` steps and at each epoch end.

    The checkpoint holds the whole GAN — every player, its optimizer, EMA weights, the noise seed state — so a
    killed run resumes exactly where it stopped (the step is the generator optimizer's iteration count).
    """

    def __init__(self, manager, every_steps=0):
        super().__init__()
        self.manager = manager
        self.every_steps = every_steps

    def _step(self):
        return int(self.model.optimizer.iterations.numpy())

    def on_train_batch_end(self, batch, logs=None):
        if self.every_steps and self._step() % self.every_steps == 0:
            self.manager.save(checkpoint_number=self._step())

    def on_epoch_end(self, epoch, logs=None):
        step = self._step()
        if self.manager.latest_checkpoint is None or not self.manager.latest_checkpoint.endswith(f"-{step}"):
            self.manager.save(checkpoint_number=step)


def _player_optimizers(model, players):
    optimizers = getattr(model, "player_optimizers", None)
    if not optimizers:
        raise ValueError("Per-player learning-rate callbacks need a compiled zoo GAN (model.player_optimizers).")
    names = list(optimizers) if players is None else list(players)
    unknown = sorted(set(names) - set(optimizers))
    if unknown:
        raise ValueError(f"Unknown player(s) {unknown}; this model's players are {list(optimizers)}.")
    for name in names:
        rate = getattr(getattr(optimizers[name], "inner_optimizer", optimizers[name]), "_learning_rate", None)
        if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule) or callable(rate):
            raise ValueError(
                f"Player {name!r} already follows a learning-rate schedule ({rate!r}); "
                "a callback cannot also set its learning rate. Compile it with a constant learning rate.")
    return {name: optimizers[name] for name in names}


def _lr(optimizer) -> float:
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


class PlayerLearningRateScheduler(keras.callbacks.Callback):
    """Keras' `LearningRateScheduler` for every player of a GAN (Keras' own changes only `model.optimizer`, the
    generator's): at the start of each epoch, `schedule(epoch, lr)` gives each named player its new learning rate.

    Args:
        schedule: `(epoch, current_lr) -> new_lr`, applied to each player with that player's current rate.
        players: player names (default: every player, e.g. `("generator", "discriminator")`).
        verbose: print each change.

    Example:
        >>> import tfgan_zoo
        >>> model = tfgan_zoo.build_model("dcgan", image_size=16, g_base_filters=8, d_base_filters=8)
        >>> model.compile()
        >>> cb = PlayerLearningRateScheduler(lambda epoch, lr: lr * 0.5)
        >>> cb.set_model(model); cb.on_epoch_begin(0)
        >>> round(float(model.player_optimizers["discriminator"].learning_rate), 6)
        0.0001
    """

    def __init__(self, schedule, players=None, verbose: int = 0):
        super().__init__()
        self.schedule, self.players, self.verbose = schedule, players, verbose

    def on_epoch_begin(self, epoch, logs=None):
        for name, opt in _player_optimizers(self.model, self.players).items():
            new = float(self.schedule(epoch, _lr(opt)))
            opt.learning_rate = new
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {name} learning rate {new:.3g}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            for name, opt in _player_optimizers(self.model, self.players).items():
                logs[f"{name}_learning_rate"] = _lr(opt)


class PlayerReduceLROnPlateau(keras.callbacks.Callback):
    """Keras' `ReduceLROnPlateau` for every player of a GAN (Keras' own changes only `model.optimizer`, the
    generator's): when `monitor` has not improved for `patience` epochs, each named player's learning rate is
    multiplied by `factor` (not below `min_lr`), then `cooldown` epochs pass before counting again.

    A GAN loss has no "better" direction Keras could infer, so `mode` ("min" or "max") is required.

    Args:
        monitor: a logged value, e.g. "val_g_loss" or "digits_fid" from the EvaluationCallback.
        mode: "min" (lower is better) or "max".
        factor, patience, min_delta, cooldown, min_lr: as in `keras.callbacks.ReduceLROnPlateau`.
        players: player names (default: every player).
    """

    def __init__(self, monitor, mode, factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0,
                 players=None, verbose: int = 0):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max' (a GAN loss has no inferable direction), got {mode!r}.")
        if not 0.0 < factor < 1.0:
            raise ValueError(f"factor must be in (0, 1), got {factor}.")
        self.monitor, self.mode, self.factor, self.patience = monitor, mode, factor, patience
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, min_lr
        self.players, self.verbose = players, verbose
        self.best, self.wait, self.cooldown_left = None, 0, 0

    def on_train_begin(self, logs=None):
        _player_optimizers(self.model, self.players)  # fail now, not after the first epoch
        self.best, self.wait, self.cooldown_left = None, 0, 0

    def _improved(self, value):
        if self.best is None:
            return True
        return value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        if self.monitor not in logs:
            raise KeyError(f"PlayerReduceLROnPlateau monitors {self.monitor!r}, which is not logged; logged values: "
                           f"{sorted(logs)}.")
        value = float(logs[self.monitor])
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.wait = 0
        if self._improved(value):
            self.best, self.wait = value, 0
        elif self.cooldown_left == 0:
            self.wait += 1
            if self.wait >= self.patience:
                for name, opt in _player_optimizers(self.model, self.players).items():
                    old = _lr(opt)
                    if old > self.min_lr:
                        opt.learning_rate = max(old * self.factor, self.min_lr)
                        if self.verbose:
                            print(f"\nEpoch {epoch + 1}: {name} learning rate {old:.3g} -> {_lr(opt):.3g}.")
                self.cooldown_left, self.wait = self.cooldown, 0
        for name, opt in _player_optimizers(self.model, self.players).items():
            logs[f"{name}_learning_rate"] = _lr(opt)
