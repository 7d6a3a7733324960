"""Official SPADE checkpoints (NVlabs/SPADE) → the zoo's gaugan, tested without torch.

Synthetic state dicts carry the official key names and shapes (SPADEGenerator with spectral norm stored as
`weight_orig` / `weight_u` / `weight_v`, SPADE's sync batch norm statistics, ConvEncoder, MultiscaleDiscriminator)
with random values; the spectral-norm vectors come from a few power iterations, so they are not converged and σ must
be the eval-mode uᵀ·W·v of the stored vectors. The reference is a NumPy forward written from the official modules
(NCHW, eval mode: running statistics, no power iteration; nearest resizing by PyTorch's top-left rule; bilinear
resizing to 256 with align_corners=False).
"""

import numpy as np
import pytest

from tests.pretrained.test_convert import conv2d, instance_norm, write_torch_zip
from tfgan_zoo.models.gaugan.gaugan_convert import gaugan_from_pytorch
from tfgan_zoo.utils.conversion import ConversionError

BLOCKS = ("head_0", "G_middle_0", "G_middle_1", "up_0", "up_1", "up_2", "up_3")


# ----------------------------------------------------------------------------- official state dicts
def _sn_conv(rng, sd, key, cin, cout, k, bias=True, with_v=True):
    w = rng.normal(0, 1.0 / np.sqrt(cin * k * k), (cout, cin, k, k))
    mat = w.reshape(cout, -1)
    u = rng.normal(size=cout)
    for _ in range(3):  # a few power iterations: u, v close to, but not at, the top singular vectors
        v = mat.T @ u
        v /= np.linalg.norm(v)
        u = mat @ v
        u /= np.linalg.norm(u)
    sd[f"{key}.weight_orig"] = w.astype(np.float32)
    sd[f"{key}.weight_u"] = u.astype(np.float32)
    if with_v:
        sd[f"{key}.weight_v"] = v.astype(np.float32)
    if bias:
        sd[f"{key}.bias"] = rng.normal(0, 0.1, cout).astype(np.float32)


def _conv(rng, sd, key, cin, cout, k):
    sd[f"{key}.weight"] = rng.normal(0, 1.0 / np.sqrt(cin * k * k), (cout, cin, k, k)).astype(np.float32)
    sd[f"{key}.bias"] = rng.normal(0, 0.1, cout).astype(np.float32)


def _linear(rng, sd, key, cin, cout):
    sd[f"{key}.weight"] = rng.normal(0, 1.0 / np.sqrt(cin), (cout, cin)).astype(np.float32)
    sd[f"{key}.bias"] = rng.normal(0, 0.1, cout).astype(np.float32)


def _spade(rng, sd, key, norm_nc, label_nc, hidden):
    sd[f"{key}.param_free_norm.running_mean"] = rng.normal(0, 0.2, norm_nc).astype(np.float32)
    sd[f"{key}.param_free_norm.running_var"] = rng.uniform(0.5, 2.0, norm_nc).astype(np.float32)
    sd[f"{key}.param_free_norm.num_batches_tracked"] = np.array(1234, np.int64)
    _conv(rng, sd, f"{key}.mlp_shared.0", label_nc, hidden, 3)
    _conv(rng, sd, f"{key}.mlp_gamma", hidden, norm_nc, 3)
    _conv(rng, sd, f"{key}.mlp_beta", hidden, norm_nc, 3)


def official_g_state_dict(rng, label_nc, ngf, hidden, z_dim=None, sh=1, sw=1, with_v=True):
    sd = {}
    if z_dim:
        _linear(rng, sd, "fc", z_dim, 16 * ngf * sh * sw)
    else:
        _conv(rng, sd, "fc", label_nc, 16 * ngf, 3)
    chans = [(16, 16), (16, 16), (16, 16), (16, 8), (8, 4), (4, 2), (2, 1)]
    for name, (fi, fo) in zip(BLOCKS, chans):
        fin, fout = fi * ngf, fo * ngf
        fmid = min(fin, fout)
        _sn_conv(rng, sd, f"{name}.conv_0", fin, fmid, 3, with_v=with_v)
        _sn_conv(rng, sd, f"{name}.conv_1", fmid, fout, 3, with_v=with_v)
        if fin != fout:
            _sn_conv(rng, sd, f"{name}.conv_s", fin, fout, 1, bias=False, with_v=with_v)
        _spade(rng, sd, f"{name}.norm_0", fin, label_nc, hidden)
        _spade(rng, sd, f"{name}.norm_1", fmid, label_nc, hidden)
        if fin != fout:
            _spade(rng, sd, f"{name}.norm_s", fin, label_nc, hidden)
    _conv(rng, sd, "conv_img", ngf, 3, 3)
    return sd


