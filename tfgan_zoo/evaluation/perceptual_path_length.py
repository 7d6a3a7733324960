"""Perceptual path length (Karras et al. 2019, "A Style-Based Generator Architecture for GANs", §4.1).

PPL measures how much the image changes for a tiny step along an interpolation path in latent space:

    l = E[ d(G(i(z1, z2; t)), G(i(z1, z2; t + ε))) / ε² ],   t ~ U(0, 1), ε = 1e-4,

with `i` spherical interpolation (slerp) in Z, or linear interpolation (lerp) of the mapping outputs in W. The
"end" variant samples only the path endpoints (t = 0, as the official code: by symmetry t = 1 adds nothing).
Images come from the inference (EMA) generator with its stored (fixed) noise, as the official metric's
`randomize_noise=False`. Values outside the 1st/99th percentiles are rejected before taking the mean.

The paper's distance `d` is LPIPS on VGG16 (learned linear weights over unit-normalized VGG activations), whose
weights cannot be downloaded here. `distance_fn(images_a, images_b) -> [B]` is therefore an argument;
`feature_distance(feature_model)` builds the LPIPS-shaped distance (unit-normalize each feature map along
channels, squared difference, spatial mean, sum over the model's outputs) over any Keras model — without LPIPS'
learned per-channel weights, so figures are not comparable to published PPL numbers.

Example:
    >>> import keras, tfgan_zoo
    >>> from tfgan_zoo.evaluation import perceptual_path_length, feature_distance
    >>> m = tfgan_zoo.build_model("stylegan2", image_size=16, latent_dim=16, w_dim=16, fmap_base=64,
    ...                           fmap_max=16, mapping_layers=2)
    >>> feats = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(8, 3)])
    >>> r = perceptual_path_length(m, feature_distance(feats), num_samples=16, batch_size=8)
    >>> r["space"], r["num_samples"], r["ppl"] > 0
    ('w', 16, True)
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.style_based import StyleBasedGAN, slerp
from tfgan_zoo.evaluation._utils import downsample_to
from tfgan_zoo.evaluation.feature_network import convert_channels

SPACES = ("z", "w")
SAMPLINGS = ("full", "end")


def face_crop(images):
    """The official FFHQ/CelebA-HQ face crop: rows 3/8…7/8 and columns 2/8…6/8 of the image."""
    c = int(images.shape[1]) // 8
    return images[:, c * 3 : c * 7, c * 2 : c * 6, :]


def _apply_crop(images, crop):
    if crop is None:
        return images
    if crop == "face":
        return face_crop(images)
    if callable(crop):
        return crop(images)
    top, bottom, left, right = crop  # fractions of the height/width
    h, w = int(images.shape[1]), int(images.shape[2])
    return images[:, int(round(top * h)) : int(round(bottom * h)), int(round(left * w)) : int(round(right * w)), :]


def _check_crop(crop):
    if crop is None or crop == "face" or callable(crop):
        return
    ok = isinstance(crop, (tuple, list)) and len(crop) == 4
    if ok:
        top, bottom, left, right = (float(v) for v in crop)
        ok = 0.0 <= top < bottom <= 1.0 and 0.0 <= left < right <= 1.0
    if not ok:
        raise ValueError(
            f"crop must be None, 'face' (the paper's face crop), a callable images → images, or fractions "
            f"(top, bottom, left, right) with 0 <= top < bottom <= 1 and 0 <= left < right <= 1; got {crop!r}."
        )


def feature_distance(feature_model, preprocess: Callable | None = None, resize: bool = True,
                     epsilon: float = 1e-10) -> Callable:
    """LPIPS-shaped squared L2 distance over unit-normalized features of a Keras model.

    For each output of `feature_model` (one or several feature maps, e.g. a VGG16 truncated at several layers):
    features are normalized to unit length along channels (at every location of a `[B, H, W, C]` map, or over the
    whole vector of a `[B, D]` output), the squared difference is summed over channels and averaged over
    locations; the per-output values are summed. This is LPIPS without its learned per-channel weights.

    Args:
        feature_model: a Keras model (or any callable images → tensor / list of tensors), e.g.
            `keras.applications.VGG16(weights=None, include_top=False)` or the digits classifier's feature layer.
        preprocess: callable applied to images in [-1, 1] before the model (e.g. `lambda x: vgg16.preprocess_input(
            (x + 1) * 127.5)`); None passes them unchanged.
        resize: bilinearly resize to the model's static input size and convert channels (1↔3) when they differ.
        epsilon: added under the normalizing square root.

    Returns:
        `distance(images_a, images_b) -> [B]` (float32 tensor).
    """
    in_shape = getattr(feature_model, "input_shape", None)
    if isinstance(in_shape, list):
        in_shape = in_shape[0]

    def prepare(x):
        x = tf.convert_to_tensor(x, tf.float32)
        if resize and in_shape is not None and len(in_shape) == 4:
            size = tuple(in_shape[1:3])
            if None not in size and tuple(x.shape[1:3]) != size:
                x = tf.image.resize(x, size, method="bilinear")
            if in_shape[3] is not None and x.shape[-1] != in_shape[3]:
                x = convert_channels(x, int(in_shape[3]))
        return preprocess(x) if preprocess is not None else x

    def outputs(x):
        x = prepare(x)
        out = feature_model(x, training=False) if hasattr(feature_model, "layers") else feature_model(x)
        if isinstance(out, dict):
            out = list(out.values())
        return out if isinstance(out, (list, tuple)) else [out]

    def unit(f):
        return f * tf.math.rsqrt(tf.reduce_sum(tf.square(f), axis=-1, keepdims=True) + epsilon)

    def distance(images_a, images_b):
        total = 0.0
        for fa, fb in zip(outputs(images_a), outputs(images_b)):
            fa, fb = tf.cast(fa, tf.float32), tf.cast(fb, tf.float32)
            if fa.shape.rank > 2:
                fa = tf.reshape(fa, [tf.shape(fa)[0], -1, fa.shape[-1]])
                fb = tf.reshape(fb, [tf.shape(fb)[0], -1, fb.shape[-1]])
                d = tf.reduce_mean(tf.reduce_sum(tf.square(unit(fa) - unit(fb)), axis=-1), axis=1)
            else:
                d = tf.reduce_sum(tf.square(unit(fa) - unit(fb)), axis=-1)
            total = total + d
        return total

    return distance


def reject_outliers_mean(values) -> float:
    """Mean of the values within [1st percentile (lower), 99th percentile (higher)], as the official metric."""
    values = np.asarray(values, np.float64).reshape(-1)
    lo = np.percentile(values, 1, method="lower")
    hi = np.percentile(values, 99, method="higher")
    return float(np.mean(values[(values >= lo) & (values <= hi)]))


def perceptual_path_length(
    model,
    distance_fn: Callable | None = None,
    num_samples: int = 100_000,
    space: str = "w",
    sampling: str = "full",
    epsilon: float = 1e-4,
    crop=None,
    max_size: int | None = 256,
    batch_size: int = 32,
    seed: int = 0,
    distance_name: str | None = None,
) -> dict:
    """Perceptual path length of a style-based zoo model (`stylegan`, `stylegan2`).

    Args:
        model: a `StyleBasedGAN` (its inference generator's mapping and synthesis are used).
        distance_fn: `distance(images_a, images_b) -> [B]` for images in [-1, 1] (e.g. `feature_distance(vgg)`).
        num_samples: number of latent pairs (100,000 in the paper).
        space: 'z' (slerp of the latents) or 'w' (lerp of the mapping outputs).
        sampling: 'full' (t ~ U(0, 1)) or 'end' (t = 0, the path endpoints).
        epsilon: the step (1e-4).
        crop: None (default), 'face' (the paper's crop for face datasets), fractions (top, bottom, left, right),
            or a callable images → images.
        max_size: images larger than this are box-downsampled by an integer factor (the official 256); None: never.
        batch_size: pairs per batch.
        seed: seed of the latents and the t values (results are deterministic for a seed).
        distance_name: recorded in the result (defaults to the function's name).

    Returns:
        dict `{ppl, num_samples, space, epsilon, distance}` (plus `sampling`, `std` and `rejected`).
    """
    if not isinstance(model, StyleBasedGAN):
        raise ValueError(
            f"perceptual_path_length needs a style-based zoo model (a StyleBasedGAN such as 'stylegan' or "
            f"'stylegan2', with a mapping and a synthesis network); got {type(model).__name__}. Build one with "
            "tfgan_zoo.build_model('stylegan2', ...)."
        )
    if space not in SPACES:
        raise ValueError(f"space must be 'z' (slerp in Z) or 'w' (lerp in W), got {space!r}.")
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be 'full' (t ~ U(0, 1)) or 'end' (path endpoints), got {sampling!r}.")
    if not np.isfinite(epsilon) or epsilon <= 0:
        raise ValueError(f"epsilon must be a positive step such as 1e-4 (the paper's), got {epsilon}.")
    if int(num_samples) < 1 or int(batch_size) < 1:
        raise ValueError(f"num_samples and batch_size must be >= 1, got {num_samples} and {batch_size}.")
    if distance_fn is None or not callable(distance_fn):
        raise ValueError(
            "distance_fn is required: a callable (images_a, images_b) -> [B] distances. The paper's LPIPS/VGG16 "
            "weights cannot be downloaded here; use feature_distance(keras_model), e.g. feature_distance("
            "keras.applications.VGG16(weights=<local file>, include_top=False)) or the digits classifier features."
        )
    _check_crop(crop)
    num_samples, batch_size = int(num_samples), int(batch_size)
    mapping, _, synthesis = model.parts()
    # Separate streams for the latents and the t values, drawn per pair in order: the samples do not depend on
    # batch_size.
    z_rng, t_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    distances = []
    done = 0
    while done < num_samples:
        b = min(batch_size, num_samples - done)
        z = z_rng.standard_normal((b, 2, model.latent_dim)).astype(np.float32)
        t = t_rng.uniform(0.0, 1.0, size=(b,)).astype(np.float32) if sampling == "full" else np.zeros(b, np.float32)
        za, zb = tf.constant(z[:, 0]), tf.constant(z[:, 1])
        t0, t1 = tf.constant(t), tf.constant(t + np.float32(epsilon))
        if space == "z":
            w0 = mapping(slerp(za, zb, t0), training=False)
            w1 = mapping(slerp(za, zb, t1), training=False)
        else:
            wa = mapping(za, training=False)
            wb = mapping(zb, training=False)
            w0 = wa + t0[:, None] * (wb - wa)
            w1 = wa + t1[:, None] * (wb - wa)
        ws = tf.concat([w0, w1], axis=0)
        ws = tf.tile(ws[:, None, :], [1, model.num_ws, 1])
        # Raw synthesis output (not clipped), as the official metric.
        images = tf.cast(synthesis(ws, training=False), tf.float32)
        images = downsample_to(_apply_crop(images, crop), max_size)
        d = distance_fn(images[:b], images[b:])
        d = np.asarray(d, np.float64).reshape(-1)
        if d.shape[0] != b:
            raise ValueError(f"distance_fn must return one distance per image pair ([{b}]), got shape {d.shape}.")
        distances.append(d / (epsilon**2))
        done += b
    values = np.concatenate(distances)
    if not np.all(np.isfinite(values)):
        raise ValueError("distance_fn returned non-finite distances; check its inputs' range and preprocessing.")
    ppl = reject_outliers_mean(values)
    lo, hi = np.percentile(values, 1, method="lower"), np.percentile(values, 99, method="higher")
    return {
        "ppl": ppl,
        "num_samples": num_samples,
        "space": space,
        "epsilon": float(epsilon),
        "distance": distance_name or getattr(distance_fn, "__name__", type(distance_fn).__name__),
        "sampling": sampling,
        "std": float(np.std(values)),
        "rejected": int(np.sum((values < lo) | (values > hi))),
    }


__all__ = ["face_crop", "feature_distance", "perceptual_path_length", "reject_outliers_mean"]
