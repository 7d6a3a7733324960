"""StyleGAN2 from the PyTorch ports (rosinality/stylegan2-pytorch, NVlabs/stylegan2-ada-pytorch) → the zoo's stylegan2.

Synthetic checkpoints carry each port's key names, shapes and buffers (noise images, resampling filters, w average)
with random values, written in torch's zip format without torch (a nested `{"g_ema", "latent_avg", "d", "args"}`
checkpoint for rosinality, flat `G_ema` / `D` state dicts for ada). The references are NumPy forward passes written
from each port's code (NCHW; rosinality's grouped modulated convolution, `conv_transpose2d` + `Blur` up-convolution,
`Upsample` of the skip image and `Blur` + strided convolution in D; ada's `modulated_conv2d`, `conv2d_resample` and
`upfirdn2d` padding arithmetic), with upfirdn2d implemented here from its definition (zero insertion, padding, FIR
convolution, decimation). The converted zoo networks must match them within 1e-4 at two resolutions each.
"""

import math
import struct
import zipfile

import numpy as np
import pytest
import tensorflow as tf

from tests.pretrained.test_convert import _ORDERED_DICT, _op_int, _op_str, _op_tuple, conv2d, conv_transpose2d
from tfgan_zoo.models.stylegan2.stylegan2_convert import stylegan2_from_ada_pytorch, stylegan2_from_rosinality
from tfgan_zoo.utils.conversion import ConversionError

SQRT2 = math.sqrt(2.0)
W_DIM, N_MLP = 16, 2
CHANNELS = {8: {4: 16, 8: 8}, 16: {4: 16, 8: 16, 16: 8}, 32: {4: 16, 8: 16, 16: 8, 32: 4}}


# ----------------------------------------------------------------------------- nested torch.save writer (no torch)
class Namespace:
    """Written as `argparse.Namespace` (rosinality's training checkpoints store their args)."""

    def __init__(self, **kw):
        self.kw = kw


def _pickle(obj, tensors):
    if isinstance(obj, np.ndarray):
        obj = np.require(obj, requirements="C")
        storage = {np.dtype("float32"): "FloatStorage", np.dtype("int64"): "LongStorage"}[obj.dtype]
        pid = _op_tuple([_op_str("storage"), b"ctorch\n" + storage.encode() + b"\n", _op_str(str(len(tensors))),
                         _op_str("cpu"), _op_int(obj.size)])
        tensors.append(obj)
        strides = [int(np.prod(obj.shape[d + 1:])) for d in range(obj.ndim)]
        args = _op_tuple([pid + b"Q", _op_int(0), _op_tuple([_op_int(s) for s in obj.shape]),
                          _op_tuple([_op_int(s) for s in strides]), b"\x89", _ORDERED_DICT])
        return b"ctorch._utils\n_rebuild_tensor_v2\n" + args + b"R"
    if isinstance(obj, Namespace):
        return b"cargparse\nNamespace\n)\x81}(" + b"".join(_op_str(k) + _pickle(v, tensors)
                                                          for k, v in obj.kw.items()) + b"ub"
    if isinstance(obj, dict):
        return _ORDERED_DICT + b"(" + b"".join(_op_str(k) + _pickle(v, tensors) for k, v in obj.items()) + b"u"
    if isinstance(obj, float):
        return b"G" + struct.pack(">d", obj)
    if isinstance(obj, int):
        return _op_int(obj)
    return _op_str(obj)


def write_torch_checkpoint(path, obj):
    tensors = []
    data = b"\x80\x02" + _pickle(obj, tensors) + b"."
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", data)
        zf.writestr("archive/byteorder", "little")
        for i, array in enumerate(tensors):
            zf.writestr(f"archive/data/{i}", array.astype(array.dtype.newbyteorder("<")).tobytes())
        zf.writestr("archive/version", "3\n")
    return path


