"""Gaussian / Laplacian image pyramids (Burt & Adelson 1983) as used by LAPGAN (Denton et al. 2015).

d(·) halves the resolution (2×2 box filter then subsampling: `PyramidDownsample`), u(·) doubles it (bilinear,
half-pixel centres: `PyramidUpsample`). With the Gaussian pyramid I_0 = I, I_{k+1} = d(I_k), the Laplacian
pyramid is h_k = I_k - u(I_{k+1}) for k < K plus the low-pass residual I_K, and the image is recovered exactly by
I_k = u(I_{k+1}) + h_k from k = K-1 down to 0 (exact for *any* u, since h_k was defined with the same u).

The layers are plain Keras layers (builtin ops only: average pooling and bilinear resize), so a LAPGAN cascade
that uses them exports to SavedModel and TFLite.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class PyramidDownsample(keras.layers.Layer):
    """d(·): `[B, H, W, C]` → `[B, H/2, W/2, C]`, the mean of each 2×2 block. H and W must be even."""

    def call(self, inputs):
        return keras.ops.average_pool(inputs, pool_size=2, strides=2, padding="valid")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        return (b, None if h is None else h // 2, None if w is None else w // 2, c)


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class PyramidUpsample(keras.layers.Layer):
    """u(·): `[B, H, W, C]` → `[B, 2H, 2W, C]` by bilinear interpolation (half-pixel centres)."""

    def call(self, inputs):
        shape = keras.ops.shape(inputs)
        return keras.ops.image.resize(inputs, (shape[1] * 2, shape[2] * 2), interpolation="bilinear")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        return (b, None if h is None else h * 2, None if w is None else w * 2, c)


_DOWN = PyramidDownsample()
_UP = PyramidUpsample()


def downsample(images):
    """d(·) as a function; the output has the input's dtype (float16 under mixed precision too)."""
    images = tf.convert_to_tensor(images)
    return tf.cast(_DOWN(images), images.dtype)


def upsample(images):
    """u(·) as a function; the output has the input's dtype."""
    images = tf.convert_to_tensor(images)
    return tf.cast(_UP(images), images.dtype)


def _check(images, levels):
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
        raise ValueError(f"Pyramids take image batches [B, H, W, C], got shape {images.shape}.")
    if levels < 1:
        raise ValueError(f"levels must be >= 1, got {levels}.")
    h, w = images.shape[1], images.shape[2]
    factor = 2**levels
    if h is not None and w is not None and (h % factor or w % factor):
        raise ValueError(
            f"A {levels}-level pyramid halves {levels} times: H and W must be multiples of {factor}, got {h}×{w}. "
            "Resize or crop the images first."
        )
    return images


def gaussian_pyramid(images, levels):
    """[I_0 = images, I_1 = d(I_0), ..., I_levels], finest first."""
    images = _check(images, levels)
    out = [images]
    for _ in range(levels):
        out.append(downsample(out[-1]))
    return out


def laplacian_pyramid(images, levels):
    """[h_0, ..., h_{levels-1}, I_levels]: band-pass residuals h_k = I_k - u(I_{k+1}) finest first, then the
    low-pass image."""
    g = gaussian_pyramid(images, levels)
    return [g[k] - upsample(g[k + 1]) for k in range(levels)] + [g[-1]]


def reconstruct_from_laplacian_pyramid(pyramid):
    """Inverse of `laplacian_pyramid`: I_K, then I_k = u(I_{k+1}) + h_k down to I_0."""
    if len(pyramid) < 2:
        raise ValueError("A Laplacian pyramid has at least one band-pass level and the low-pass image; got "
                         f"{len(pyramid)} entries.")
    image = tf.convert_to_tensor(pyramid[-1])
    for h in reversed(pyramid[:-1]):
        image = upsample(image) + h
    return image
