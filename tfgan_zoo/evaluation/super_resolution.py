"""The super-resolution protocol `sr_photos`: PSNR / SSIM (Y channel, `scale` pixels of border cropped, as the
SRGAN / ESRGAN Set5-Set14-BSD100 tables) and a sharpness measure on the held-out bundled photographs
(`tfgan_zoo.data.photos.EVAL_PHOTOS`: coffee, chelsea, flower; centre crops of at most `max_size`² HR pixels,
LR by MATLAB's antialiased bicubic), for the model and for bicubic upscaling (MATLAB `imresize`) as the baseline.

Sharpness is the high-frequency energy ratio: the energy of the Laplacian of the output's Y channel divided by
that of the HR image's (1.0 = as much fine detail as the original; bicubic and PSNR-oriented models sit well
below 1, GAN models closer to or above it). It says nothing about whether the detail is correct; PSNR does.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from tfgan_zoo.data.photos import bicubic_upscale, eval_pairs
from tfgan_zoo.evaluation.image_quality import psnr, ssim

PROTOCOL = "sr_photos"
DEFAULT_MAX_SIZE = 192


def _luma(x):
    return ((x + 1.0) / 2.0 * np.array([65.481, 128.553, 24.966]) / 255.0).sum(-1) + 16.0 / 255.0


def high_frequency_ratio(images, reference, crop_border: int = 0) -> np.ndarray:
    """Per image: energy of the 4-neighbour Laplacian of `images`' Y channel / that of `reference` (RGB in [-1, 1];
    1-channel images are used as they are)."""
    a, b = np.asarray(images, np.float64), np.asarray(reference, np.float64)
    if a.shape != b.shape or a.ndim != 4:
        raise ValueError(f"images and reference must both be [N, H, W, C] of one shape; got {a.shape}, {b.shape}.")
    ya, yb = (_luma(a), _luma(b)) if a.shape[-1] == 3 else (a[..., 0], b[..., 0])
    if crop_border:
        ya = ya[:, crop_border:-crop_border, crop_border:-crop_border]
        yb = yb[:, crop_border:-crop_border, crop_border:-crop_border]

    def energy(y):
        lap = 4 * y[:, 1:-1, 1:-1] - y[:, :-2, 1:-1] - y[:, 2:, 1:-1] - y[:, 1:-1, :-2] - y[:, 1:-1, 2:]
        return (lap**2).mean(axis=(1, 2))

    return energy(ya) / np.maximum(energy(yb), 1e-12)


@dataclasses.dataclass
class SuperResolutionResult:
    """Per-image and mean PSNR (dB) / SSIM / sharpness of the model and of bicubic."""

    scale: int
    max_size: int | None
    images: list  # [{name, shape, model: {psnr, ssim, sharpness}, bicubic: {...}}]

    def mean(self, who: str, metric: str) -> float:
        return float(np.mean([r[who][metric] for r in self.images]))

    def margins(self, metric: str) -> dict:
        """{image name: model − bicubic} for `metric`."""
        return {r["name"]: r["model"][metric] - r["bicubic"][metric] for r in self.images}

    def summary(self) -> str:
        lines = [f"{PROTOCOL} (x{self.scale}, Y channel, border {self.scale} cropped, centre crops <= "
                 f"{self.max_size or 'full'} px): PSNR dB / SSIM / sharpness"]
        for r in self.images:
            m, b = r["model"], r["bicubic"]
            lines.append(f"  {r['name']:<8} model {m['psnr']:.2f} / {m['ssim']:.4f} / {m['sharpness']:.3f}   "
                         f"bicubic {b['psnr']:.2f} / {b['ssim']:.4f} / {b['sharpness']:.3f}")
        lines.append(f"  mean     model {self.mean('model', 'psnr'):.2f} / {self.mean('model', 'ssim'):.4f} / "
                     f"{self.mean('model', 'sharpness'):.3f}   bicubic {self.mean('bicubic', 'psnr'):.2f} / "
                     f"{self.mean('bicubic', 'ssim'):.4f} / {self.mean('bicubic', 'sharpness'):.3f}")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps({"protocol": PROTOCOL, **dataclasses.asdict(self)}, indent=2)


def _scores(out, hr, scale):
    out, hr = out[None].astype(np.float32), hr[None].astype(np.float32)
    return {"psnr": float(psnr(out, hr, crop_border=scale, y_channel=True)[0]),
            "ssim": float(ssim(out, hr, crop_border=scale, y_channel=True)[0]),
            "sharpness": float(high_frequency_ratio(out, hr, crop_border=scale)[0])}


def evaluate_super_resolution(model, max_size: int | None = DEFAULT_MAX_SIZE, tile: int | None = None,
                              pairs=None) -> SuperResolutionResult:
    """Scores `model.upscale` and bicubic on the held-out photos (or `pairs` of `(name, lr, hr)`)."""
    scale = int(model.scale)
    if getattr(model, "channels", 3) != 3:
        raise ValueError("The sr_photos protocol scores RGB models (channels=3).")
    pairs = eval_pairs(scale, max_size) if pairs is None else pairs
    records = []
    for name, lr, hr in pairs:
        out = np.clip(model.upscale(lr[None], tile=tile)[0], -1.0, 1.0)
        records.append({"name": name, "shape": list(hr.shape), "model": _scores(out, hr, scale),
                        "bicubic": _scores(bicubic_upscale(lr, scale), hr, scale)})
    return SuperResolutionResult(scale, max_size, records)
