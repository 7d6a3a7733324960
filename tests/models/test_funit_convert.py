"""The official FUNIT generator converter: synthetic checkpoints in NVlabs/FUNIT's `FewShotGen` key layout, written in
torch's file formats without torch, against a NumPy forward pass of the official architecture (the independent
reference) within 1e-4."""

import numpy as np
import pytest

from tests.pretrained.test_convert import (
    _ORDERED_DICT,
    _op_str,
    _state_dict_pickle,
    conv2d,
    instance_norm,
    relu,
    write_torch_legacy,
    write_torch_zip,
)
from tfgan_zoo.models.funit.funit_convert import funit_from_pytorch
from tfgan_zoo.utils.conversion import ConversionError

SIZE, C, NF, DOWNS, BLOCKS, CLASS_DOWNS, LATENT, NF_MLP, MLP_BLKS = 16, 3, 4, 2, 1, 2, 5, 8, 3


def official_state_dict(rng):
    """Random tensors under every key `FewShotGen(hp).state_dict()` has for the sizes above."""
    sd = {}

    def conv(key, o, i, k, bias=True):
        sd[f"{key}.weight"] = rng.normal(0, (2.0 / (i * k * k)) ** 0.5, (o, i, k, k)).astype("float32")
        if bias:
            sd[f"{key}.bias"] = rng.normal(0, 0.1, (o,)).astype("float32")

    conv("enc_class_model.model.0.conv", NF, C, 7)
    dim = NF
    for i in range(CLASS_DOWNS):
        out = dim * 2 if i < 2 else dim
        conv(f"enc_class_model.model.{i + 1}.conv", out, dim, 4)
        dim = out
    conv(f"enc_class_model.model.{CLASS_DOWNS + 2}", LATENT, dim, 1)
    conv("enc_content.model.0.conv", NF, C, 7)
    dim = NF
    for i in range(DOWNS):
        conv(f"enc_content.model.{i + 1}.conv", 2 * dim, dim, 4)
        dim *= 2
    for b in range(BLOCKS):
        for j in range(2):
            conv(f"enc_content.model.{DOWNS + 1}.model.{b}.model.{j}.conv", dim, dim, 3)
    for b in range(BLOCKS):
        for j in range(2):
            conv(f"dec.model.0.model.{b}.model.{j}.conv", dim, dim, 3)
            sd[f"dec.model.0.model.{b}.model.{j}.norm.running_mean"] = np.zeros(dim, "float32")
            sd[f"dec.model.0.model.{b}.model.{j}.norm.running_var"] = np.ones(dim, "float32")
    for i in range(DOWNS):
        conv(f"dec.model.{2 * i + 2}.conv", dim // 2, dim, 5)
        dim //= 2
    conv(f"dec.model.{2 * DOWNS + 1}.conv", C, dim, 7)
    adain = 2 * NF * 2 ** DOWNS * 2 * BLOCKS
    sizes = [LATENT] + [NF_MLP] * (MLP_BLKS - 1) + [adain]
    for i in range(MLP_BLKS):
        sd[f"mlp.model.{i}.fc.weight"] = rng.normal(0, (1.0 / sizes[i]) ** 0.5, (sizes[i + 1], sizes[i])).astype(
            "float32")
        sd[f"mlp.model.{i}.fc.bias"] = rng.normal(0, 0.5, (sizes[i + 1],)).astype("float32")
    return sd


def _conv(sd, key, x, stride=1, pad=0):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="reflect")
    return conv2d(x, sd[f"{key}.weight"], sd.get(f"{key}.bias"), stride)


def official_forward(sd, content, class_images):
    """FewShotGen: content [N, C, H, W], class images [N, K, C, H, W] (K codes averaged per example) → [N, C, H, W]."""
    x = relu(instance_norm(_conv(sd, "enc_content.model.0.conv", content, pad=3)))
    for i in range(DOWNS):
        x = relu(instance_norm(_conv(sd, f"enc_content.model.{i + 1}.conv", x, 2, 1)))
    for b in range(BLOCKS):
        key = f"enc_content.model.{DOWNS + 1}.model.{b}.model"
        y = relu(instance_norm(_conv(sd, f"{key}.0.conv", x, pad=1)))
        x = x + instance_norm(_conv(sd, f"{key}.1.conv", y, pad=1))
    n, k = class_images.shape[:2]
    y = relu(_conv(sd, "enc_class_model.model.0.conv", class_images.reshape((n * k,) + class_images.shape[2:]), pad=3))
    for i in range(CLASS_DOWNS):
        y = relu(_conv(sd, f"enc_class_model.model.{i + 1}.conv", y, 2, 1))
    y = y.mean(axis=(2, 3), keepdims=True)
    code = _conv(sd, f"enc_class_model.model.{CLASS_DOWNS + 2}", y)[:, :, 0, 0].reshape(n, k, -1).mean(axis=1)
    p = code
    for i in range(MLP_BLKS):
        p = p @ sd[f"mlp.model.{i}.fc.weight"].T + sd[f"mlp.model.{i}.fc.bias"]
        p = relu(p) if i < MLP_BLKS - 1 else p

    def adain(h):
        nonlocal p
        c = h.shape[1]
        mean, std, p = p[:, :c], p[:, c : 2 * c], p[:, 2 * c :]
        return instance_norm(h) * std[:, :, None, None] + mean[:, :, None, None]

    for b in range(BLOCKS):
        key = f"dec.model.0.model.{b}.model"
        y = relu(adain(_conv(sd, f"{key}.0.conv", x, pad=1)))
        x = x + adain(_conv(sd, f"{key}.1.conv", y, pad=1))
    for i in range(DOWNS):
        x = x.repeat(2, axis=2).repeat(2, axis=3)
        x = relu(instance_norm(_conv(sd, f"dec.model.{2 * i + 2}.conv", x, pad=2)))
    return np.tanh(_conv(sd, f"dec.model.{2 * DOWNS + 1}.conv", x, pad=3))


