"""Converters from official PyTorch pix2pix/CycleGAN checkpoints, tested without torch.

Synthetic checkpoints carry the official key names and shapes (junyanz/pytorch-CycleGAN-and-pix2pix
`UnetGenerator` / `ResnetGenerator`) with random values, written in torch's real zip and legacy file formats by a
small pickle writer below. A NumPy forward pass written from the official architecture (PyTorch padding
semantics, BatchNorm in eval mode, dropout off, NCHW) is the reference the converted Keras models must match.
"""

import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

from tfgan_zoo.pretrained.convert import (
    ConversionError,
    UnsafeCheckpointError,
    cyclegan_generator_from_pytorch,
    load_torch_state_dict,
    pix2pix_from_pytorch,
)

# ----------------------------------------------------------------------------- torch file writer (no torch)


def _op_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _op_int(i):
    return b"J" + struct.pack("<i", int(i))


def _op_tuple(items):
    return b"(" + b"".join(items) + b"t"


_ORDERED_DICT = b"ccollections\nOrderedDict\n)R"


def _state_dict_pickle(tensors, legacy=False):
    """Protocol-2 pickle of an OrderedDict of tensors exactly as torch.save lays it out (persistent storages)."""
    out = [b"\x80\x02", _ORDERED_DICT, b"("]
    for i, (name, array) in enumerate(tensors.items()):
        storage_type = {np.dtype("float32"): "FloatStorage", np.dtype("int64"): "LongStorage"}[array.dtype]
        pid = [_op_str("storage"), b"ctorch\n" + storage_type.encode() + b"\n", _op_str(str(i)), _op_str("cpu"),
               _op_int(array.size)]
        if legacy:
            pid.append(b"N")  # no view
        strides = [int(np.prod(array.shape[d + 1:])) for d in range(array.ndim)]
        args = _op_tuple([_op_tuple(pid) + b"Q", _op_int(0), _op_tuple([_op_int(s) for s in array.shape]),
                          _op_tuple([_op_int(s) for s in strides]), b"\x89", _ORDERED_DICT])
        out += [_op_str(name), b"ctorch._utils\n_rebuild_tensor_v2\n" + args + b"R"]
    out += [b"u", b"."]
    return b"".join(out)


def write_torch_zip(path, tensors, data_pkl=None):
    """torch >= 1.6 `torch.save` layout: archive/data.pkl, archive/data/<key>, archive/version, archive/byteorder."""
    tensors = {k: np.require(v, requirements="C") for k, v in tensors.items()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", data_pkl if data_pkl is not None else _state_dict_pickle(tensors))
        zf.writestr("archive/byteorder", "little")
        for i, array in enumerate(tensors.values()):
            zf.writestr(f"archive/data/{i}", array.astype(array.dtype.newbyteorder("<")).tobytes())
        zf.writestr("archive/version", "3\n")
    return path


def write_torch_legacy(path, tensors):
    """torch < 1.6 layout: magic, protocol, sys info, state-dict pickle, key list, then (count, bytes) per storage."""
    tensors = {k: np.require(v, requirements="C") for k, v in tensors.items()}
    f = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}):
        f.write(pickle.dumps(header, protocol=2))
    f.write(_state_dict_pickle(tensors, legacy=True))
    f.write(pickle.dumps([str(i) for i in range(len(tensors))], protocol=2))
    for array in tensors.values():
        f.write(struct.pack("<q", array.size) + array.tobytes())
    path.write_bytes(f.getvalue())
    return path


# ----------------------------------------------------------------------------- the official architecture in NumPy