# ----------------------------------------------------------------------------- shared NumPy ops
def upfirdn2d(x, kernel, up=1, down=1, pad=(0, 0)):
    """upfirdn2d from its definition: insert up−1 zeros after each sample, pad (negative crops), convolve with the
    FIR kernel (true convolution), keep every down-th sample. NCHW, same padding on both axes."""
    n, c, h, w = x.shape
    u = np.zeros((n, c, h * up, w * up))
    u[:, :, ::up, ::up] = x
    p0, p1 = pad
    u = np.pad(u, ((0, 0), (0, 0), (max(p0, 0), max(p1, 0)), (max(p0, 0), max(p1, 0))))
    u = u[:, :, max(-p0, 0): u.shape[2] - max(-p1, 0), max(-p0, 0): u.shape[3] - max(-p1, 0)]
    k = np.asarray(kernel, np.float64)[::-1, ::-1]
    kh, kw = k.shape
    oh, ow = u.shape[2] - kh + 1, u.shape[3] - kw + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(kh):
        for j in range(kw):
            out += u[:, :, i: i + oh, j: j + ow] * k[i, j]
    return out[:, :, ::down, ::down]


def fir(gain=1.0):
    k = np.outer([1.0, 3.0, 3.0, 1.0], [1.0, 3.0, 3.0, 1.0])
    return (k / k.sum() * gain).astype(np.float32)


def lrelu(x):
    return np.where(x > 0, x, 0.2 * x)