def _inputs(rng, k):
    content = rng.uniform(-1, 1, (2, SIZE, SIZE, C)).astype("float32")
    shots = rng.uniform(-1, 1, (2, k, SIZE, SIZE, C)).astype("float32")
    return content, shots


@pytest.mark.parametrize("writer", [write_torch_zip, write_torch_legacy])
def test_official_generator_matches_the_numpy_reference(tmp_path, writer):
    rng = np.random.default_rng(0)
    sd = official_state_dict(rng)
    model, report = funit_from_pytorch(writer(tmp_path / "gen.pt", sd), image_size=SIZE, num_classes=3,
                                       d_filters=4, d_res_blks=2)
    assert report.ok and not report.unused and len(report.mapped) == sum(1 for k in sd if "norm" not in k)
    assert (model.g_filters, model.content_downs, model.g_res_blks, model.class_downs, model.latent_dim,
            model.mlp_filters, model.mlp_blks, model.channels) == (NF, DOWNS, BLOCKS, CLASS_DOWNS, LATENT, NF_MLP,
                                                                   MLP_BLKS, C)
    for k in (1, 3):
        content, shots = _inputs(rng, k)
        expected = official_forward(sd, content.transpose(0, 3, 1, 2).astype("float64"),
                                    shots.transpose(0, 1, 4, 2, 3).astype("float64")).transpose(0, 2, 3, 1)
        np.testing.assert_allclose(model.translate(content, shots), expected, atol=1e-4)
        assert np.abs(expected).max() > 0.05  # a real signal, not a saturated or vanishing output


def test_official_snapshot_with_gen_and_gen_test_converts(tmp_path):
    rng = np.random.default_rng(1)
    sd = official_state_dict(rng)
    body = _state_dict_pickle(sd)[2 + len(_ORDERED_DICT) : -1]  # the OrderedDict without the header and STOP
    snapshot = b"\x80\x02}(" + _op_str("gen") + _ORDERED_DICT + body + _op_str("gen_test") + _ORDERED_DICT + body
    path = write_torch_zip(tmp_path / "gen_00100000.pt", sd, data_pkl=snapshot + b"u.")
    model, report = funit_from_pytorch(path, image_size=SIZE, num_classes=3, d_filters=4, d_res_blks=2)
    assert report.ok
    content, shots = _inputs(rng, 2)
    expected = official_forward(sd, content.transpose(0, 3, 1, 2).astype("float64"),
                                shots.transpose(0, 1, 4, 2, 3).astype("float64")).transpose(0, 2, 3, 1)
    np.testing.assert_allclose(model.translate(content, shots), expected, atol=1e-4)
    with pytest.raises(ConversionError, match="which='dis' is not one of them"):
        funit_from_pytorch(path, which="dis", image_size=SIZE)


def test_unused_or_missing_tensors_are_refused_unless_not_strict(tmp_path):
    rng = np.random.default_rng(2)
    sd = official_state_dict(rng)
    sd["extra.weight"] = np.zeros(3, "float32")
    del sd["mlp.model.1.fc.bias"]
    path = write_torch_zip(tmp_path / "gen.pt", sd)
    with pytest.raises(ConversionError, match="does not map cleanly"):
        funit_from_pytorch(path, image_size=SIZE, num_classes=3, d_filters=4, d_res_blks=2)
    _, report = funit_from_pytorch(path, strict=False, image_size=SIZE, num_classes=3, d_filters=4, d_res_blks=2)
    assert report.unused == ["extra.weight"] and any("mlp.model.1.fc.bias" in m for m in report.missing)
    with pytest.raises(ConversionError, match="not a FUNIT FewShotGen state dict"):
        funit_from_pytorch(write_torch_zip(tmp_path / "other.pt", {"conv.weight": np.zeros((2, 2), "float32")}))
