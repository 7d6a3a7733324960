"""SRGAN converter: a synthetic BasicSR MSRResNet checkpoint (torch's zip format, written without torch) against an
independent NumPy forward pass of BasicSR's MSRResNet (NCHW, PyTorch pixel shuffle and bilinear upsampling)."""

import numpy as np
import pytest

from tests.pretrained.test_convert import conv2d, write_torch_zip
from tfgan_zoo.models.srgan.srgan_convert import srgan_from_pytorch
from tfgan_zoo.utils.conversion import ConversionError

NF, BLOCKS, C = 8, 2, 3


def _state(rng):
    sd = {}

    def conv(name, cin, cout):
        sd[f"{name}.weight"] = (rng.standard_normal((cout, cin, 3, 3)) / np.sqrt(9 * cin)).astype(np.float32)
        sd[f"{name}.bias"] = (rng.standard_normal(cout) * 0.1).astype(np.float32)

    conv("conv_first", C, NF)
    for i in range(BLOCKS):
        conv(f"body.{i}.conv1", NF, NF)
        conv(f"body.{i}.conv2", NF, NF)
    conv("upconv1", NF, 4 * NF)
    conv("upconv2", NF, 4 * NF)
    conv("conv_hr", NF, NF)
    conv("conv_last", NF, C)
    return sd


def _pixel_shuffle(x, r=2):
    """torch.nn.functional.pixel_shuffle on NCHW."""
    n, c, h, w = x.shape
    x = x.reshape(n, c // (r * r), r, r, h, w)
    return x.transpose(0, 1, 4, 2, 5, 3).reshape(n, c // (r * r), h * r, w * r)


def _bilinear_1d(length, scale):
    """PyTorch's align_corners=False interpolation matrix [out, in] (source index clamped at 0)."""
    out = np.zeros((length * scale, length))
    for o in range(length * scale):
        src = max((o + 0.5) / scale - 0.5, 0.0)
        i0 = min(int(np.floor(src)), length - 1)
        i1 = min(i0 + 1, length - 1)
        frac = src - i0
        out[o, i0] += 1 - frac
        out[o, i1] += frac
    return out


def _numpy_msrresnet(sd, x):
    lrelu = lambda t: np.where(t > 0, t, 0.1 * t)  # noqa: E731

    def c(name, t):
        return conv2d(t, sd[f"{name}.weight"].astype(np.float64), None, 1, 1) + sd[f"{name}.bias"][None, :, None, None]

    feat = lrelu(c("conv_first", x))
    out = feat
    for i in range(BLOCKS):
        out = out + c(f"body.{i}.conv2", np.maximum(c(f"body.{i}.conv1", out), 0))
    out = lrelu(_pixel_shuffle(c("upconv1", out)))
    out = lrelu(_pixel_shuffle(c("upconv2", out)))
    out = c("conv_last", lrelu(c("conv_hr", out)))
    rows, cols = _bilinear_1d(x.shape[2], 4), _bilinear_1d(x.shape[3], 4)
    return out + np.einsum("ij,ncjk,lk->ncil", rows, x, cols)


def test_msrresnet_matches_numpy_official_forward(tmp_path):
    rng = np.random.default_rng(0)
    sd = _state(rng)
    x = rng.uniform(-1, 1, (1, C, 5, 6))
    model = srgan_from_pytorch(write_torch_zip(tmp_path / "net_g.pth", sd))
    assert model.conversion_report.ok and len(model.conversion_report.mapped) == len(sd)
    assert model.generator_architecture == "msrresnet" and model.num_blocks == BLOCKS
    out = model.generator(np.transpose(x, (0, 2, 3, 1)).astype(np.float32)).numpy()
    np.testing.assert_allclose(out, np.transpose(_numpy_msrresnet(sd, x), (0, 2, 3, 1)), atol=1e-4)


def test_published_msrresnet_size_and_strict_errors(tmp_path):
    from tfgan_zoo.models.srgan import srgan_networks

    g = srgan_networks.build_msrresnet_generator(4, 3, 64, 16)
    assert sum(int(np.prod(v.shape)) for v in g.trainable_weights) == 1_517_571  # BasicSR MSRResNet_x4
    sd = _state(np.random.default_rng(1))
    sd["body.5.conv9.weight"] = np.zeros(3, np.float32)
    with pytest.raises(ConversionError, match="body.5.conv9"):
        srgan_from_pytorch(write_torch_zip(tmp_path / "extra.pth", sd))
    with pytest.raises(ConversionError, match="MSRResNet"):
        srgan_from_pytorch(write_torch_zip(tmp_path / "other.pth", {"x.weight": np.zeros(2, np.float32)}))
