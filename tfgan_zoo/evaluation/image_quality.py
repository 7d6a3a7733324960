"""Full-reference image quality for super-resolution and translation: PSNR and SSIM via `tf.image`.

Images are in [-1, 1] (the zoo's convention), so the dynamic range is 2. The super-resolution literature
(SRGAN, ESRGAN) usually reports both on the luminance channel Y (ITU-R BT.601, as MATLAB's `rgb2ycbcr`) with
`scale` pixels cropped from each border: `y_channel=True, crop_border=scale` reproduces that convention.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.evaluation._utils import check_images


def _prepare(a, b, crop_border: int, y_channel: bool):
    a, b = check_images(a, "images"), check_images(b, "reference")
    if a.shape != b.shape:
        raise ValueError(f"images and reference must have the same shape, got {a.shape} and {b.shape}.")
    a, b = tf.constant(a, tf.float64), tf.constant(b, tf.float64)
    max_val = 2.0
    if y_channel:
        if a.shape[-1] != 3:
            raise ValueError(f"y_channel=True needs RGB images, got {a.shape[-1]} channels.")
        weights = tf.constant([65.481, 128.553, 24.966], tf.float64) / 255.0

        def to_y(x):  # [-1, 1] RGB → Y in [16/255, 235/255]
            return tf.reduce_sum((x + 1.0) / 2.0 * weights, axis=-1, keepdims=True) + 16.0 / 255.0

        a, b, max_val = to_y(a), to_y(b), 1.0
    if crop_border:
        a = a[:, crop_border:-crop_border, crop_border:-crop_border, :]
        b = b[:, crop_border:-crop_border, crop_border:-crop_border, :]
    return a, b, max_val


def psnr(images, reference, crop_border: int = 0, y_channel: bool = False) -> np.ndarray:
    """Per-image PSNR in dB (`inf` for identical images)."""
    a, b, max_val = _prepare(images, reference, crop_border, y_channel)
    return tf.image.psnr(a, b, max_val=max_val).numpy()


def ssim(images, reference, crop_border: int = 0, y_channel: bool = False) -> np.ndarray:
    """Per-image SSIM (Wang et al. 2004: 11×11 Gaussian window, σ 1.5, k1 0.01, k2 0.03)."""
    a, b, max_val = _prepare(images, reference, crop_border, y_channel)
    return tf.image.ssim(a, b, max_val=max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03).numpy()
