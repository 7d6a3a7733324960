"""ESRGAN converter: synthetic RRDBNet checkpoints in the three official key layouts (torch's file formats written
without torch) against an independent NumPy forward pass of the official architecture (NCHW, PyTorch padding)."""

import numpy as np
import pytest

from tests.pretrained.test_convert import conv2d, write_torch_legacy, write_torch_zip
from tfgan_zoo.models.esrgan.esrgan_convert import esrgan_from_pytorch, read_architecture
from tfgan_zoo.utils.conversion import ConversionError

NF, GC, BLOCKS, C = 8, 4, 2, 3


def _official_state(rng):
    """BasicSR-layout RRDBNet(3, 3, nf=8, nb=2, gc=4) weights."""
    sd = {}

    def conv(name, cin, cout):
        sd[f"{name}.weight"] = (rng.standard_normal((cout, cin, 3, 3)) / np.sqrt(9 * cin)).astype(np.float32)
        sd[f"{name}.bias"] = (rng.standard_normal(cout) * 0.1).astype(np.float32)

    conv("conv_first", C, NF)
    for i in range(BLOCKS):
        for m in (1, 2, 3):
            for k in range(1, 5):
                conv(f"body.{i}.rdb{m}.conv{k}", NF + (k - 1) * GC, GC)
            conv(f"body.{i}.rdb{m}.conv5", NF + 4 * GC, NF)
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        conv(name, NF, NF)
    conv("conv_last", NF, C)
    return sd


def _numpy_rrdbnet(sd, x):
    """The official forward (BasicSR RRDBNet.forward) on NCHW float64."""
    lrelu = lambda t: np.where(t > 0, t, 0.2 * t)  # noqa: E731

    def c(name, t):
        return conv2d(t, sd[f"{name}.weight"].astype(np.float64), None, 1, 1) + sd[f"{name}.bias"][None, :, None, None]

    feat = c("conv_first", x)
    out = feat
    for i in range(BLOCKS):
        block_in = out
        for m in (1, 2, 3):
            feats = [out]
            for k in range(1, 5):
                feats.append(lrelu(c(f"body.{i}.rdb{m}.conv{k}", np.concatenate(feats, 1))))
            out = c(f"body.{i}.rdb{m}.conv5", np.concatenate(feats, 1)) * 0.2 + out
        out = out * 0.2 + block_in
    feat = feat + c("conv_body", out)
    for name in ("conv_up1", "conv_up2"):
        feat = lrelu(c(name, feat.repeat(2, axis=2).repeat(2, axis=3)))
    return c("conv_last", lrelu(c("conv_hr", feat)))


def _layout(sd, kind):
    if kind == "basicsr":
        return {"params_ema": sd}
    out = {}
    for key, value in sd.items():
        if kind == "arch":
            if key.startswith("body."):
                new = "RRDB_trunk." + key[len("body."):].replace(".rdb", ".RDB")
            else:
                new = key.replace("conv_body", "trunk_conv").replace("conv_up", "upconv").replace("conv_hr", "HRconv")
        else:  # the original sequential layout
            parts = key.split(".")
            if parts[0] == "body":
                new = f"model.1.sub.{parts[1]}.RDB{parts[2][3:]}.{parts[3]}.0.{parts[4]}"
            else:
                index = {"conv_first": 0, "conv_up1": 3, "conv_up2": 6, "conv_hr": 8, "conv_last": 10}.get(parts[0])
                new = f"model.1.sub.{BLOCKS}.{parts[1]}" if parts[0] == "conv_body" else f"model.{index}.{parts[1]}"
        out[new] = value
    return out


@pytest.mark.parametrize("kind", ["old", "arch", "basicsr"])
def test_converted_generator_matches_numpy_official_forward(tmp_path, kind):
    rng = np.random.default_rng(0)
    sd = _official_state(rng)
    x = rng.uniform(-1, 1, (1, C, 6, 5))
    expected = _numpy_rrdbnet(sd, x)
    tensors = _layout(sd, kind)
    if kind == "basicsr":  # BasicSR wraps the state dict: write the flat one and wrap it on read
        path = write_torch_zip(tmp_path / "net_g.pth", sd)
        import tfgan_zoo.models.esrgan.esrgan_convert as conv

        original = conv.load_torch_checkpoint
        conv.load_torch_checkpoint = lambda p: {"params_ema": original(p)}
        try:
            model = esrgan_from_pytorch(path)
        finally:
            conv.load_torch_checkpoint = original
    else:
        writer = write_torch_legacy if kind == "old" else write_torch_zip
        model = esrgan_from_pytorch(writer(tmp_path / "RRDB_x4.pth", tensors))
    assert model.conversion_report.ok and len(model.conversion_report.mapped) == len(sd)
    assert (model.g_filters, model.growth, model.num_blocks) == (NF, GC, BLOCKS)
    out = model.generator(np.transpose(x, (0, 2, 3, 1)).astype(np.float32)).numpy()
    np.testing.assert_allclose(out, np.transpose(expected, (0, 2, 3, 1)), atol=1e-4)


def test_strict_report_names_the_problem(tmp_path):
    sd = _official_state(np.random.default_rng(1))
    assert read_architecture(sd)["num_blocks"] == BLOCKS
    broken = dict(sd)
    broken.pop("conv_hr.bias")
    broken["extra.weight"] = np.zeros(3, np.float32)
    with pytest.raises(ConversionError) as err:
        esrgan_from_pytorch(write_torch_zip(tmp_path / "broken.pth", broken))
    text = str(err.value)
    assert "conv_hr" in text and "extra.weight" in text
    with pytest.raises(ConversionError, match="known layout"):
        esrgan_from_pytorch(write_torch_zip(tmp_path / "other.pth", {"foo.weight": np.zeros(3, np.float32)}))