def conv2d(x, w, b=None, stride=1, pad=0):
    """torch.nn.functional.conv2d (NCHW, weight [O, I, kh, kw], symmetric zero padding)."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    kh, kw = w.shape[2:]
    oh, ow = (x.shape[2] - kh) // stride + 1, (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i: i + stride * (oh - 1) + 1: stride, j: j + stride * (ow - 1) + 1: stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out if b is None else out + b[None, :, None, None]


def conv_transpose2d(x, w, b=None, stride=2, pad=1, output_padding=0):
    """torch.nn.functional.conv_transpose2d (weight [I, O, kh, kw])."""
    n, _, h, wd = x.shape
    kh, kw = w.shape[2:]
    full = np.zeros((n, w.shape[1], (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(kh):
        for j in range(kw):
            full[:, :, i: i + stride * (h - 1) + 1: stride, j: j + stride * (wd - 1) + 1: stride] += np.einsum(
                "nchw,co->nohw", x, w[:, :, i, j])
    oh, ow = (h - 1) * stride - 2 * pad + kh + output_padding, (wd - 1) * stride - 2 * pad + kw + output_padding
    out = full[:, :, pad: pad + oh, pad: pad + ow]
    return out if b is None else out + b[None, :, None, None]


def batch_norm(x, sd, key):
    mean, var = sd[f"{key}.running_mean"], sd[f"{key}.running_var"]
    return ((x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
            * sd[f"{key}.weight"][None, :, None, None] + sd[f"{key}.bias"][None, :, None, None])


def instance_norm(x, sd=None, key=None):
    """InstanceNorm2d; with affine=True (the state dict has `{key}.weight`/`.bias`) its scale and shift."""
    mean = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    y = (x - mean) / np.sqrt(var + 1e-5)
    if sd is not None and f"{key}.weight" in sd:
        y = y * sd[f"{key}.weight"][None, :, None, None] + sd[f"{key}.bias"][None, :, None, None]
    return y


def leaky_relu(x):
    return np.where(x > 0, x, 0.2 * x)


def relu(x):
    return np.maximum(x, 0)


def random_batch_norm(rng, key, c):
    """A BatchNorm2d's state-dict entries (affine + running statistics) with random values."""
    return {
        f"{key}.weight": rng.uniform(0.5, 1.5, c).astype(np.float32),
        f"{key}.bias": rng.normal(0, 0.2, c).astype(np.float32),
        f"{key}.running_mean": rng.normal(0, 0.2, c).astype(np.float32),
        f"{key}.running_var": rng.uniform(0.5, 2.0, c).astype(np.float32),
        f"{key}.num_batches_tracked": np.array(1234, np.int64),
    }


def official_unet_state_dict(rng, input_nc, output_nc, num_downs, ngf, norm="batch"):
    """Keys and shapes of UnetGenerator(input_nc, output_nc, num_downs, ngf, norm_layer, use_dropout=True)."""
    use_bias = norm == "instance"
    sd = {}

    def conv(key, o, i, bias):
        sd[f"{key}.weight"] = rng.normal(0, 0.2, (o, i, 4, 4)).astype(np.float32)
        if bias:
            sd[f"{key}.bias"] = rng.normal(0, 0.2, (o,)).astype(np.float32)

    def convt(key, i, o, bias):
        sd[f"{key}.weight"] = rng.normal(0, 0.2, (i, o, 4, 4)).astype(np.float32)
        if bias:
            sd[f"{key}.bias"] = rng.normal(0, 0.2, (o,)).astype(np.float32)

    def bn(key, c):
        if norm == "batch":
            sd.update(random_batch_norm(rng, key, c))

    # (outer_nc, inner_nc) from the outermost block inwards, as UnetGenerator builds them (inside out).
    blocks = [(output_nc, ngf), (ngf, ngf * 2), (ngf * 2, ngf * 4), (ngf * 4, ngf * 8)]
    blocks += [(ngf * 8, ngf * 8)] * (num_downs - 5) + [(ngf * 8, ngf * 8)]
    prefix = "model.model."
    for level, (outer, inner) in enumerate(blocks):
        if level == 0:
            conv(f"{prefix}0", inner, input_nc, use_bias)
            convt(f"{prefix}3", inner * 2, outer, True)
        elif level == len(blocks) - 1:
            conv(f"{prefix}1", inner, outer, use_bias)
            convt(f"{prefix}3", inner, outer, use_bias)
            bn(f"{prefix}4", outer)
        else:
            conv(f"{prefix}1", inner, outer, use_bias)
            bn(f"{prefix}2", inner)
            convt(f"{prefix}5", inner * 2, outer, use_bias)
            bn(f"{prefix}6", outer)
        prefix = f"{prefix}{1 if level == 0 else 3}.model."
    return sd