def _rn(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# ----------------------------------------------------------------------------- rosinality/stylegan2-pytorch
def rosinality_g(rng, size):
    ch, log2 = CHANNELS[size], int(math.log2(size))
    sd = {}
    for i in range(1, N_MLP + 1):  # EqualLinear(lr_mul=0.01): weight randn / lr_mul
        sd[f"style.{i}.weight"] = _rn(rng, W_DIM, W_DIM, scale=100.0)
        sd[f"style.{i}.bias"] = _rn(rng, W_DIM, scale=20.0)
    sd["input.input"] = _rn(rng, 1, ch[4], 4, 4)

    def styled(prefix, cin, cout, up):
        sd[f"{prefix}.conv.weight"] = _rn(rng, 1, cout, cin, 3, 3)
        sd[f"{prefix}.conv.modulation.weight"] = _rn(rng, cin, W_DIM)
        sd[f"{prefix}.conv.modulation.bias"] = 1.0 + _rn(rng, cin, scale=0.2)
        if up:
            sd[f"{prefix}.conv.blur.kernel"] = fir(4.0)
        sd[f"{prefix}.noise.weight"] = _rn(rng, 1, scale=0.5)
        sd[f"{prefix}.activate.bias"] = _rn(rng, cout, scale=0.3)

    def torgb(prefix, cin, up):
        if up:
            sd[f"{prefix}.upsample.kernel"] = fir(4.0)
        sd[f"{prefix}.conv.weight"] = _rn(rng, 1, 3, cin, 1, 1)
        sd[f"{prefix}.conv.modulation.weight"] = _rn(rng, cin, W_DIM)
        sd[f"{prefix}.conv.modulation.bias"] = 1.0 + _rn(rng, cin, scale=0.2)
        sd[f"{prefix}.bias"] = _rn(rng, 1, 3, 1, 1, scale=0.3)

    styled("conv1", ch[4], ch[4], False)
    torgb("to_rgb1", ch[4], False)
    cin = ch[4]
    for res in range(3, log2 + 1):
        j, cout = res - 3, ch[2**res]
        styled(f"convs.{2 * j}", cin, cout, True)
        styled(f"convs.{2 * j + 1}", cout, cout, False)
        torgb(f"to_rgbs.{j}", cout, True)
        cin = cout
    for i in range(2 * log2 - 3):
        sd[f"noises.noise_{i}"] = _rn(rng, 1, 1, 2 ** ((i + 5) // 2), 2 ** ((i + 5) // 2))
    return sd


def _ros_linear(x, sd, key, lr_mul=1.0, activate=False):
    w, b = sd[f"{key}.weight"], sd[f"{key}.bias"]
    out = x @ (w * (lr_mul / math.sqrt(w.shape[1]))).T
    return lrelu(out + b * lr_mul) * SQRT2 if activate else out + b * lr_mul


def _ros_modconv(x, sd, prefix, style, demodulate=True, upsample=False):
    weight = sd[f"{prefix}.conv.weight"][0].astype(np.float64)  # [out, in, k, k]
    k = weight.shape[-1]
    s = _ros_linear(style, sd, f"{prefix}.conv.modulation")
    outs = []
    for b in range(len(x)):  # the grouped convolution: one modulated kernel per sample
        wb = weight * s[b][None, :, None, None] / math.sqrt(weight.shape[1] * k * k)
        if demodulate:
            wb = wb / np.sqrt((wb**2).sum(axis=(1, 2, 3)) + 1e-8)[:, None, None, None]
        if upsample:
            y = conv_transpose2d(x[b: b + 1], wb.transpose(1, 0, 2, 3), None, 2, 0)
            outs.append(upfirdn2d(y, sd[f"{prefix}.conv.blur.kernel"], pad=(1, 1)))  # Blur(pad=(1, 1), ×4)
        else:
            outs.append(conv2d(x[b: b + 1], wb, None, 1, k // 2))
    return np.concatenate(outs)


def rosinality_g_forward(sd, latent_avg, z, psi=1.0):
    """Generator.forward([z], truncation=psi, truncation_latent=latent_avg, randomize_noise=False)."""
    w = z * (1.0 / np.sqrt(np.mean(z**2, axis=1, keepdims=True) + 1e-8))
    for i in range(1, N_MLP + 1):
        w = _ros_linear(w, sd, f"style.{i}", lr_mul=0.01, activate=True)
    if psi < 1:
        w = latent_avg + psi * (w - latent_avg)

    def styled(x, prefix, noise, upsample=False):
        x = _ros_modconv(x, sd, prefix, w, upsample=upsample)
        x = x + sd[f"{prefix}.noise.weight"] * sd[noise]
        return lrelu(x + sd[f"{prefix}.activate.bias"][None, :, None, None]) * SQRT2

    def torgb(x, prefix, skip=None):
        out = _ros_modconv(x, sd, prefix, w, demodulate=False) + sd[f"{prefix}.bias"]
        if skip is not None:
            out = out + upfirdn2d(skip, sd[f"{prefix}.upsample.kernel"], up=2, pad=(2, 1))  # Upsample
        return out

    x = np.repeat(sd["input.input"].astype(np.float64), len(z), axis=0)
    x = styled(x, "conv1", "noises.noise_0")
    skip = torgb(x, "to_rgb1")
    n = sum(1 for k in sd if k.startswith("to_rgbs.") and k.endswith(".conv.weight"))
    for j in range(n):
        x = styled(x, f"convs.{2 * j}", f"noises.noise_{2 * j + 1}", upsample=True)
        x = styled(x, f"convs.{2 * j + 1}", f"noises.noise_{2 * j + 2}")
        skip = torgb(x, f"to_rgbs.{j}", skip)
    return skip


def rosinality_d(rng, size):
    ch, log2 = CHANNELS[size], int(math.log2(size))
    sd = {"convs.0.0.weight": _rn(rng, ch[size], 3, 1, 1), "convs.0.1.bias": _rn(rng, ch[size], scale=0.3)}
    cin = ch[size]
    for i, res in enumerate(range(log2, 2, -1), start=1):
        cout = ch[2 ** (res - 1)]
        sd[f"convs.{i}.conv1.0.weight"] = _rn(rng, cin, cin, 3, 3)
        sd[f"convs.{i}.conv1.1.bias"] = _rn(rng, cin, scale=0.3)
        sd[f"convs.{i}.conv2.0.kernel"] = fir()
        sd[f"convs.{i}.conv2.1.weight"] = _rn(rng, cout, cin, 3, 3)
        sd[f"convs.{i}.conv2.2.bias"] = _rn(rng, cout, scale=0.3)
        sd[f"convs.{i}.skip.0.kernel"] = fir()
        sd[f"convs.{i}.skip.1.weight"] = _rn(rng, cout, cin, 1, 1)
        cin = cout
    sd["final_conv.0.weight"] = _rn(rng, ch[4], ch[4] + 1, 3, 3)
    sd["final_conv.1.bias"] = _rn(rng, ch[4], scale=0.3)
    sd["final_linear.0.weight"] = _rn(rng, ch[4], ch[4] * 16)
    sd["final_linear.0.bias"] = _rn(rng, ch[4], scale=0.3)
    sd["final_linear.1.weight"] = _rn(rng, 1, ch[4])
    sd["final_linear.1.bias"] = _rn(rng, 1, scale=0.3)
    return sd


def _ros_convlayer(x, sd, key, down=False, activate=True):
    """ConvLayer: [Blur, ] EqualConv2d(bias=False when activated) [, FusedLeakyReLU]; indices as in the port."""
    first = 1 if down else 0
    w = sd[f"{key}.{first}.weight"].astype(np.float64)
    k = w.shape[-1]
    w = w / math.sqrt(w.shape[1] * k * k)
    if down:
        p = 2 + (k - 1)
        x = upfirdn2d(x, sd[f"{key}.0.kernel"], pad=((p + 1) // 2, p // 2))
        x = conv2d(x, w, None, 2, 0)
    else:
        x = conv2d(x, w, None, 1, k // 2)
    if activate:
        x = lrelu(x + sd[f"{key}.{first + 1}.bias"][None, :, None, None]) * SQRT2
    return x


def rosinality_d_forward(sd, x):
    out = _ros_convlayer(x, sd, "convs.0")
    i = 1
    while f"convs.{i}.conv1.0.weight" in sd:
        h = _ros_convlayer(out, sd, f"convs.{i}.conv1")
        h = _ros_convlayer(h, sd, f"convs.{i}.conv2", down=True)
        out = (h + _ros_convlayer(out, sd, f"convs.{i}.skip", down=True, activate=False)) / SQRT2
        i += 1
    b, c, h, w = out.shape
    group = min(b, 4)
    y = out.reshape(group, -1, 1, c, h, w)
    y = np.sqrt(y.var(axis=0) + 1e-8).mean(axis=(2, 3, 4)).reshape(-1, 1, 1, 1)
    out = np.concatenate([out, np.tile(y, (group, 1, h, w))], axis=1)
    out = _ros_convlayer(out, sd, "final_conv").reshape(b, -1)
    out = _ros_linear(out, sd, "final_linear.0", activate=True)
    return _ros_linear(out, sd, "final_linear.1")


# ----------------------------------------------------------------------------- NVlabs/stylegan2-ada-pytorch
def ada_g(rng, size):
    ch, log2 = CHANNELS[size], int(math.log2(size))
    sd = {}
    for i in range(N_MLP):  # FullyConnectedLayer(lr_multiplier=0.01): weight randn / lr
        sd[f"mapping.fc{i}.weight"] = _rn(rng, W_DIM, W_DIM, scale=100.0)
        sd[f"mapping.fc{i}.bias"] = _rn(rng, W_DIM, scale=20.0)
    sd["mapping.w_avg"] = _rn(rng, W_DIM, scale=0.5)

    def layer(prefix, cin, cout, res):
        sd[f"{prefix}.affine.weight"] = _rn(rng, cin, W_DIM)
        sd[f"{prefix}.affine.bias"] = 1.0 + _rn(rng, cin, scale=0.2)
        sd[f"{prefix}.weight"] = _rn(rng, cout, cin, 3, 3)
        sd[f"{prefix}.noise_const"] = _rn(rng, res, res)
        sd[f"{prefix}.noise_strength"] = np.array(rng.normal() * 0.5, np.float32)
        sd[f"{prefix}.bias"] = _rn(rng, cout, scale=0.3)
        sd[f"{prefix}.resample_filter"] = fir()

    def torgb(prefix, cin):
        sd[f"{prefix}.affine.weight"] = _rn(rng, cin, W_DIM)
        sd[f"{prefix}.affine.bias"] = 1.0 + _rn(rng, cin, scale=0.2)
        sd[f"{prefix}.weight"] = _rn(rng, 3, cin, 1, 1)
        sd[f"{prefix}.bias"] = _rn(rng, 3, scale=0.3)

    sd["synthesis.b4.const"] = _rn(rng, ch[4], 4, 4)
    sd["synthesis.b4.resample_filter"] = fir()
    layer("synthesis.b4.conv1", ch[4], ch[4], 4)
    torgb("synthesis.b4.torgb", ch[4])
    for res in range(3, log2 + 1):
        r = 2**res
        sd[f"synthesis.b{r}.resample_filter"] = fir()
        layer(f"synthesis.b{r}.conv0", ch[r // 2], ch[r], r)
        layer(f"synthesis.b{r}.conv1", ch[r], ch[r], r)
        torgb(f"synthesis.b{r}.torgb", ch[r])
    return sd


def _ada_fc(x, sd, key, lr=1.0, act=False):
    w, b = sd[f"{key}.weight"], sd[f"{key}.bias"]
    x = x @ (w * (lr / math.sqrt(w.shape[1]))).T + b * lr
    return lrelu(x) * SQRT2 if act else x


def _ada_modulated_conv2d(x, weight, styles, demodulate, up, padding, f):
    outs = []
    for b in range(len(x)):
        w = weight.astype(np.float64) * styles[b][None, :, None, None]
        if demodulate:
            w = w / np.sqrt((w**2).sum(axis=(1, 2, 3)) + 1e-8)[:, None, None, None]
        if up == 1:
            outs.append(conv2d(x[b: b + 1], w, None, 1, padding))
            continue
        # conv2d_resample, up=2: px0 = padding + (fw + up − 1)//2 − (kw − 1), px1 = padding + (fw − up)//2 − (kw − up)
        kw, fw = w.shape[-1], f.shape[0]
        px0 = padding + (fw + up - 1) // 2 - (kw - 1)
        px1 = padding + (fw - up) // 2 - (kw - up)
        y = conv_transpose2d(x[b: b + 1], w.transpose(1, 0, 2, 3), None, up, 0)
        outs.append(upfirdn2d(y, f * up**2, pad=(px0, px1)))
    return np.concatenate(outs)


def ada_g_forward(sd, z, psi=1.0):
    """G_ema(z, None, truncation_psi=psi, noise_mode='const') of the 'skip' synthesis network."""
    x = z * (1.0 / np.sqrt(np.mean(z**2, axis=1, keepdims=True) + 1e-8))  # normalize_2nd_moment
    for i in range(N_MLP):
        x = _ada_fc(x, sd, f"mapping.fc{i}", lr=0.01, act=True)
    w = sd["mapping.w_avg"] + (x - sd["mapping.w_avg"]) * psi

    def layer(x, prefix, up):
        styles = _ada_fc(w, sd, f"{prefix}.affine")
        x = _ada_modulated_conv2d(x, sd[f"{prefix}.weight"], styles, True, up, 1, sd[f"{prefix}.resample_filter"])
        x = x + sd[f"{prefix}.noise_const"] * sd[f"{prefix}.noise_strength"]
        return lrelu(x + sd[f"{prefix}.bias"][None, :, None, None]) * SQRT2

    def torgb(x, prefix):
        weight = sd[f"{prefix}.weight"]
        styles = _ada_fc(w, sd, f"{prefix}.affine") / math.sqrt(weight.shape[1])
        return _ada_modulated_conv2d(x, weight, styles, False, 1, 0, None) + sd[f"{prefix}.bias"][None, :, None, None]

    x = np.repeat(sd["synthesis.b4.const"][None].astype(np.float64), len(z), axis=0)
    x = layer(x, "synthesis.b4.conv1", 1)
    img = torgb(x, "synthesis.b4.torgb")
    r = 8
    while f"synthesis.b{r}.conv0.weight" in sd:
        x = layer(x, f"synthesis.b{r}.conv0", 2)
        x = layer(x, f"synthesis.b{r}.conv1", 1)
        f = sd[f"synthesis.b{r}.resample_filter"]
        img = upfirdn2d(img, f * 4, up=2, pad=((4 + 2 - 1) // 2, (4 - 2) // 2)) + torgb(x, f"synthesis.b{r}.torgb")
        r *= 2
    return img


def ada_d(rng, size):
    ch, log2 = CHANNELS[size], int(math.log2(size))
    sd = {}

    def conv(prefix, cin, cout, k, bias=True):
        sd[f"{prefix}.weight"] = _rn(rng, cout, cin, k, k)
        if bias:
            sd[f"{prefix}.bias"] = _rn(rng, cout, scale=0.3)
        sd[f"{prefix}.resample_filter"] = fir()

    conv(f"b{size}.fromrgb", 3, ch[size], 1)
    for res in range(log2, 2, -1):
        r = 2**res
        conv(f"b{r}.conv0", ch[r], ch[r], 3)
        conv(f"b{r}.conv1", ch[r], ch[r // 2], 3)
        conv(f"b{r}.skip", ch[r], ch[r // 2], 1, bias=False)
        sd[f"b{r}.resample_filter"] = fir()
    conv("b4.conv", ch[4] + 1, ch[4], 3)
    sd["b4.fc.weight"], sd["b4.fc.bias"] = _rn(rng, ch[4], ch[4] * 16), _rn(rng, ch[4], scale=0.3)
    sd["b4.out.weight"], sd["b4.out.bias"] = _rn(rng, 1, ch[4]), _rn(rng, 1, scale=0.3)
    return sd


def _ada_conv(x, sd, prefix, act=True, down=1, gain=1.0):
    w = sd[f"{prefix}.weight"].astype(np.float64)
    kw = w.shape[-1]
    w = w / math.sqrt(w.shape[1] * kw * kw)
    padding = kw // 2
    if down == 2:  # conv2d_resample: px0 = padding + (fw − down + 1)//2, px1 = padding + (fw − down)//2
        f = sd[f"{prefix}.resample_filter"]
        pad = (padding + (4 - 2 + 1) // 2, padding + (4 - 2) // 2)
        if kw == 1:
            x = conv2d(upfirdn2d(x, f, down=2, pad=pad), w)
        else:
            x = conv2d(upfirdn2d(x, f, pad=pad), w, None, 2, 0)
    else:
        x = conv2d(x, w, None, 1, padding)
    if f"{prefix}.bias" in sd:
        x = x + sd[f"{prefix}.bias"][None, :, None, None]
    return lrelu(x) * SQRT2 * gain if act else x * gain


def ada_d_forward(sd, img, size):
    x = _ada_conv(img, sd, f"b{size}.fromrgb")
    r = size
    while r > 4:
        y = _ada_conv(x, sd, f"b{r}.skip", act=False, down=2, gain=math.sqrt(0.5))
        x = _ada_conv(x, sd, f"b{r}.conv0")
        x = _ada_conv(x, sd, f"b{r}.conv1", down=2, gain=math.sqrt(0.5))
        x = y + x
        r //= 2
    n, c, h, w = x.shape
    g = min(4, n)
    y = x.reshape(g, -1, 1, c, h, w)
    y = np.sqrt(((y - y.mean(axis=0)) ** 2).mean(axis=0) + 1e-8).mean(axis=(2, 3, 4)).reshape(-1, 1, 1, 1)
    x = np.concatenate([x, np.tile(y, (g, 1, h, w))], axis=1)
    x = _ada_conv(x, sd, "b4.conv").reshape(n, -1)
    x = _ada_fc(x, sd, "b4.fc", act=True)
    return _ada_fc(x, sd, "b4.out")


# ----------------------------------------------------------------------------- tests
def _compare(model, g_forward, d_forward, size, rng):
    mapping, trunc, synthesis = model.parts()
    z = rng.standard_normal((2, W_DIM)).astype(np.float32)
    for psi in (1.0, 0.7):
        expected = g_forward(z.astype(np.float64), psi).transpose(0, 2, 3, 1)
        ws = model.ws_for(tf.constant(z), None if psi == 1.0 else psi)
        got = synthesis(ws, training=False).numpy()
        assert np.abs(expected).std() > 0.1  # not a degenerate comparison
        np.testing.assert_allclose(got, expected, atol=1e-4, err_msg=f"psi={psi}")
    x = rng.uniform(-1, 1, (2, size, size, 3)).astype(np.float32)
    expected = d_forward(x.transpose(0, 3, 1, 2).astype(np.float64))
    np.testing.assert_allclose(model.discriminator(tf.constant(x), training=False).numpy(), expected, atol=1e-4)


@pytest.mark.parametrize("size", [8, 32])
def test_rosinality_checkpoint_matches_the_port(tmp_path, size):
    rng = np.random.default_rng(size)
    g_sd, d_sd, latent_avg = rosinality_g(rng, size), rosinality_d(rng, size), _rn(rng, W_DIM, scale=0.5)
    ckpt = {"g": rosinality_g(rng, size), "d": d_sd, "g_ema": g_sd, "latent_avg": latent_avg,
            "args": Namespace(size=size, n_mlp=N_MLP, lr=0.002, arch="stylegan2"), "ada_aug_p": 0.0}
    model = stylegan2_from_rosinality(write_torch_checkpoint(tmp_path / "100000.pt", ckpt), mbstd_group_size=4)
    report = model.conversion_report
    assert report.ok, str(report)
    filters = [k for k, _ in report.ignored]
    assert len(filters) == 4 * (int(math.log2(size)) - 2)  # 2 per block in G (blur, upsample), 2 in D
    assert all(k.endswith("kernel") for k in filters) and not report.filled
    assert len(report.mapped) + len(filters) == len(g_sd) + 1 + len(d_sd)  # + latent_avg
    assert "g_ema:convs.0.conv.weight" in dict(report.mapped)
    assert (model.image_size, model.latent_dim, model.w_dim, model.mapping_layers) == (size, W_DIM, W_DIM, N_MLP)
    _compare(model, lambda z, psi: rosinality_g_forward(g_sd, latent_avg, z, psi), lambda x: rosinality_d_forward(
        d_sd, x), size, rng)


@pytest.mark.parametrize("size", [16, 8])
def test_ada_pytorch_state_dicts_match_the_port(tmp_path, size):
    rng = np.random.default_rng(100 + size)
    g_sd, d_sd = ada_g(rng, size), ada_d(rng, size)
    from tests.pretrained.test_convert import write_torch_zip

    g_path = write_torch_zip(tmp_path / "G_ema.pth", g_sd)
    model = stylegan2_from_ada_pytorch(g_path, discriminator=write_torch_zip(tmp_path / "D.pth", d_sd))
    report = model.conversion_report
    assert report.ok, str(report)
    filters = [k for k, _ in report.ignored]
    assert len(filters) == sum(k.endswith("resample_filter") for k in {**g_sd, **d_sd}) > 0
    assert len(report.mapped) + len(filters) == len(g_sd) + len(d_sd)
    _compare(model, lambda z, psi: ada_g_forward(g_sd, z, psi), lambda x: ada_d_forward(d_sd, x, size), size, rng)


def test_unmapped_keys_and_foreign_filters_are_errors_naming_them(tmp_path):
    from tests.pretrained.test_convert import write_torch_zip

    rng = np.random.default_rng(0)
    g_sd = rosinality_g(rng, 8)
    avg = _rn(rng, W_DIM)
    path = write_torch_checkpoint(tmp_path / "a.pt", {"g_ema": {**g_sd, "convs.0.extra": avg}, "latent_avg": avg})
    with pytest.raises(ConversionError, match=r"g_ema:convs\.0\.extra"):
        stylegan2_from_rosinality(path)
    blur = {**g_sd, "convs.0.conv.blur.kernel": np.full((4, 4), 0.25, np.float32)}
    with pytest.raises(ConversionError, match=r"convs\.0\.conv\.blur\.kernel.*\[1, 3, 3, 1\]"):
        stylegan2_from_rosinality(write_torch_checkpoint(tmp_path / "b.pt", {"g_ema": blur, "latent_avg": avg}))
    no_avg = write_torch_checkpoint(tmp_path / "c.pt", {"g_ema": g_sd})
    with pytest.raises(ConversionError, match=r"truncation.*w_avg ← g_ema:latent_avg|w_avg"):
        stylegan2_from_rosinality(no_avg)
    bad_shape = {**g_sd, "conv1.activate.bias": np.zeros(3, np.float32)}
    with pytest.raises(ConversionError, match=r"g_ema:conv1\.activate\.bias"):
        stylegan2_from_rosinality(write_torch_checkpoint(tmp_path / "d.pt", {"g_ema": bad_shape, "latent_avg": avg}))
    ada = ada_g(rng, 8)
    conditional = write_torch_zip(tmp_path / "cond.pth", {**ada, "mapping.embed.weight": _rn(rng, W_DIM, 10)})
    with pytest.raises(ConversionError, match="class-conditional"):
        stylegan2_from_ada_pytorch(conditional)
    with pytest.raises(ConversionError, match="not an NVlabs/stylegan2-ada-pytorch generator"):
        stylegan2_from_ada_pytorch(write_torch_zip(tmp_path / "ros.pth", g_sd))
    with pytest.raises(ConversionError, match="not a rosinality"):
        stylegan2_from_rosinality(write_torch_zip(tmp_path / "ada.pth", ada))


def test_convert_command_writes_a_stylegan2_preset_that_exports_serves_and_converts_to_tflite(tmp_path):
    import tfgan_zoo
    from tests.models.test_dcgan_convert import exports_serves_and_converts_to_tflite
    from tfgan_zoo.cli import main

    rng = np.random.default_rng(9)
    g_sd, latent_avg = rosinality_g(rng, 8), _rn(rng, W_DIM, scale=0.5)
    src = write_torch_checkpoint(tmp_path / "ffhq.pt", {"g_ema": g_sd, "latent_avg": latent_avg})
    assert main(["convert", "--from", "stylegan2-rosinality", str(src), "--out", str(tmp_path / "preset")]) == 0
    model = tfgan_zoo.from_preset(str(tmp_path / "preset"))
    z = rng.standard_normal((2, W_DIM)).astype(np.float32)
    expected = np.clip(rosinality_g_forward(g_sd, latent_avg, z.astype(np.float64)).transpose(0, 2, 3, 1), -1, 1)
    np.testing.assert_allclose(model(tf.constant(z)).numpy(), expected, atol=1e-4)
    exports_serves_and_converts_to_tflite(model, tmp_path, {"latents": z}, expected)
