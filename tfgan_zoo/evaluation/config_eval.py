"""`evaluate_config`: measure a trained checkpoint of an experiment config under named protocols.

The library function behind `tfgan-zoo eval` and the preset builder (`tfgan_zoo.pretrained.build`), so both report
the same numbers for the same config, checkpoint, metrics and seed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

__all__ = ["DIGITS_SOURCES", "evaluate_config", "load_array_file", "real_images_from_config"]

#: Data sources whose default feature network is the shipped digits classifier.
DIGITS_SOURCES = ("digits",)


def load_array_file(path):
    """`(images, labels or None)` from a `.npy` file or an `.npz` (arrays `images` or the first one, `labels`)."""
    data = np.load(path)
    if isinstance(data, np.lib.npyio.NpzFile):
        key = "images" if "images" in data.files else data.files[0]
        return data[key], (data["labels"] if "labels" in data.files else None)
    return data, None


def real_images_from_config(data_config, limit: int = 50_000):
    """Real images (and labels if any) of a config's data section, up to `limit`, as numpy arrays in [-1, 1]."""
    from tfgan_zoo import data as data_lib
    from tfgan_zoo import tasks

    if data_config.source in ("digits", "skimage_faces", "skimage_images"):
        images, labels = data_lib.load_arrays(data_config.source, data_config.image_size, data_config.channels, "all"
                                              if data_config.source == "digits" else data_config.split)
        return images[:limit], labels[:limit]
    ds, _ = data_lib.build_dataset(data_config, tasks.UNCONDITIONAL, batch_size=100, repeat=False)
    images, count = [], 0
    for batch in ds:
        images.append(np.asarray(batch))
        count += len(images[-1])
        if count >= limit:
            break
    return np.concatenate(images)[:limit], None


def evaluate_config(
    config,
    checkpoint,
    metrics: str | Sequence[str] = ("fid", "kid", "pr", "is"),
    *,
    overrides: Sequence[str] | None = None,
    num_samples: int | None = None,
    feature_net=None,
    real_images=None,
    real_labels=None,
    batch_size: int = 100,
    seed: int = 0,
    progress: bool = False,
):
    """Restores `checkpoint` into the config's model and evaluates it; returns the `EvaluationResult`.

    Args:
        config: an `ExperimentConfig` or the path of an experiment YAML.
        checkpoint: what `tfgan_zoo.training.restore_model` accepts (a checkpoint folder or prefix, a `.weights.h5`
            or a `.keras` file).
        metrics: metric names (`fid`, `kid`, `is`, `pr`, ...; each takes the feature network's default protocol) or
            protocol names (`fid50k`, `digits_fid`, ...), as a sequence or one comma-separated string.
        overrides: `section.key=value` overrides applied when `config` is a path.
        num_samples: generated images per protocol (default: each protocol's).
        feature_net: `digits`, `inception`, a path to the Inception graph or a SavedModel,
            `keras_inception_v3[:weights]`, or a feature network object. Default: the digits classifier for configs
            on the bundled digits, the TF Inception graph otherwise.
        real_images: real images in [-1, 1] or uint8, or the path of a `.npy`/`.npz` holding them. Default: read from
            the config's data section when a protocol needs them.
        real_labels: class ids of `real_images` (an `.npz` may carry them as `labels`).
        batch_size: generation and feature batch size.
        seed: seed of the generated samples.
        progress: show a progress bar.
    """
    import tfgan_zoo
    from tfgan_zoo.evaluation.protocols import evaluate, resolve_feature_network
    from tfgan_zoo.training.checkpoint import restore_model

    if isinstance(config, (str, os.PathLike)):
        config = tfgan_zoo.load_config(os.fspath(config), list(overrides or []))
    elif overrides:
        raise ValueError("overrides apply to a config path; apply them to an ExperimentConfig with load_config.")
    if isinstance(metrics, str):
        metrics = metrics.split(",")
    metrics = [m.strip() for m in metrics if m.strip()]
    if getattr(tfgan_zoo.get_model_class(config.model.name).TASK, "super_resolution", False):
        # one protocol for super-resolution: sr_photos (PSNR/SSIM/sharpness vs bicubic on the held-out photos)
        from tfgan_zoo.evaluation.super_resolution import PROTOCOL, evaluate_super_resolution

        unknown = [m for m in metrics if m not in (PROTOCOL, "psnr", "ssim", "fid", "kid", "pr", "is")]
        if unknown:
            raise ValueError(f"Super-resolution models are measured by the {PROTOCOL!r} protocol (PSNR, SSIM, "
                             f"sharpness vs bicubic); got metrics {unknown}.")
        return evaluate_super_resolution(restore_model(config, checkpoint))
    if feature_net is None:
        feature_net = "digits" if config.data.source in DIGITS_SOURCES else "inception"
    # resolve first: a missing Inception file fails before the model is restored
    net = resolve_feature_network(feature_net)
    model = restore_model(config, checkpoint)

    if isinstance(real_images, (str, os.PathLike)):
        real_images, file_labels = load_array_file(real_images)
        real_labels = file_labels if real_labels is None else real_labels
    elif real_images is None and (config.data.source not in DIGITS_SOURCES or feature_net != "digits"):
        real_images, real_labels = real_images_from_config(config.data)

    return evaluate(
        model,
        metrics,
        num_samples=num_samples,
        real_images=real_images,
        real_labels=real_labels,
        feature_net=net,
        batch_size=batch_size,
        seed=seed,
        progress=progress,
    )