def official_unet_forward(sd, x, num_downs, norm="batch"):
    """UnetGenerator.forward in eval mode, block by block, including the in-place LeakyReLU's effect on the skip."""
    nrm = batch_norm if norm == "batch" else instance_norm

    def bias(key):
        return sd.get(f"{key}.bias")

    def block(prefix, level, x):
        if level == 0:  # outermost: [downconv, submodule, uprelu, upconv, tanh]
            h = conv2d(x, sd[f"{prefix}0.weight"], bias(f"{prefix}0"), 2, 1)
            h = block(f"{prefix}1.model.", 1, h)
            return np.tanh(conv_transpose2d(relu(h), sd[f"{prefix}3.weight"], bias(f"{prefix}3")))
        x = leaky_relu(x)  # nn.LeakyReLU(0.2, True) rewrites the block input, which torch.cat then reads
        h = conv2d(x, sd[f"{prefix}1.weight"], bias(f"{prefix}1"), 2, 1)
        if level == num_downs - 1:  # innermost: [downrelu, downconv, uprelu, upconv, upnorm]
            h = nrm(conv_transpose2d(relu(h), sd[f"{prefix}3.weight"], bias(f"{prefix}3")), sd, f"{prefix}4")
        else:  # [downrelu, downconv, downnorm, submodule, uprelu, upconv, upnorm, (dropout: off in eval)]
            h = block(f"{prefix}3.model.", level + 1, nrm(h, sd, f"{prefix}2"))
            h = nrm(conv_transpose2d(relu(h), sd[f"{prefix}5.weight"], bias(f"{prefix}5")), sd, f"{prefix}6")
        return np.concatenate([x, h], axis=1)

    return block("model.model.", 0, x)


def random_instance_norm(rng, key, c):
    """An InstanceNorm2d(affine=True)'s state-dict entries with random values."""
    return {f"{key}.weight": rng.uniform(0.5, 1.5, c).astype(np.float32),
            f"{key}.bias": rng.normal(0, 0.2, c).astype(np.float32)}


def official_resnet_state_dict(rng, input_nc, output_nc, ngf, n_blocks, norm="instance", affine=False):
    """Keys and shapes of ResnetGenerator(input_nc, output_nc, ngf, norm_layer, use_dropout=False, n_blocks);
    `affine` gives InstanceNorm2d(affine=True)."""
    use_bias = norm == "instance"
    sd = {}

    def conv(key, o, i, k, bias=use_bias, transposed=False):
        sd[f"{key}.weight"] = rng.normal(0, 0.1, (i, o, k, k) if transposed else (o, i, k, k)).astype(np.float32)
        if bias:
            sd[f"{key}.bias"] = rng.normal(0, 0.1, (o,)).astype(np.float32)

    def bn(key, c):
        if norm == "batch":
            sd.update(random_batch_norm(rng, key, c))
        elif affine:
            sd.update(random_instance_norm(rng, key, c))

    conv("model.1", ngf, input_nc, 7)
    bn("model.2", ngf)
    conv("model.4", ngf * 2, ngf, 3)
    bn("model.5", ngf * 2)
    conv("model.7", ngf * 4, ngf * 2, 3)
    bn("model.8", ngf * 4)
    for b in range(n_blocks):
        conv(f"model.{10 + b}.conv_block.1", ngf * 4, ngf * 4, 3)
        bn(f"model.{10 + b}.conv_block.2", ngf * 4)
        conv(f"model.{10 + b}.conv_block.5", ngf * 4, ngf * 4, 3)
        bn(f"model.{10 + b}.conv_block.6", ngf * 4)
    up = 10 + n_blocks
    conv(f"model.{up}", ngf * 2, ngf * 4, 3, transposed=True)
    bn(f"model.{up + 1}", ngf * 2)
    conv(f"model.{up + 3}", ngf, ngf * 2, 3, transposed=True)
    bn(f"model.{up + 4}", ngf)
    conv(f"model.{up + 7}", output_nc, ngf, 7, bias=True)
    return sd