def official_e_state_dict(rng, ndf, z_dim):
    sd, cin = {}, 3
    for i in range(6):
        cout = ndf * min(2**i, 8)
        _sn_conv(rng, sd, f"layer{i + 1}.0", cin, cout, 3, bias=False)
        cin = cout
    _linear(rng, sd, "fc_mu", cin * 16, z_dim)
    _linear(rng, sd, "fc_var", cin * 16, z_dim)
    return sd


def official_d_state_dict(rng, input_nc, ndf, n_layers_d, num_d):
    sd = {}
    for i in range(num_d):
        p = f"discriminator_{i}"
        _conv(rng, sd, f"{p}.model0.0", input_nc, ndf, 4)
        nf = ndf
        for n in range(1, n_layers_d):
            prev, nf = nf, min(nf * 2, 512)
            _sn_conv(rng, sd, f"{p}.model{n}.0.0", prev, nf, 4, bias=False)
        _conv(rng, sd, f"{p}.model{n_layers_d}.0", nf, 1, 4)
    return sd


# ----------------------------------------------------------------------------- official forward (eval mode)
def sn_weight(sd, key):
    if f"{key}.weight_orig" not in sd:
        return sd[f"{key}.weight"]
    w = sd[f"{key}.weight_orig"].astype(np.float64)
    u = sd[f"{key}.weight_u"].astype(np.float64)
    v = sd[f"{key}.weight_v"].astype(np.float64) if f"{key}.weight_v" in sd else None
    mat = w.reshape(w.shape[0], -1)
    if v is None:
        v = mat.T @ u
        v /= np.linalg.norm(v)
    return w / (u @ mat @ v)


