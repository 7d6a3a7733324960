"""`EvaluationCallback`: measure a protocol every N training steps during `fit` and log it."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.evaluation import protocols as protocols_lib


class EvaluationCallback(keras.callbacks.Callback):
    """Runs `evaluate()` every `every_n_steps` training steps (and optionally at the end of training).

    Each value is stored in `self.history[key]` as `(step, value)`, added to that batch's `logs` (so the progress
    bar shows it), added to the epoch `logs` as its latest value (so `History` records it), and written as a
    TensorBoard scalar `eval/<key>` when a summary writer is given. Real-image features are computed once and
    reused.

    Args:
        metrics: protocol or metric names, as `evaluate()` takes them (e.g. `"digits_fid"`).
        every_n_steps: evaluation period in training steps (train_step calls).
        num_samples: generated images per evaluation (default: the protocol's).
        real_images, real_labels, feature_net, batch_size, seed: as in `evaluate()`.
        summary_writer: a `tf.summary` writer, or a log directory to create one in.
        at_train_end: also evaluate after the last step if it was not just evaluated.
        verbose: print each measurement.

    Example:
        cb = EvaluationCallback("digits_fid", every_n_steps=500, num_samples=500)
        model.fit(dataset, steps_per_epoch=500, epochs=4, callbacks=[cb])
    """

    def __init__(
        self,
        metrics="digits_fid",
        every_n_steps: int = 1000,
        num_samples: int | None = None,
        real_images=None,
        real_labels=None,
        feature_net=None,
        batch_size: int = 100,
        seed: int = 0,
        summary_writer=None,
        at_train_end: bool = True,
        verbose: int = 0,
    ):
        super().__init__()
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps must be ≥ 1, got {every_n_steps}.")
        self.metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        self.every_n_steps = int(every_n_steps)
        self.num_samples = num_samples
        self.feature_net = feature_net
        self.batch_size = batch_size
        self.seed = seed
        self.at_train_end = at_train_end
        self.verbose = verbose
        if isinstance(summary_writer, str):
            summary_writer = tf.summary.create_file_writer(summary_writer)
        self.summary_writer = summary_writer
        self._real = (real_images, real_labels)
        self._reference = None
        self.history: dict[str, list[tuple[int, float]]] = {}
        self.latest: dict[str, float] = {}
        self._step = 0
        self._batches = 0
        self._bucket = 0
        self._last_eval_step = None

    def _evaluate(self):
        if self._reference is None and self._real[0] is not None:
            images, labels = self._real
            self._reference = protocols_lib.Reference(np.asarray(images),
                                                      None if labels is None else np.asarray(labels))
        result = protocols_lib.evaluate(
            self.model,
            self.metrics,
            num_samples=self.num_samples,
            feature_net=self.feature_net,
            batch_size=self.batch_size,
            seed=self.seed,
            progress=False,
            reference=self._reference,
        )
        if self._reference is None:  # keep the default (bundled) reference and its cached features
            self._reference = getattr(result, "reference", None)
        step = self._step
        self._last_eval_step = step
        for key, value in result.items():
            if isinstance(value, (float, int, np.floating)):
                self.history.setdefault(key, []).append((step, float(value)))
                self.latest[key] = float(value)
        if self.summary_writer is not None:
            with self.summary_writer.as_default():
                for key, value in self.latest.items():
                    tf.summary.scalar(f"eval/{key}", value, step=step)
            self.summary_writer.flush()
        if self.verbose:
            print(f"\n[eval @ step {step}] " + ", ".join(f"{k}={v:.4g}" for k, v in self.latest.items()))
        return result

    def _current_step(self) -> int:
        """The optimizer's step counter (continues across resumed runs), else the batches seen here."""
        try:
            return int(self.model.optimizer.iterations.numpy())
        except (AttributeError, TypeError, ValueError):
            return self._batches

    def on_train_begin(self, logs=None):
        self._batches = 0
        self._step = self._current_step()
        self._bucket = self._step // self.every_n_steps

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        self._step = self._current_step()
        if self._step // self.every_n_steps > self._bucket:
            self._bucket = self._step // self.every_n_steps
            self._evaluate()
            if logs is not None:
                logs.update(self.latest)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(self.latest)

    def on_train_end(self, logs=None):
        if self.at_train_end and self._step > 0 and self._last_eval_step != self._step:
            self._evaluate()
            if logs is not None:
                logs.update(self.latest)