def official_resnet_forward(sd, x, n_blocks, norm="instance"):
    nrm = batch_norm if norm == "batch" else instance_norm

    def reflect(h, p):
        return np.pad(h, ((0, 0), (0, 0), (p, p), (p, p)), mode="reflect")

    h = relu(nrm(conv2d(reflect(x, 3), sd["model.1.weight"], sd.get("model.1.bias")), sd, "model.2"))
    for conv, n in ((4, 5), (7, 8)):
        h = relu(nrm(conv2d(h, sd[f"model.{conv}.weight"], sd.get(f"model.{conv}.bias"), 2, 1), sd, f"model.{n}"))
    for b in range(n_blocks):
        k = f"model.{10 + b}.conv_block"
        y = relu(nrm(conv2d(reflect(h, 1), sd[f"{k}.1.weight"], sd.get(f"{k}.1.bias")), sd, f"{k}.2"))
        y = nrm(conv2d(reflect(y, 1), sd[f"{k}.5.weight"], sd.get(f"{k}.5.bias")), sd, f"{k}.6")
        h = h + y
    up = 10 + n_blocks
    for conv, n in ((up, up + 1), (up + 3, up + 4)):
        h = conv_transpose2d(h, sd[f"model.{conv}.weight"], sd.get(f"model.{conv}.bias"), 2, 1, output_padding=1)
        h = relu(nrm(h, sd, f"model.{n}"))
    return np.tanh(conv2d(reflect(h, 3), sd[f"model.{up + 7}.weight"], sd[f"model.{up + 7}.bias"]))


def _nchw(x):
    return np.transpose(x, (0, 3, 1, 2))


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
def test_reader_round_trips_tensors_of_both_formats(tmp_path, fmt):
    rng = np.random.default_rng(0)
    tensors = {"a.weight": rng.normal(size=(3, 2, 4, 4)).astype(np.float32), "a.bias": np.arange(3, dtype=np.float32),
               "bn.num_batches_tracked": np.array(5, np.int64)}
    writer = write_torch_zip if fmt == "zip" else write_torch_legacy
    state = load_torch_state_dict(writer(tmp_path / "x.pth", tensors))
    assert list(state) == list(tensors)
    for k, v in tensors.items():
        np.testing.assert_array_equal(state[k], v)
        assert state[k].dtype == v.dtype and state[k].shape == v.shape


@pytest.mark.parametrize("norm", ["batch", "instance"])
def test_pix2pix_unet_conversion_matches_the_official_forward(tmp_path, norm):
    rng = np.random.default_rng(1)
    num_downs, ngf = 5, 4  # the smallest official U-Net (unet_32): 5 levels, 32x32
    sd = official_unet_state_dict(rng, 3, 2, num_downs, ngf, norm)
    model = pix2pix_from_pytorch(write_torch_zip(tmp_path / "latest_net_G.pth", sd), d_base_filters=4)
    report = model.conversion_report
    assert report.ok and not report.unused and not report.missing and not report.mismatched
    assert model.image_size == 32 and model.in_channels == 3 and model.out_channels == 2
    assert model.g_base_filters == ngf and model.normalization_kind == norm
    assert len(report.mapped) == sum(1 for k in sd if not k.endswith("num_batches_tracked"))
    if norm == "batch":  # the official outermost/innermost down convs have no bias: zero-filled, reported
        assert sorted(p for p, _, _ in report.filled) == ["enc1_conv/bias", "enc5_conv/bias"]
    else:  # InstanceNorm2d(affine=False): identity scale/shift
        assert {v for _, v, _ in report.filled} == {0.0, 1.0}
    x = rng.uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    expected = np.transpose(official_unet_forward(sd, _nchw(x).astype(np.float64), num_downs, norm), (0, 2, 3, 1))
    got = model.translate(x)
    assert got.shape == (2, 32, 32, 2)
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert np.abs(expected).max() > 0.1  # not a degenerate (all-zero) comparison


