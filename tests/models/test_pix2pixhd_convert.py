"""Official pix2pixHD checkpoints (NVIDIA/pix2pixHD) → the zoo's pix2pixhd, tested without torch.

The official networks are `nn.Sequential`s, so the synthetic state dicts are made by listing each network's modules
in the official order (`models/networks.py`: GlobalGenerator, LocalEnhancer, Encoder, NLayerDiscriminator inside
MultiscaleDiscriminator) and naming every parameter by its module's position; the same module lists are then run by
a NumPy interpreter (NCHW, reflection padding, per-image instance statistics, count_include_pad=False pooling). The
key names therefore come from the official layout, not from the converter's index arithmetic.
"""

import numpy as np
import pytest

from tests.pretrained.test_convert import conv2d, conv_transpose2d, instance_norm, write_torch_zip
from tfgan_zoo.models.pix2pixhd.pix2pixhd_convert import pix2pixhd_from_pytorch
from tfgan_zoo.utils.conversion import ConversionError

CLASSES, SIZE = 5, 32


# ----------------------------------------------------------------------------- the official module lists
def _resnet_block(dim):
    return ("resblock", [("rpad", 1), ("conv", dim, dim, 3, 1, 0), ("in",), ("relu",), ("rpad", 1),
                         ("conv", dim, dim, 3, 1, 0), ("in",)])


