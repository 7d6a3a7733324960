"""The AC-GAN paper's two analyses of class-conditional samples (Odena et al. 2016, §4.1–4.2).

* **Discriminability**: the accuracy of a pretrained classifier on generated samples of each class (the paper uses
  Inception on ImageNet; for the bundled digits the zoo's shipped digits classifier plays that role). Resizing the
  samples down and back up (`resized_discriminability`) measures how much class information a lower output
  resolution would keep (the paper's 128×128 vs "artificially resized" 32×32 comparison).
* **Diversity**: the mean multi-scale SSIM (`tf.image.ssim_multiscale`) of random pairs of samples within a class;
  high MS-SSIM means low diversity. The paper counts the classes whose sample MS-SSIM is below the maximum MS-SSIM
  of real training-data classes (84.7% of ImageNet classes for its 128×128 model).

MS-SSIM needs every scale to be at least `filter_size` pixels, so small images use fewer scales: the standard
five-scale weights (Wang et al. 2003) are truncated to the scales that fit and renormalised; `ms_ssim_settings`
says which were used.

Example:
    >>> import numpy as np
    >>> from tfgan_zoo.models.acgan.acgan_analysis import pairwise_ms_ssim
    >>> x = np.random.default_rng(0).uniform(-1, 1, (6, 32, 32, 1)).astype("float32")
    >>> round(pairwise_ms_ssim(np.repeat(x[:1], 6, axis=0), num_pairs=10), 4)
    1.0
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

#: Wang, Simoncelli & Bovik's five-scale exponents (the `tf.image.ssim_multiscale` default).
STANDARD_POWER_FACTORS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ms_ssim_settings(image_size: int, filter_size: int = 11) -> dict:
    """The scales MS-SSIM can use at `image_size`: `{num_scales, power_factors, filter_size}`."""
    if image_size < filter_size:
        raise ValueError(
            f"MS-SSIM with filter_size={filter_size} needs images of at least {filter_size} pixels, got {image_size}; "
            "pass a smaller filter_size."
        )
    n = 1
    while n < len(STANDARD_POWER_FACTORS) and image_size // 2**n >= filter_size:
        n += 1
    factors = np.asarray(STANDARD_POWER_FACTORS[:n])
    power_factors = tuple(float(f) for f in factors / factors.sum())
    return {"num_scales": n, "power_factors": power_factors, "filter_size": filter_size}


def _check_images(images, name="images"):
    images = np.asarray(images, np.float32)
    if images.ndim != 4 or images.shape[1] != images.shape[2]:
        raise ValueError(f"{name} must be square images [N, S, S, C] in [-1, 1], got shape {images.shape}.")
    return images


def pairwise_ms_ssim(images, num_pairs: int = 100, seed: int = 0, filter_size: int = 11, max_val: float = 2.0) -> float:
    """Mean MS-SSIM over `num_pairs` random pairs of distinct images (images in [-1, 1], so `max_val` 2)."""
    images = _check_images(images)
    if len(images) < 2:
        raise ValueError(f"MS-SSIM diversity needs at least 2 images, got {len(images)}.")
    settings = ms_ssim_settings(images.shape[1], filter_size)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, len(images), num_pairs)
    j = (i + rng.integers(1, len(images), num_pairs)) % len(images)  # j != i
    values = tf.image.ssim_multiscale(
        tf.constant(images[i]), tf.constant(images[j]), max_val,
        power_factors=settings["power_factors"], filter_size=filter_size,
    )
    return float(np.mean(values.numpy()))


def per_class_ms_ssim(images, labels, num_pairs: int = 100, seed: int = 0, filter_size: int = 11) -> dict:
    """{class id: mean MS-SSIM of random pairs within that class} for classes with at least 2 images."""
    images = _check_images(images)
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(f"Got {len(labels)} labels for {len(images)} images.")
    out = {}
    for c in np.unique(labels):
        members = images[labels == c]
        if len(members) >= 2:
            out[int(c)] = pairwise_ms_ssim(members, num_pairs, seed + int(c), filter_size)
    return out


def diversity_analysis(fake_images, fake_labels, real_images, real_labels, num_pairs: int = 100, seed: int = 0,
                       filter_size: int = 11) -> dict:
    """The paper's diversity analysis.

    Returns:
        dict with per-class `fake_ms_ssim` and `real_ms_ssim`, `real_max` (the threshold), the paper's
        `fraction_below_real_max` (classes whose sample MS-SSIM is below the largest real-class MS-SSIM) and the
        stricter `fraction_below_own_real` (below the same class's real MS-SSIM), plus the MS-SSIM settings.
    """
    fake = per_class_ms_ssim(fake_images, fake_labels, num_pairs, seed, filter_size)
    real = per_class_ms_ssim(real_images, real_labels, num_pairs, seed, filter_size)
    if not fake or not real:
        raise ValueError("Each of fake and real images needs at least one class with 2 or more images.")
    real_max = max(real.values())
    classes = sorted(fake)
    return {
        "fake_ms_ssim": fake,
        "real_ms_ssim": real,
        "real_max": real_max,
        "fraction_below_real_max": float(np.mean([fake[c] < real_max for c in classes])),
        "fraction_below_own_real": float(np.mean([fake[c] < real[c] for c in classes if c in real])),
        "mean_fake_ms_ssim": float(np.mean(list(fake.values()))),
        "mean_real_ms_ssim": float(np.mean(list(real.values()))),
        "ms_ssim": ms_ssim_settings(np.asarray(fake_images).shape[1], filter_size),
    }


def _default_network():
    from tfgan_zoo.evaluation.digits import DigitsFeatureNetwork

    return DigitsFeatureNetwork()


def sample_classifier_accuracy(images, labels, network=None) -> dict:
    """Discriminability: the classifier's accuracy on `images` whose intended classes are `labels`.

    Args:
        network: anything with `predict_labels(images) → int array` (default: the shipped digits classifier).
    Returns:
        `{"accuracy": float, "per_class_accuracy": {class: float}}`.
    """
    images = _check_images(images)
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(f"Got {len(labels)} labels for {len(images)} images.")
    network = network or _default_network()
    predicted = np.asarray(network.predict_labels(images)).reshape(-1)
    correct = predicted == labels
    return {
        "accuracy": float(correct.mean()),
        "per_class_accuracy": {int(c): float(correct[labels == c].mean()) for c in np.unique(labels)},
    }


def resize_down_up(images, low_size: int):
    """Images resized (bilinear) to `low_size` and back: what a `low_size` model upsampled would show."""
    images = _check_images(images)
    size = images.shape[1]
    low = tf.image.resize(images, (low_size, low_size), method="bilinear", antialias=True)
    return tf.image.resize(low, (size, size), method="bilinear").numpy()


def resized_discriminability(images, labels, low_sizes=(16, 8), network=None) -> dict:
    """{size: accuracy} for the original images and for each down-then-up resized copy."""
    images = _check_images(images)
    network = network or _default_network()
    out = {images.shape[1]: sample_classifier_accuracy(images, labels, network)["accuracy"]}
    for s in low_sizes:
        out[int(s)] = sample_classifier_accuracy(resize_down_up(images, s), labels, network)["accuracy"]
    return out


def acgan_analysis(model, num_per_class: int = 100, seed: int = 0, real_images=None, real_labels=None,
                   network=None, num_pairs: int = 100, filter_size: int = 11) -> dict:
    """Both analyses for a class-conditional zoo model (`model.generate(n, seed, labels=...)`).

    The real reference defaults to the bundled digits at the model's resolution (training split).
    """
    task = getattr(model, "task", None)
    if task is None or not task.labels:
        raise ValueError(f"acgan_analysis needs a class-conditional model (its task takes labels), got {model!r}.")
    labels = np.repeat(np.arange(model.num_classes), num_per_class).astype(np.int32)
    images = model.generate(len(labels), seed=seed, labels=labels)
    if images.shape[-1] != 1:
        images = images.mean(axis=-1, keepdims=True) if network is None else images
    if real_images is None:
        from tfgan_zoo.data import load_arrays

        real_images, real_labels = load_arrays("digits", model.image_size, 1)
    network = network or _default_network()
    return {
        "discriminability": sample_classifier_accuracy(images, labels, network),
        "resized_discriminability": resized_discriminability(images, labels, network=network),
        "real_discriminability": sample_classifier_accuracy(real_images, real_labels, network)["accuracy"],
        "diversity": diversity_analysis(images, labels, real_images, real_labels, num_pairs, seed, filter_size),
    }
