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