def test_cyclegan_resnet_conversion_matches_the_official_forward(tmp_path):
    rng = np.random.default_rng(2)
    sd = official_resnet_state_dict(rng, 3, 3, ngf=4, n_blocks=2)
    model = cyclegan_generator_from_pytorch(write_torch_legacy(tmp_path / "latest_net_G.pth", sd))
    assert model.conversion_report.ok and "resnet_2blocks" in model.conversion_report.architecture
    for size in (16, 20):  # any size divisible by 4, like the fully convolutional original
        x = rng.uniform(-1, 1, (2, size, size, 3)).astype(np.float32)
        expected = np.transpose(official_resnet_forward(sd, _nchw(x).astype(np.float64), 2), (0, 2, 3, 1))
        np.testing.assert_allclose(np.asarray(model(x, training=False)), expected, atol=1e-4)


def test_cyclegan_resnet_with_affine_instance_norm(tmp_path):
    """Instance norm trained with affine=True: its weight/bias convert into a generator built with affine=True."""
    rng = np.random.default_rng(8)
    sd = official_resnet_state_dict(rng, 3, 3, ngf=4, n_blocks=1, affine=True)
    model = cyclegan_generator_from_pytorch(write_torch_zip(tmp_path / "g.pth", sd), image_size=16)
    report = model.conversion_report
    assert report.ok and not report.filled and "affine instance norm" in report.architecture
    assert len(report.mapped) == len(sd)
    x = rng.uniform(-1, 1, (2, 16, 16, 3)).astype(np.float32)
    expected = np.transpose(official_resnet_forward(sd, _nchw(x).astype(np.float64), 1), (0, 2, 3, 1))
    np.testing.assert_allclose(np.asarray(model(x, training=False)), expected, atol=1e-4)
    plain = official_resnet_state_dict(rng, 3, 3, ngf=4, n_blocks=1)  # affine=False: no norm parameters at all
    assert not cyclegan_generator_from_pytorch(write_torch_zip(tmp_path / "p.pth", plain)).conversion_report.filled


def test_cyclegan_resnet_with_batch_norm(tmp_path):
    rng = np.random.default_rng(3)
    sd = official_resnet_state_dict(rng, 1, 3, ngf=4, n_blocks=1, norm="batch")
    model = cyclegan_generator_from_pytorch(write_torch_zip(tmp_path / "g.pth", sd), image_size=12)
    x = rng.uniform(-1, 1, (1, 12, 12, 1)).astype(np.float32)
    expected = np.transpose(official_resnet_forward(sd, _nchw(x).astype(np.float64), 1, "batch"), (0, 2, 3, 1))
    np.testing.assert_allclose(np.asarray(model(x, training=False)), expected, atol=1e-4)
    assert any(k.endswith("num_batches_tracked") for k, _ in model.conversion_report.ignored)


def test_report_lists_unused_keys_and_shape_mismatches(tmp_path):
    rng = np.random.default_rng(4)
    sd = official_unet_state_dict(rng, 3, 3, 5, 4)
    sd["model.model.1.model.2.running_var"] = np.ones(5, np.float32)  # 8 expected
    sd["extra.weight"] = np.zeros(2, np.float32)
    path = write_torch_zip(tmp_path / "g.pth", sd)
    with pytest.raises(ConversionError, match="extra.weight") as err:
        pix2pix_from_pytorch(path, d_base_filters=4)
    report = err.value.report
    assert report.unused == ["extra.weight"]
    assert report.mismatched == [("model.model.1.model.2.running_var", (5,), (8,))]
    model = pix2pix_from_pytorch(path, strict=False, d_base_filters=4)
    assert not model.conversion_report.ok and "shape mismatches" in str(model.conversion_report)