def global_modules(input_nc, output_nc, ngf, n_down, n_blocks, final=True):
    mods = [("rpad", 3), ("conv", input_nc, ngf, 7, 1, 0), ("in",), ("relu",)]
    for i in range(n_down):
        mods += [("conv", ngf * 2**i, ngf * 2 ** (i + 1), 3, 2, 1), ("in",), ("relu",)]
    mods += [_resnet_block(ngf * 2**n_down) for _ in range(n_blocks)]
    for i in range(n_down):
        m = 2 ** (n_down - i)
        mods += [("convT", ngf * m, ngf * m // 2), ("in",), ("relu",)]
    mods += [("rpad", 3), ("conv", ngf, output_nc, 7, 1, 0), ("tanh",)]
    return mods if final else mods[:-3]


def local_modules(input_nc, output_nc, ngf, n_down, n_blocks, n_local, n_blocks_local):
    nets = {"model": global_modules(input_nc, output_nc, ngf * 2**n_local, n_down, n_blocks, final=False)}
    for n in range(1, n_local + 1):
        nf = ngf * 2 ** (n_local - n)
        nets[f"model{n}_1"] = [("rpad", 3), ("conv", input_nc, nf, 7, 1, 0), ("in",), ("relu",),
                               ("conv", nf, nf * 2, 3, 2, 1), ("in",), ("relu",)]
        up = [_resnet_block(nf * 2) for _ in range(n_blocks_local)] + [("convT", nf * 2, nf), ("in",), ("relu",)]
        if n == n_local:
            up += [("rpad", 3), ("conv", ngf, output_nc, 7, 1, 0), ("tanh",)]
        nets[f"model{n}_2"] = up
    return nets


def encoder_modules(input_nc, feat_num, nef, n_down):
    mods = [("rpad", 3), ("conv", input_nc, nef, 7, 1, 0), ("in",), ("relu",)]
    for i in range(n_down):
        mods += [("conv", nef * 2**i, nef * 2 ** (i + 1), 3, 2, 1), ("in",), ("relu",)]
    for i in range(n_down):
        m = 2 ** (n_down - i)
        mods += [("convT", nef * m, nef * m // 2), ("in",), ("relu",)]
    return mods + [("rpad", 3), ("conv", nef, feat_num, 7, 1, 0), ("tanh",)]


def nlayer_d_groups(input_nc, ndf, n_layers):
    """NLayerDiscriminator's `sequence`: one list of modules per `model{n}`."""
    groups = [[("conv", input_nc, ndf, 4, 2, 2), ("lrelu",)]]
    nf = ndf
    for _ in range(1, n_layers):
        prev, nf = nf, min(nf * 2, 512)
        groups.append([("conv", prev, nf, 4, 2, 2), ("in",), ("lrelu",)])
    prev, nf = nf, min(nf * 2, 512)
    groups.append([("conv", prev, nf, 4, 1, 2), ("in",), ("lrelu",)])
    groups.append([("conv", nf, 1, 4, 1, 2)])
    return groups


def random_params(rng, mods, prefix, sd):
    for i, m in enumerate(mods):
        if m[0] == "conv":
            _, cin, cout, k = m[:4]
            sd[f"{prefix}{i}.weight"] = rng.normal(0, 1.0 / np.sqrt(cin * k * k), (cout, cin, k, k)).astype(np.float32)
            sd[f"{prefix}{i}.bias"] = rng.normal(0, 0.1, cout).astype(np.float32)
        elif m[0] == "convT":
            _, cin, cout = m
            sd[f"{prefix}{i}.weight"] = rng.normal(0, 1.0 / np.sqrt(cin * 9), (cin, cout, 3, 3)).astype(np.float32)
            sd[f"{prefix}{i}.bias"] = rng.normal(0, 0.1, cout).astype(np.float32)
        elif m[0] == "resblock":
            random_params(rng, m[1], f"{prefix}{i}.conv_block.", sd)
    return sd


def run(mods, prefix, sd, x):
    for i, m in enumerate(mods):
        key = f"{prefix}{i}"
        if m[0] == "rpad":
            x = np.pad(x, ((0, 0), (0, 0), (m[1], m[1]), (m[1], m[1])), mode="reflect")
        elif m[0] == "conv":
            x = conv2d(x, sd[f"{key}.weight"], sd[f"{key}.bias"], m[4], m[5])
        elif m[0] == "convT":
            x = conv_transpose2d(x, sd[f"{key}.weight"], sd[f"{key}.bias"], 2, 1, output_padding=1)
        elif m[0] == "in":
            x = instance_norm(x)
        elif m[0] == "relu":
            x = np.maximum(x, 0)
        elif m[0] == "lrelu":
            x = np.where(x > 0, x, 0.2 * x)
        elif m[0] == "tanh":
            x = np.tanh(x)
        elif m[0] == "resblock":
            x = x + run(m[1], f"{key}.conv_block.", sd, x)
    return x


def avg_pool(x):
    """AvgPool2d(3, stride=2, padding=1, count_include_pad=False)."""
    n, c, h, w = x.shape
    oh, ow = (h + 1) // 2, (w + 1) // 2
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            r0, r1, c0, c1 = max(2 * i - 1, 0), min(2 * i + 2, h), max(2 * j - 1, 0), min(2 * j + 2, w)
            out[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    return out


def official_input(labels, instances, features=None):
    """Pix2PixHDModel.encode_input: one-hot labels, then get_edges(inst), then (for G) the feature map (NCHW)."""
    onehot = np.eye(CLASSES)[labels].transpose(0, 3, 1, 2)
    t = instances
    edge = np.zeros(t.shape, bool)
    edge[:, :, 1:] |= t[:, :, 1:] != t[:, :, :-1]
    edge[:, :, :-1] |= t[:, :, 1:] != t[:, :, :-1]
    edge[:, 1:, :] |= t[:, 1:, :] != t[:, :-1, :]
    edge[:, :-1, :] |= t[:, 1:, :] != t[:, :-1, :]
    parts = [onehot, edge[:, None].astype(np.float64)] + ([features] if features is not None else [])
    return np.concatenate(parts, axis=1)


def official_encoder_forward(sd, mods, images, instances):
    out = run(mods, "model.", sd, images)
    pooled = np.zeros_like(out)
    for b in range(len(out)):
        for i in np.unique(instances[b]):
            mask = instances[b] == i
            pooled[b][:, mask] = out[b][:, mask].mean(axis=1, keepdims=True)
    return pooled


def official_d_forward(sd, groups, num_d, x):
    """MultiscaleDiscriminator.forward (getIntermFeat): every layer's output of each scale, full resolution first."""
    results = []
    for i in range(num_d):
        scale, feats, h = num_d - 1 - i, [], x  # the full-resolution input goes to the last scale
        for j, group in enumerate(groups):
            h = run(group, f"scale{scale}_layer{j}.", sd, h)
            feats.append(h)
        results.append(feats)
        x = avg_pool(x)
    return results


def _flat_d_state(sd_interm, groups, num_d):
    """The same weights under the getIntermFeat=False layout: `layer{i}.{index in the flattened sequence}`."""
    flat = {}
    for i in range(num_d):
        offset = 0
        for j, group in enumerate(groups):
            for k in ("weight", "bias"):
                flat[f"layer{i}.{offset}.{k}"] = sd_interm[f"scale{i}_layer{j}.0.{k}"]
            offset += len(group)
    return flat


def _scenes(rng, n=2):
    labels = np.zeros((n, SIZE, SIZE), np.int32)
    instances = np.zeros((n, SIZE, SIZE), np.int32)
    for b in range(n):
        for k in range(1, 5):
            y, x, s = rng.integers(0, SIZE - 8), rng.integers(0, SIZE - 8), rng.integers(5, 12)
            labels[b, y: y + s, x: x + s] = rng.integers(1, CLASSES)
            instances[b, y: y + s, x: x + s] = k
    return labels, instances


def _nhwc(x):
    return np.transpose(x, (0, 2, 3, 1))


# ----------------------------------------------------------------------------- tests
def test_global_generator_encoder_and_discriminator_match_the_official_forward(tmp_path):
    rng = np.random.default_rng(0)
    feat, input_nc = 3, CLASSES + 1 + 3
    g_mods = global_modules(input_nc, 3, ngf=4, n_down=2, n_blocks=2)
    e_mods = encoder_modules(3, feat, nef=4, n_down=2)
    d_groups = nlayer_d_groups(CLASSES + 1 + 3, ndf=4, n_layers=2)
    g_sd = random_params(rng, g_mods, "model.", {})
    e_sd = random_params(rng, e_mods, "model.", {})
    d_sd = {}
    for i in range(2):
        for j, group in enumerate(d_groups):
            random_params(rng, group, f"scale{i}_layer{j}.", d_sd)
    folder = tmp_path / "label2city"
    folder.mkdir()
    for net, sd in (("G", g_sd), ("E", e_sd), ("D", d_sd)):
        write_torch_zip(folder / f"latest_net_{net}.pth", sd)
    model = pix2pixhd_from_pytorch(folder, image_size=SIZE, aspect_ratio=1.0)
    report = model.conversion_report
    assert report.ok and not report.not_converted, str(report)
    assert len(report.mapped) == len(g_sd) + len(e_sd) + len(d_sd)
    assert (model.num_classes, model.feat_num, model.ngf, model.n_downsample_global, model.n_blocks_global,
            model.num_d, model.n_layers_d, model.nef) == (CLASSES, 3, 4, 2, 2, 2, 2, 4)

    labels, instances = _scenes(rng)
    images = rng.uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32)
    feats = official_encoder_forward(e_sd, e_mods, images.transpose(0, 3, 1, 2).astype(np.float64), instances)
    got_feats = model.encoder([images, instances], training=False).numpy()
    np.testing.assert_allclose(got_feats, _nhwc(feats), atol=1e-4)
    expected = run(g_mods, "model.", g_sd, official_input(labels, instances, feats))
    got = model.generator([labels, instances, _nhwc(feats).astype(np.float32)], training=False).numpy()
    np.testing.assert_allclose(got, _nhwc(expected), atol=1e-4)
    assert np.abs(expected).std() > 0.1  # not a degenerate comparison
    np.testing.assert_allclose(model.synthesize(labels, instances, style_images=images), _nhwc(expected), atol=1e-4)

    d_in = np.concatenate([official_input(labels, instances), images.transpose(0, 3, 1, 2)], axis=1)
    expected_d = official_d_forward(d_sd, d_groups, 2, d_in)
    got_d = model.discriminator([labels, instances, images], training=False)
    for got_scale, exp_scale in zip(got_d, expected_d):
        assert len(got_scale) == len(exp_scale) == 4
        for a, b in zip(got_scale, exp_scale):
            np.testing.assert_allclose(np.asarray(a), _nhwc(b), atol=1e-4, rtol=1e-4)

    # the same D without getIntermFeat (`layer{i}.{k}` keys) converts to the same network
    flat = pix2pixhd_from_pytorch(folder / "latest_net_G.pth", encoder=folder / "latest_net_E.pth",
                                  discriminator=write_torch_zip(tmp_path / "flat_D.pth",
                                                                _flat_d_state(d_sd, d_groups, 2)),
                                  image_size=SIZE, aspect_ratio=1.0)
    for a, b in zip(flat.discriminator.weights, model.discriminator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_local_enhancer_matches_the_official_forward(tmp_path):
    rng = np.random.default_rng(1)
    nets = local_modules(CLASSES + 1, 3, ngf=2, n_down=2, n_blocks=1, n_local=1, n_blocks_local=2)
    sd = {}
    for name, mods in nets.items():
        random_params(rng, mods, f"{name}.", sd)
    model = pix2pixhd_from_pytorch(write_torch_zip(tmp_path / "latest_net_G.pth", sd), image_size=SIZE,
                                   aspect_ratio=1.0, ndf=4, num_d=1)
    report = model.conversion_report
    assert report.ok and report.not_converted == {"D": "no checkpoint"}, str(report)
    assert (model.n_local_enhancers, model.n_blocks_local, model.ngf) == (1, 2, 2)
    labels, instances = _scenes(rng)
    x = official_input(labels, instances)
    # LocalEnhancer.forward: G1 (without its output layers) on the pooled input, then model1_2(model1_1(x) + G1)
    coarse = run(nets["model"], "model.", sd, avg_pool(x))
    expected = run(nets["model1_2"], "model1_2.", sd, run(nets["model1_1"], "model1_1.", sd, x) + coarse)
    np.testing.assert_allclose(model.synthesize(labels, instances), _nhwc(expected), atol=1e-4)
    assert np.abs(expected).std() > 0.1


def test_bad_checkpoints_are_errors_that_name_the_key(tmp_path):
    rng = np.random.default_rng(2)
    g_sd = random_params(rng, global_modules(CLASSES + 1, 3, ngf=4, n_down=2, n_blocks=1), "model.", {})
    extra = {**g_sd, "model.99.weight": np.zeros(3, np.float32)}
    with pytest.raises(ConversionError, match=r"model\.99\.weight"):
        pix2pixhd_from_pytorch(write_torch_zip(tmp_path / "a.pth", extra), image_size=SIZE, aspect_ratio=1.0)
    batch_norm = {**g_sd, "model.2.weight": np.ones(4, np.float32), "model.2.running_mean": np.zeros(4, np.float32)}
    with pytest.raises(ConversionError, match=r"model\.2\.running_mean"):
        pix2pixhd_from_pytorch(write_torch_zip(tmp_path / "b.pth", batch_norm), image_size=SIZE, aspect_ratio=1.0)
    wrong = dict(g_sd)
    wrong["model.4.bias"] = np.zeros(5, np.float32)
    with pytest.raises(ConversionError, match=r"model\.4\.bias"):
        pix2pixhd_from_pytorch(write_torch_zip(tmp_path / "c.pth", wrong), image_size=SIZE, aspect_ratio=1.0)
    d_like = {"scale0_layer0.0.weight": np.zeros((4, 9, 4, 4), np.float32)}
    with pytest.raises(ConversionError, match="discriminator"):
        pix2pixhd_from_pytorch(write_torch_zip(tmp_path / "d.pth", d_like))
    with pytest.raises(ConversionError, match="too few"):
        pix2pixhd_from_pytorch(write_torch_zip(tmp_path / "e.pth", g_sd), feat_num=6, image_size=SIZE,
                               aspect_ratio=1.0)
    with pytest.raises(FileNotFoundError, match="latest_net_G.pth"):
        pix2pixhd_from_pytorch(tmp_path)


def test_convert_command_writes_a_preset_that_exports_and_serves_synthesize(tmp_path):
    import tensorflow as tf

    import tfgan_zoo
    from export import export_saved_model
    from serving import PredictClient, serve
    from tfgan_zoo.cli import main
    from tfgan_zoo.pretrained.presets import read_preset

    rng = np.random.default_rng(3)
    g_mods = global_modules(CLASSES + 1, 3, ngf=4, n_down=2, n_blocks=1)
    g_sd = random_params(rng, g_mods, "model.", {})
    src = write_torch_zip(tmp_path / "latest_net_G.pth", g_sd)
    out = tmp_path / "preset"
    assert main(["convert", "--from", "pix2pixhd-pytorch", str(src), "--image_size", str(SIZE), "--out",
                 str(out)]) == 0
    assert read_preset(out)["metadata"]["format"] == "pix2pixhd-pytorch"
    model = tfgan_zoo.from_preset(str(out))
    assert model.image_shape == (SIZE, 2 * SIZE)  # Cityscapes' aspect ratio unless told
    labels, instances = _scenes(rng)
    labels, instances = np.tile(labels, (1, 1, 2)), np.tile(instances, (1, 1, 2))
    expected = _nhwc(run(g_mods, "model.", g_sd, official_input(labels, instances)))

    path = export_saved_model(model, tmp_path / "models", model_name="converted")
    fn = tf.saved_model.load(path).signatures["synthesize"]
    np.testing.assert_allclose(fn(labels=tf.constant(labels), instances=tf.constant(instances))["images"].numpy(),
                               expected, atol=1e-4)
    server = serve(str(tmp_path / "models"), poll_interval=0, rest_port=None)
    try:
        with PredictClient(server.grpc_address, "converted", timeout=60) as client:
            got = client.predict({"labels": labels, "instances": instances}, signature="synthesize")["images"]
    finally:
        server.stop()
    np.testing.assert_allclose(got, expected, atol=1e-4)