def nearest(x, h, w):
    """F.interpolate(mode='nearest'): source index floor(dst · in / out)."""
    rows = (np.arange(h) * x.shape[2] // h)
    cols = (np.arange(w) * x.shape[3] // w)
    return x[:, :, rows][:, :, :, cols]


def bilinear(x, size):
    """F.interpolate(mode='bilinear', align_corners=False)."""
    def weights(n_in, n_out):
        src = np.maximum((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0)
        i0 = np.floor(src).astype(int)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0

    r0, r1, rl = weights(x.shape[2], size)
    c0, c1, cl = weights(x.shape[3], size)
    rows = x[:, :, r0] * (1 - rl)[None, None, :, None] + x[:, :, r1] * rl[None, None, :, None]
    return rows[:, :, :, c0] * (1 - cl) + rows[:, :, :, c1] * cl


def lrelu(x):
    return np.where(x > 0, x, 0.2 * x)


def spade(sd, key, x, seg):
    mean = sd[f"{key}.param_free_norm.running_mean"][None, :, None, None]
    var = sd[f"{key}.param_free_norm.running_var"][None, :, None, None]
    normalized = (x - mean) / np.sqrt(var + 1e-5)
    seg = nearest(seg, x.shape[2], x.shape[3])
    actv = np.maximum(conv2d(seg, sd[f"{key}.mlp_shared.0.weight"], sd[f"{key}.mlp_shared.0.bias"], 1, 1), 0)
    gamma = conv2d(actv, sd[f"{key}.mlp_gamma.weight"], sd[f"{key}.mlp_gamma.bias"], 1, 1)
    beta = conv2d(actv, sd[f"{key}.mlp_beta.weight"], sd[f"{key}.mlp_beta.bias"], 1, 1)
    return normalized * (1 + gamma) + beta


def spade_block(sd, name, x, seg):
    if f"{name}.conv_s.weight_orig" in sd:
        x_s = conv2d(spade(sd, f"{name}.norm_s", x, seg), sn_weight(sd, f"{name}.conv_s"))
    else:
        x_s = x
    dx = conv2d(lrelu(spade(sd, f"{name}.norm_0", x, seg)), sn_weight(sd, f"{name}.conv_0"), sd[f"{name}.conv_0.bias"],
                1, 1)
    dx = conv2d(lrelu(spade(sd, f"{name}.norm_1", dx, seg)), sn_weight(sd, f"{name}.conv_1"),
                sd[f"{name}.conv_1.bias"], 1, 1)
    return x_s + dx


def official_g_forward(sd, seg, z=None, sh=1, sw=1):
    ngf = sd["head_0.conv_0.weight_orig"].shape[0] // 16
    if z is not None:
        x = (z @ sd["fc.weight"].T + sd["fc.bias"]).reshape(len(z), 16 * ngf, sh, sw)
    else:
        x = conv2d(nearest(seg, sh, sw), sd["fc.weight"], sd["fc.bias"], 1, 1)

    def up(t):
        return t.repeat(2, axis=2).repeat(2, axis=3)

    x = up(spade_block(sd, "head_0", x, seg))
    x = spade_block(sd, "G_middle_0", x, seg)
    x = spade_block(sd, "G_middle_1", x, seg)
    for name in ("up_0", "up_1", "up_2", "up_3"):
        x = spade_block(sd, name, up(x), seg)
    return np.tanh(conv2d(lrelu(x), sd["conv_img.weight"], sd["conv_img.bias"], 1, 1))


def official_e_forward(sd, images):
    x = bilinear(images, 256)
    for i in range(6):
        if i:
            x = lrelu(x)
        x = instance_norm(conv2d(x, sn_weight(sd, f"layer{i + 1}.0"), None, 2, 1))
    x = lrelu(x).reshape(len(x), -1)
    return x @ sd["fc_mu.weight"].T + sd["fc_mu.bias"], x @ sd["fc_var.weight"].T + sd["fc_var.bias"]


def avg_pool(x):
    n, c, h, w = x.shape
    out = np.zeros((n, c, (h + 1) // 2, (w + 1) // 2))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, max(2 * i - 1, 0): 2 * i + 2, max(2 * j - 1, 0): 2 * j + 2].mean(axis=(2, 3))
    return out


def official_d_forward(sd, x, n_layers_d, num_d):
    results = []
    for i in range(num_d):
        p, h, feats = f"discriminator_{i}", x, []
        h = lrelu(conv2d(h, sd[f"{p}.model0.0.weight"], sd[f"{p}.model0.0.bias"], 2, 2))
        feats.append(h)
        for n in range(1, n_layers_d):
            stride = 1 if n == n_layers_d - 1 else 2
            h = lrelu(instance_norm(conv2d(h, sn_weight(sd, f"{p}.model{n}.0.0"), None, stride, 2)))
            feats.append(h)
        feats.append(conv2d(h, sd[f"{p}.model{n_layers_d}.0.weight"], sd[f"{p}.model{n_layers_d}.0.bias"], 1, 2))
        results.append(feats)
        x = avg_pool(x)
    return results


def semantics(labels, instances, num_classes):
    onehot = np.eye(num_classes)[labels].transpose(0, 3, 1, 2)
    if instances is None:
        return onehot
    t, edge = instances, np.zeros(instances.shape, bool)
    edge[:, :, 1:] |= t[:, :, 1:] != t[:, :, :-1]
    edge[:, :, :-1] |= t[:, :, 1:] != t[:, :, :-1]
    edge[:, 1:, :] |= t[:, 1:, :] != t[:, :-1, :]
    edge[:, :-1, :] |= t[:, 1:, :] != t[:, :-1, :]
    return np.concatenate([onehot, edge[:, None].astype(np.float64)], axis=1)


def _maps(rng, n, h, w, classes):
    labels = np.zeros((n, h, w), np.int32)
    instances = np.zeros((n, h, w), np.int32)
    for b in range(n):
        for k in range(1, 6):
            y, x, s = rng.integers(0, h - 6), rng.integers(0, w - 6), rng.integers(4, 14)
            labels[b, y: y + s, x: x + s] = rng.integers(1, classes)
            instances[b, y: y + s, x: x + s] = k
    return labels, instances


def _nhwc(x):
    return np.transpose(x, (0, 2, 3, 1))


# ----------------------------------------------------------------------------- tests
def test_vae_generator_encoder_and_discriminator_match_the_official_forward(tmp_path):
    """Cityscapes' layout at a tiny width: instances, aspect ratio 2 (32×64, a 1×2 start), VAE, 2-scale D."""
    rng = np.random.default_rng(0)
    classes, ngf, hidden, z_dim = 6, 2, 8, 8
    g_sd = official_g_state_dict(rng, classes + 1, ngf, hidden, z_dim, sh=1, sw=2)
    e_sd = official_e_state_dict(rng, ngf, z_dim)
    d_sd = official_d_state_dict(rng, classes + 1 + 3, ndf=4, n_layers_d=3, num_d=2)
    folder = tmp_path / "cityscapes_pretrained"
    folder.mkdir()
    for net, sd in (("G", g_sd), ("E", e_sd), ("D", d_sd)):
        write_torch_zip(folder / f"latest_net_{net}.pth", sd)
    model = gaugan_from_pytorch(folder, image_size=32, aspect_ratio=2.0, use_instances=True)
    report = model.conversion_report
    assert report.ok and not report.not_converted, str(report)
    assert (model.num_classes, model.ngf, model.z_dim, model.spade_hidden, model.encoder_size, model.num_d,
            model.n_layers_d, model.num_upsampling_layers) == (classes, ngf, z_dim, hidden, 256, 2, 3, "normal")
    n_keys = len(g_sd) + len(e_sd) + len(d_sd)
    n_ignored = sum(k.endswith(("weight_v", "num_batches_tracked")) for sd in (g_sd, e_sd, d_sd) for k in sd)
    assert len(report.mapped) + n_ignored == n_keys and len(report.ignored) == n_ignored

    labels, instances = _maps(rng, 2, 32, 64, classes)
    seg = semantics(labels, instances, classes)
    z = rng.standard_normal((2, z_dim)).astype(np.float32)
    expected = official_g_forward(g_sd, seg, z.astype(np.float64), sh=1, sw=2)
    got = model.synthesize(labels, instances, latents=z)
    np.testing.assert_allclose(got, _nhwc(expected), atol=1e-4)
    assert expected.std() > 0.1

    images = rng.uniform(-1, 1, (2, 32, 64, 3)).astype(np.float32)
    mu, logvar = official_e_forward(e_sd, images.transpose(0, 3, 1, 2).astype(np.float64))
    got_mu, got_logvar = model.encoder(images, training=False)
    np.testing.assert_allclose(np.asarray(got_mu), mu, atol=1e-4)
    np.testing.assert_allclose(np.asarray(got_logvar), logvar, atol=1e-4)

    d_in = np.concatenate([seg, images.transpose(0, 3, 1, 2)], axis=1)
    expected_d = official_d_forward(d_sd, d_in, 3, 2)
    got_d = model.discriminator([labels, instances, images], training=False)
    for got_scale, exp_scale in zip(got_d, expected_d):
        assert len(got_scale) == len(exp_scale) == 4
        for a, b in zip(got_scale, exp_scale):
            np.testing.assert_allclose(np.asarray(a), _nhwc(b), atol=1e-4, rtol=1e-4)


def test_generator_without_vae_and_without_stored_v(tmp_path):
    """ADE20K's layout (no instances, the label map at the start) saved by PyTorch < 1.0 (no weight_v)."""
    rng = np.random.default_rng(1)
    classes, ngf, hidden = 5, 2, 6
    g_sd = official_g_state_dict(rng, classes, ngf, hidden, with_v=False)
    model = gaugan_from_pytorch(write_torch_zip(tmp_path / "latest_net_G.pth", g_sd), image_size=32, ndf=4)
    report = model.conversion_report
    assert report.ok and report.not_converted == {"D": "no checkpoint"}, str(report)
    assert not model.use_vae and not model.use_instances and model.num_classes == classes
    assert sum("weight_v absent" in r for _, _, r in report.filled) == sum(k.endswith("_orig") for k in g_sd)
    labels, _ = _maps(rng, 2, 32, 32, classes)
    expected = official_g_forward(g_sd, semantics(labels, None, classes))
    np.testing.assert_allclose(model.synthesize(labels), _nhwc(expected), atol=1e-4)


def test_bad_checkpoints_are_errors_that_name_the_key(tmp_path):
    rng = np.random.default_rng(2)
    g_sd = official_g_state_dict(rng, 5, 2, 4, z_dim=4)
    with pytest.raises(ConversionError, match=r"head_0\.extra"):
        gaugan_from_pytorch(write_torch_zip(tmp_path / "a.pth", {**g_sd, "head_0.extra": np.zeros(2, np.float32)}),
                            image_size=32)
    no_stats = {k: v for k, v in g_sd.items() if k != "up_1.norm_0.param_free_norm.running_var"}
    with pytest.raises(ConversionError, match=r"up_1\.norm_0\.param_free_norm\.running_var"):
        gaugan_from_pytorch(write_torch_zip(tmp_path / "b.pth", no_stats), image_size=32)
    c_path = write_torch_zip(tmp_path / "c.pth", g_sd)
    # fc's 16·ngf·1·1 outputs: a 1×1 start, so at 64² the checkpoint was trained with 'more' (6 upsamplings) ...
    assert gaugan_from_pytorch(c_path, image_size=64).num_upsampling_layers == "more"
    with pytest.raises(ConversionError, match="fits no num_upsampling_layers"):  # ... and 32×64 fits nothing
        gaugan_from_pytorch(c_path, image_size=32, aspect_ratio=2.0)
    with pytest.raises(ConversionError, match="discriminator"):
        gaugan_from_pytorch(write_torch_zip(tmp_path / "d.pth", official_d_state_dict(rng, 8, 4, 3, 1)))
    e_sd = official_e_state_dict(rng, 4, 4)  # ndf 4 ≠ ngf 2
    with pytest.raises(ConversionError, match="ndf = ngf"):
        gaugan_from_pytorch(tmp_path / "c.pth", encoder=write_torch_zip(tmp_path / "e.pth", e_sd), image_size=32)


def test_convert_command_writes_a_preset_that_exports_and_serves_synthesize(tmp_path):
    import tensorflow as tf

    import tfgan_zoo
    from export import export_saved_model
    from serving import PredictClient, serve
    from tfgan_zoo.cli import main
    from tfgan_zoo.pretrained.presets import read_preset

    rng = np.random.default_rng(3)
    classes, z_dim = 5, 4  # Cityscapes-like: instance edge channel, 2:1 (the keys tell neither: CLI options)
    g_sd = official_g_state_dict(rng, classes + 1, 2, 4, z_dim=z_dim, sh=1, sw=2)
    src = write_torch_zip(tmp_path / "latest_net_G.pth", g_sd)
    out = tmp_path / "preset"
    assert main(["convert", "--from", "spade-pytorch", str(src), "--image_size", "32", "--aspect_ratio", "2",
                 "--instances", "yes", "--out", str(out)]) == 0
    assert read_preset(out)["metadata"]["format"] == "spade-pytorch"
    model = tfgan_zoo.from_preset(str(out))
    assert (model.num_classes, model.use_instances, model.image_shape) == (classes, True, (32, 64))
    labels, instances = _maps(rng, 2, 32, 64, classes)
    z = rng.standard_normal((2, z_dim)).astype(np.float32)
    expected = _nhwc(official_g_forward(g_sd, semantics(labels, instances, classes), z.astype(np.float64), 1, 2))
    inputs = {"labels": labels, "instances": instances, "latents": z}
    path = export_saved_model(model, tmp_path / "models", model_name="converted")
    fn = tf.saved_model.load(path).signatures["synthesize"]
    np.testing.assert_allclose(fn(**{k: tf.constant(v) for k, v in inputs.items()})["images"].numpy(), expected,
                               atol=1e-4)
    server = serve(str(tmp_path / "models"), poll_interval=0, rest_port=None)
    try:
        with PredictClient(server.grpc_address, "converted", timeout=60) as client:
            got = client.predict(inputs, signature="synthesize")["images"]
    finally:
        server.stop()
    np.testing.assert_allclose(got, expected, atol=1e-4)