def test_wrong_kind_of_checkpoint_is_a_clear_error(tmp_path):
    rng = np.random.default_rng(5)
    resnet = write_torch_zip(tmp_path / "resnet.pth", official_resnet_state_dict(rng, 3, 3, 4, 1))
    with pytest.raises(ConversionError, match="cyclegan_generator_from_pytorch"):
        pix2pix_from_pytorch(resnet)
    unet = write_torch_zip(tmp_path / "unet.pth", official_unet_state_dict(rng, 3, 3, 5, 4))
    with pytest.raises(ConversionError, match="pix2pix_from_pytorch"):
        cyclegan_generator_from_pytorch(unet)
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a torch checkpoint"):
        load_torch_state_dict(tmp_path / "junk.pth")


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"echo pwned > {self.marker}",)


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
def test_malicious_pickle_is_refused_and_never_run(tmp_path, fmt):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"model.model.0.weight": _Exploit(marker)}, protocol=2)
    path = tmp_path / "evil.pth"
    if fmt == "zip":
        write_torch_zip(path, {}, data_pkl=payload)
    else:
        path.write_bytes(b"".join(pickle.dumps(h, protocol=2) for h in (0x1950A86A20F9469CFC6C, 1001, {})) + payload)
    with pytest.raises(UnsafeCheckpointError, match=r"refers to the global (posix|os|nt)\.system"):
        pix2pix_from_pytorch(path)
    assert not marker.exists()


def test_pickled_module_is_refused_with_the_fix(tmp_path):
    payload = b"\x80\x02ctorch.nn.modules.conv\nConv2d\n)R."  # what torch.save(model) would need
    with pytest.raises(UnsafeCheckpointError, match="state_dict"):
        load_torch_state_dict(write_torch_zip(tmp_path / "module.pth", {}, data_pkl=payload))


def test_unet_256_layout_of_the_official_releases_converts(tmp_path):
    """unet_256 (num_downs 8, three dropout blocks) as in facades_label2photo; narrow (ngf 2) to stay fast."""
    rng = np.random.default_rng(6)
    sd = official_unet_state_dict(rng, 3, 3, 8, 2)
    assert "model.model.1.model.3.model.3.model.3.model.3.model.3.model.1.weight" in sd  # the innermost down conv
    sd = {f"module.{k}": v for k, v in sd.items()}  # saved from a DataParallel wrapper
    model = pix2pix_from_pytorch(write_torch_zip(tmp_path / "latest_net_G.pth", sd), d_base_filters=2)
    assert model.image_size == 256 and "unet_256" in model.conversion_report.architecture
    x = rng.uniform(-1, 1, (1, 256, 256, 3)).astype(np.float32)
    plain = {k[len("module."):]: v for k, v in sd.items()}
    expected = np.transpose(official_unet_forward(plain, _nchw(x).astype(np.float64), 8), (0, 2, 3, 1))
    np.testing.assert_allclose(model.translate(x), expected, atol=1e-4)


def test_convert_command_line_writes_a_loadable_preset(tmp_path, capsys):
    from tfgan_zoo.pretrained import from_preset
    from tfgan_zoo.pretrained.convert import _cli

    rng = np.random.default_rng(7)
    path = write_torch_zip(tmp_path / "g.pth", official_unet_state_dict(rng, 3, 3, 5, 4))
    assert _cli(["pix2pix", str(path), "--out", str(tmp_path / "preset")]) == 0
    assert "tensors mapped" in capsys.readouterr().out
    x = rng.uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)
    np.testing.assert_allclose(from_preset(tmp_path / "preset").translate(x),
                               pix2pix_from_pytorch(path).translate(x), atol=1e-6)
    evil = tmp_path / "evil.pth"
    write_torch_zip(evil, {}, data_pkl=pickle.dumps(_Exploit(tmp_path / "pwned"), protocol=2))
    assert _cli(["cyclegan", str(evil)]) == 2 and "refusing" in capsys.readouterr().out
