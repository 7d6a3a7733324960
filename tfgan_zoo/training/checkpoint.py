"""Restoring a configured model from what training or the user saved.

`restore_model(config, checkpoint)` is the library function behind `tfgan-zoo sample`, `tfgan-zoo eval` and the
preset builder: it builds the config's model (compiled, as the trainer builds it) and loads weights from a
`.weights.h5` file, a `.keras` archive, or a `tf.train` checkpoint written by the trainer (a file prefix such as
`<workdir>/checkpoints/ckpt-600`, or the folder holding it, in which case the latest one is used).

`load_checkpoint(model, path)` loads into a model that already exists and only needs its inference generator: it
also accepts `tf.train.Checkpoint(model)` layouts and reports which generator variables were not restored (used by
`tfgan-zoo export` and the serving benchmark).
"""

from __future__ import annotations

import os

__all__ = ["CheckpointMismatchError", "load_checkpoint", "restore_model"]


class CheckpointMismatchError(RuntimeError):
    """A checkpoint does not fit the configured model (another model or config, or a corrupt file)."""


def restore_model(config, checkpoint):
    """Builds the configured model and loads `checkpoint` into it.

    Args:
        config: an `ExperimentConfig` (`tfgan_zoo.load_config(...)`).
        checkpoint: a `.weights.h5` file, a `.keras` file, a `tf.train` checkpoint prefix, or a folder holding
            checkpoints (e.g. `<workdir>/checkpoints`; the latest is restored).

    Returns:
        The model with the checkpoint's weights (for a `.keras` file, the model that file holds).

    Raises:
        FileNotFoundError: nothing is at `checkpoint`.
        CheckpointMismatchError (a RuntimeError): the checkpoint does not match the config's model.
    """
    import tensorflow as tf

    from tfgan_zoo.training.trainer import build_and_compile

    checkpoint = os.fspath(checkpoint)
    if checkpoint.endswith(".keras"):
        import keras

        return keras.models.load_model(checkpoint)
    model = build_and_compile(config)
    if checkpoint.endswith(".weights.h5"):
        if not os.path.exists(checkpoint):
            raise FileNotFoundError(f"Weights file {checkpoint!r} does not exist.")
        model.load_weights(checkpoint)
        return model
    prefix = tf.train.latest_checkpoint(checkpoint) if os.path.isdir(checkpoint) else checkpoint
    if prefix is None or not tf.io.gfile.exists(prefix + ".index"):
        raise FileNotFoundError(
            f"No checkpoint at {checkpoint!r}. Pass a `<workdir>/checkpoints` folder, a checkpoint prefix "
            "(…/ckpt-600), a .weights.h5 or a .keras file."
        )
    try:
        model.checkpoint().restore(prefix).expect_partial().assert_existing_objects_matched()
    except (tf.errors.OpError, AssertionError, ValueError, IndexError) as e:
        raise CheckpointMismatchError(
            f"Checkpoint {prefix} does not match {config.model.name} with this config "
            f"({type(e).__name__}: {str(e).splitlines()[0]})."
        ) from None
    return model


def _float_vars(model):
    import numpy as np

    return [v for v in model.inference_generator.variables if "float" in str(v.dtype) and int(np.prod(v.shape)) > 0]


def load_checkpoint(model, path):
    """Loads trained weights into `model`; returns the model (a new object for a `.keras` file).

    Accepts a `.weights.h5` (`model.save_weights`), a `.keras` archive, or a `tf.train` checkpoint (a directory with
    a `checkpoint` file, or a prefix), saved from `tf.train.Checkpoint(model=model, ...)` or
    `tf.train.Checkpoint(model)`. Raises if the inference generator's variables are not all restored.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    path = os.fspath(path)
    if path.endswith(".keras"):
        return keras.saving.load_model(path)
    if path.endswith(".h5"):
        model.load_weights(path)
        return model
    prefix = tf.train.latest_checkpoint(path) if os.path.isdir(path) else path
    if prefix is None or not (os.path.exists(prefix + ".index") or os.path.exists(prefix)):
        raise FileNotFoundError(f"No checkpoint at {path} (expected a .weights.h5, a .keras or a tf.train checkpoint).")
    targets = _float_vars(model)
    keys = [k for k, _ in tf.train.list_variables(prefix)]
    problems = []
    missing = [v.name for v in targets]
    for label, make in (("tf.train.Checkpoint(model=model)", lambda: tf.train.Checkpoint(model=model)),
                        ("tf.train.Checkpoint(model)", lambda: tf.train.Checkpoint(model))):
        for v in targets:  # NaN sentinel: whatever is still NaN afterwards was not in the checkpoint
            v.assign(tf.fill(v.shape, float("nan")))
        try:
            make().restore(prefix).expect_partial()
        except (ValueError, tf.errors.OpError) as e:  # e.g. the same names with other shapes
            problems.append(f"{label}: {str(e).splitlines()[0]}")
            continue
        missing = [v.name for v in targets if bool(np.isnan(np.asarray(v.numpy(), np.float64)).all())]
        if not missing:
            return model
    raise ValueError(
        f"Checkpoint {prefix} does not hold the inference generator's weights of this config's model "
        f"({len(missing)} of {len(targets)} variables not restored, e.g. {missing[:3]}). It has keys like {keys[:4]}."
        + (f" Errors: {problems}." if problems else "")
        + " Check --config matches the training run; save with tf.train.Checkpoint(model=model) or "
        "model.save_weights('x.weights.h5')."
    )
