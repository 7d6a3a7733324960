"""StyleGAN (v1) generators and discriminators of rosinality/style-based-gan-pytorch → the zoo's stylegan, tested
without torch.

A synthetic training checkpoint (`{"generator", "g_running", "discriminator"}`) carries the final `model.py`'s keys
and shapes for all nine blocks (tiny widths; FusedUpsample from 128² on, blur buffers, equal-lr `weight_orig`s) with
random values, written in torch's zip format. The reference is a NumPy forward of `StyledGenerator` written from
that code (NCHW; √(2 / fan_in) equalized lr, FusedUpsample's conv_transpose2d with the averaged 4×4 kernel, the
[1, 2, 1] blur, noise shared by a block's two layers, InstanceNorm2d ε 1e-5, AdaIN γ = style), run with the noise
images the converter stored. The discriminator (`Discriminator(fused=True)`: blocks widening in their first
convolution, FusedDownsample at inputs >= 128², EqualConv2d + AvgPool2d below, fromRGB without activation, whole-batch
minibatch stddev, 4×4 valid conv and EqualLinear) likewise has a NumPy forward written from that code, compared with
the converted zoo D (d_block_layout='rosinality') at full resolution and mid fade-in (alpha 0.75 ≡ lod 0.25). Two
resolutions (16², non-fused; 128², fused), within 1e-4.
"""

import math

import numpy as np
import pytest
import tensorflow as tf

from tests.models.test_stylegan2_ports_convert import write_torch_checkpoint
from tests.pretrained.test_convert import conv2d, conv_transpose2d
from tfgan_zoo.models.stylegan.stylegan_convert import stylegan_from_rosinality
from tfgan_zoo.utils.conversion import ConversionError

W_DIM, N_MLP = 8, 2
WIDTHS = [8, 8, 8, 8, 4, 2, 1, 1, 1]  # blocks 4² … 1024²: nf(stage) = clip(128 / 2^stage, 1, 8)
BLUR = (np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16.0).astype(np.float32)


def _rn(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def official_state_dict(rng):
    sd = {}
    for i in range(N_MLP):
        sd[f"style.{2 * i + 1}.linear.weight_orig"] = _rn(rng, W_DIM, W_DIM)
        sd[f"style.{2 * i + 1}.linear.bias"] = _rn(rng, W_DIM, scale=0.2)
    g = "generator."
    for i, c in enumerate(WIDTHS):
        p, cin = f"{g}progression.{i}", WIDTHS[max(i - 1, 0)]
        if i == 0:
            sd[f"{p}.conv1.input"] = _rn(rng, 1, c, 4, 4)
        elif i >= 5:  # FusedUpsample (fused=True from 128²), then Blur
            sd[f"{p}.conv1.0.weight"], sd[f"{p}.conv1.0.bias"] = _rn(rng, cin, c, 3, 3), _rn(rng, c, scale=0.2)
            sd[f"{p}.conv1.1.weight"] = np.repeat(BLUR[None, None], c, 0)
            sd[f"{p}.conv1.1.weight_flip"] = np.repeat(BLUR[None, None, ::-1, ::-1], c, 0)
        else:  # Upsample, EqualConv2d, Blur
            sd[f"{p}.conv1.1.conv.weight_orig"] = _rn(rng, c, cin, 3, 3)
            sd[f"{p}.conv1.1.conv.bias"] = _rn(rng, c, scale=0.2)
            sd[f"{p}.conv1.2.weight"] = np.repeat(BLUR[None, None], c, 0)
            sd[f"{p}.conv1.2.weight_flip"] = np.repeat(BLUR[None, None, ::-1, ::-1], c, 0)
        for k in (1, 2):
            sd[f"{p}.noise{k}.weight_orig"] = _rn(rng, 1, c, 1, 1, scale=0.5)
            sd[f"{p}.adain{k}.style.linear.weight_orig"] = _rn(rng, 2 * c, W_DIM)
            sd[f"{p}.adain{k}.style.linear.bias"] = np.concatenate([1 + _rn(rng, c, scale=0.2), _rn(rng, c, scale=0.2)])
        sd[f"{p}.conv2.conv.weight_orig"], sd[f"{p}.conv2.conv.bias"] = _rn(rng, c, c, 3, 3), _rn(rng, c, scale=0.2)
        # toRGB scaled so that images are O(1), as a trained generator's (AdaIN outputs are O(γ))
        sd[f"{g}to_rgb.{i}.conv.weight_orig"] = _rn(rng, 3, c, 1, 1, scale=0.1)
        sd[f"{g}to_rgb.{i}.conv.bias"] = _rn(rng, 3, scale=0.2)
    return sd


def official_discriminator_state(rng, activated=False):
    """`Discriminator(fused=True, from_rgb_activate=activated)` with the tiny widths: block j (input 4·2^(8−j))
    widens nf(9−j) → nf(8−j) in its first conv."""
    nf = [WIDTHS[0]] + WIDTHS  # nf(stage): stage 1 … 9 are the generator's block widths
    sd = {}
    for j in range(9):
        p = f"progression.{j}"
        if j < 8:
            cin, cout = nf[9 - j], nf[8 - j]
            sd[f"{p}.conv1.0.conv.weight_orig"], sd[f"{p}.conv1.0.conv.bias"] = _rn(rng, cout, cin, 3, 3), _rn(
                rng, cout, scale=0.2)
            sd[f"{p}.conv2.0.weight"] = np.repeat(BLUR[None, None], cout, 0)
            sd[f"{p}.conv2.0.weight_flip"] = np.repeat(BLUR[None, None, ::-1, ::-1], cout, 0)
            if j < 4:  # FusedDownsample: weight [out, in, 3, 3], multiplier applied in forward
                sd[f"{p}.conv2.1.weight"], sd[f"{p}.conv2.1.bias"] = _rn(rng, cout, cout, 3, 3), _rn(rng, cout,
                                                                                                   scale=0.2)
            else:
                sd[f"{p}.conv2.1.conv.weight_orig"] = _rn(rng, cout, cout, 3, 3)
                sd[f"{p}.conv2.1.conv.bias"] = _rn(rng, cout, scale=0.2)
        else:  # ConvBlock(513, 512, 3, 1, 4, 0)
            c = nf[1]
            sd[f"{p}.conv1.0.conv.weight_orig"], sd[f"{p}.conv1.0.conv.bias"] = _rn(rng, c, c + 1, 3, 3), _rn(
                rng, c, scale=0.2)
            sd[f"{p}.conv2.0.conv.weight_orig"], sd[f"{p}.conv2.0.conv.bias"] = _rn(rng, c, c, 4, 4), _rn(
                rng, c, scale=0.2)
        rgb = f"from_rgb.{j}.0.conv" if activated else f"from_rgb.{j}.conv"
        sd[f"{rgb}.weight_orig"], sd[f"{rgb}.bias"] = _rn(rng, nf[9 - j], 3, 1, 1), _rn(rng, nf[9 - j], scale=0.2)
    # the last layer scaled so that logits are O(1), as a trained discriminator's
    sd["linear.linear.weight_orig"], sd["linear.linear.bias"] = _rn(rng, 1, nf[1], scale=5.0), _rn(rng, 1, scale=0.2)
    return sd


def _eq(w):  # EqualLR: weight_orig · √(2 / fan_in), fan_in = size(1) · weight[0][0].numel()
    w = np.asarray(w, np.float64)
    return w * math.sqrt(2.0 / (w.shape[1] * int(np.prod(w.shape[2:]))))


def _lrelu(x):
    return np.where(x > 0, x, 0.2 * x)


def _blur(x):
    return np.concatenate([conv2d(x[:, c: c + 1], BLUR[None, None].astype(np.float64), None, 1, 1)
                           for c in range(x.shape[1])], axis=1)


def official_mapping(sd, z):
    x = z / np.sqrt(np.mean(z**2, axis=1, keepdims=True) + 1e-8)
    for i in range(N_MLP):
        k = f"style.{2 * i + 1}.linear"
        x = _lrelu(x @ _eq(sd[f"{k}.weight_orig"]).T + sd[f"{k}.bias"])
    return x


def official_forward(sd, z, noises, step, mean_style=None, psi=1.0):
    """StyledGenerator(z, noise=noises, step=step, alpha=-1[, mean_style, style_weight=psi])."""
    w = official_mapping(sd, z)
    if mean_style is not None:
        w = mean_style + psi * (w - mean_style)

    def adain(x, key):
        style = w @ _eq(sd[f"{key}.style.linear.weight_orig"]).T + sd[f"{key}.style.linear.bias"]
        gamma, beta = np.split(style, 2, axis=1)
        x = (x - x.mean(axis=(2, 3), keepdims=True)) / np.sqrt(x.var(axis=(2, 3), keepdims=True) + 1e-5)
        return gamma[:, :, None, None] * x + beta[:, :, None, None]

    g = "generator."
    for i in range(step + 1):
        p = f"{g}progression.{i}"
        if i == 0:
            out = np.repeat(sd[f"{p}.conv1.input"].astype(np.float64), len(z), axis=0)
        elif f"{p}.conv1.0.weight" in sd:  # FusedUpsample
            wt = sd[f"{p}.conv1.0.weight"].astype(np.float64)
            wt = np.pad(wt * math.sqrt(2.0 / (wt.shape[0] * 9)), ((0, 0), (0, 0), (1, 1), (1, 1)))
            wt = (wt[:, :, 1:, 1:] + wt[:, :, :-1, 1:] + wt[:, :, 1:, :-1] + wt[:, :, :-1, :-1]) / 4
            out = _blur(conv_transpose2d(out, wt, sd[f"{p}.conv1.0.bias"], 2, 1))
        else:
            up = out.repeat(2, axis=2).repeat(2, axis=3)
            out = _blur(conv2d(up, _eq(sd[f"{p}.conv1.1.conv.weight_orig"]), sd[f"{p}.conv1.1.conv.bias"], 1, 1))
        out = adain(_lrelu(out + _eq(sd[f"{p}.noise1.weight_orig"]) * noises[i]), f"{p}.adain1")
        out = conv2d(out, _eq(sd[f"{p}.conv2.conv.weight_orig"]), sd[f"{p}.conv2.conv.bias"], 1, 1)
        out = adain(_lrelu(out + _eq(sd[f"{p}.noise2.weight_orig"]) * noises[i]), f"{p}.adain2")
    return conv2d(out, _eq(sd[f"{g}to_rgb.{step}.conv.weight_orig"]), sd[f"{g}to_rgb.{step}.conv.bias"])


def official_discriminator(sd, x, step, alpha=-1.0, activated=False):
    """Discriminator(x, step=step, alpha=alpha) (x NCHW)."""
    n = 9

    def from_rgb(j, img):
        rgb = f"from_rgb.{j}.0.conv" if activated else f"from_rgb.{j}.conv"
        out = conv2d(img, _eq(sd[f"{rgb}.weight_orig"]), sd[f"{rgb}.bias"])
        return _lrelu(out) if activated else out

    def block(j, h):
        p = f"progression.{j}"
        h = _lrelu(conv2d(h, _eq(sd[f"{p}.conv1.0.conv.weight_orig"]), sd[f"{p}.conv1.0.conv.bias"], 1, 1))
        if j == n - 1:
            return _lrelu(conv2d(h, _eq(sd[f"{p}.conv2.0.conv.weight_orig"]), sd[f"{p}.conv2.0.conv.bias"], 1, 0))
        h = _blur(h)
        if f"{p}.conv2.1.weight" in sd:  # FusedDownsample
            w = sd[f"{p}.conv2.1.weight"].astype(np.float64)
            w = np.pad(w * math.sqrt(2.0 / (w.shape[1] * 9)), ((0, 0), (0, 0), (1, 1), (1, 1)))
            w = (w[:, :, 1:, 1:] + w[:, :, :-1, 1:] + w[:, :, 1:, :-1] + w[:, :, :-1, :-1]) / 4
            return _lrelu(conv2d(h, w, sd[f"{p}.conv2.1.bias"], 2, 1))
        h = conv2d(h, _eq(sd[f"{p}.conv2.1.conv.weight_orig"]), sd[f"{p}.conv2.1.conv.bias"], 1, 1)
        return _lrelu(_avg_pool(h))

    for i in range(step, -1, -1):
        j = n - i - 1
        if i == step:
            out = from_rgb(j, x)
        if i == 0:
            std = np.sqrt(out.var(axis=0) + 1e-8).mean()
            out = np.concatenate([out, np.full((len(x), 1, 4, 4), std)], axis=1)
        out = block(j, out)
        if i > 0 and i == step and 0 <= alpha < 1:
            out = (1 - alpha) * from_rgb(j + 1, _avg_pool(x)) + alpha * out
    return out.reshape(len(x), -1) @ _eq(sd["linear.linear.weight_orig"]).T + sd["linear.linear.bias"]


def _avg_pool(x):
    return (x[:, :, ::2, ::2] + x[:, :, 1::2, ::2] + x[:, :, ::2, 1::2] + x[:, :, 1::2, 1::2]) / 4


def _stored_noises(model, step):
    synth = model.parts()[2]
    names = ["b4_const"] + [f"b{4 * 2**i}_conv0" for i in range(1, step + 1)]
    out = []
    for i, name in enumerate(names):
        second = "b4_conv" if i == 0 else f"b{4 * 2**i}_conv1"
        a, b = (synth.get_layer(f"{n}_noise").noise_const.numpy() for n in (name, second))
        np.testing.assert_array_equal(a, b)  # one noise image per block, shared by its two layers
        out.append(a.transpose(2, 0, 1)[None].astype(np.float64))
    return out


@pytest.mark.parametrize("size", [16, 128])
def test_g_running_matches_the_official_forward(tmp_path, size):
    rng = np.random.default_rng(size)
    sd = official_state_dict(rng)
    dsd = official_discriminator_state(rng)
    ckpt = {"generator": official_state_dict(rng), "g_running": sd, "discriminator": dsd}
    model = stylegan_from_rosinality(write_torch_checkpoint(tmp_path / "train_step-3.model", ckpt), image_size=size)
    report = model.conversion_report
    step = int(math.log2(size)) - 2
    assert report.ok, str(report)
    assert "from g_running" in report.architecture and "discriminator from 'discriminator'" in report.architecture
    assert (model.d_block_layout, model.d_fromrgb_activation) == ("rosinality", "linear")
    above = [k for k, r in report.ignored if "above" in r and k.startswith("generator.")]
    assert above and all(int(k.split(".")[2]) > step for k in above)
    d_above = [k for k, r in report.ignored if "above" in r and k.startswith("discriminator.")]
    assert d_above and all(int(k.split(".")[2]) < 8 - step for k in d_above)
    assert len(report.mapped) + len(report.ignored) == len(sd) + len(dsd)
    # the discriminator: full resolution, then mid fade-in (rosinality's alpha 0.75 is the zoo's lod 0.25)
    x = rng.standard_normal((4, size, size, 3)).astype(np.float32)
    expected_d = official_discriminator(dsd, x.transpose(0, 3, 1, 2).astype(np.float64), step)
    got_d = model.discriminator(tf.constant(x), training=False).numpy()
    assert np.ptp(expected_d) > 0.02 and np.abs(expected_d).max() > 0.2  # non-trivial, example-dependent logits
    np.testing.assert_allclose(got_d, expected_d, atol=1e-4)
    model.set_lod(0.25)
    expected_d = official_discriminator(dsd, x.transpose(0, 3, 1, 2).astype(np.float64), step, alpha=0.75)
    np.testing.assert_allclose(model.discriminator(tf.constant(x), training=False).numpy(), expected_d, atol=1e-4)
    model.set_lod(0.0)
    assert (model.image_size, model.latent_dim, model.mapping_layers) == (size, W_DIM, N_MLP)
    z = rng.standard_normal((2, W_DIM)).astype(np.float32)
    expected = official_forward(sd, z.astype(np.float64), _stored_noises(model, step), step).transpose(0, 2, 3, 1)
    mapping, _, synthesis = model.parts()
    got = synthesis(model.ws_for(tf.constant(z)), training=False).numpy()
    assert np.abs(expected).std() > 0.1
    np.testing.assert_allclose(got, expected, atol=1e-4)
    # the w average is the official mapping's mean (mean_style), and ψ < 1 follows it
    mean_style = official_mapping(sd, np.random.default_rng(0).standard_normal((10_000, W_DIM)))
    w_avg = model.parts()[1].w_avg.numpy()
    np.testing.assert_allclose(w_avg, mean_style.mean(axis=0), atol=1e-4)
    expected = official_forward(sd, z.astype(np.float64), _stored_noises(model, step), step, w_avg.astype(np.float64),
                                0.7).transpose(0, 2, 3, 1)
    np.testing.assert_allclose(synthesis(model.ws_for(tf.constant(z), 0.7), training=False).numpy(), expected,
                               atol=1e-4)


def test_errors_and_a_preset_that_exports_serves_and_converts_to_tflite(tmp_path):
    import tfgan_zoo
    from tests.models.test_dcgan_convert import exports_serves_and_converts_to_tflite
    from tfgan_zoo.cli import main

    rng = np.random.default_rng(1)
    sd = official_state_dict(rng)
    path = write_torch_checkpoint(tmp_path / "g.model", sd)
    dsd = official_discriminator_state(rng)
    dpath = write_torch_checkpoint(tmp_path / "d.pt", dsd)  # a bare Discriminator state dict, passed separately
    with pytest.raises(ConversionError, match="pass image_size"):
        stylegan_from_rosinality(path)
    assert main(["convert", "--from", "stylegan-rosinality", str(path), "--image_size", "8", "--discriminator",
                 str(dpath), "--out", str(tmp_path / "p")]) == 0
    model = tfgan_zoo.from_preset(str(tmp_path / "p"))
    assert (model.adain_epsilon, model.conv_bias_before_blur, model.image_size) == (1e-5, True, 8)
    assert (model.d_block_layout, model.d_fromrgb_activation) == ("rosinality", "linear")
    x = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(model.discriminator(tf.constant(x), training=False).numpy(),
                               official_discriminator(dsd, x.transpose(0, 3, 1, 2).astype(np.float64), 1), atol=1e-4)
    z = rng.standard_normal((2, W_DIM)).astype(np.float32)
    expected = official_forward(sd, z.astype(np.float64), _stored_noises(model, 1), 1).transpose(0, 2, 3, 1)
    np.testing.assert_allclose(model.parts()[2](model.ws_for(tf.constant(z)), training=False).numpy(), expected,
                               atol=1e-4)
    exports_serves_and_converts_to_tflite(model, tmp_path, {"latents": z}, np.clip(expected, -1, 1))
    bad = {**sd, "generator.progression.1.conv1.2.weight": np.ones((8, 1, 3, 3), np.float32)}
    with pytest.raises(ConversionError, match=r"progression\.1\.conv1\.2\.weight.*\[1, 2, 1\] blur"):
        stylegan_from_rosinality(write_torch_checkpoint(tmp_path / "b.model", bad), image_size=16)
    extra = {**sd, "style.1.linear.extra": np.ones(3, np.float32)}
    with pytest.raises(ConversionError, match=r"style\.1\.linear\.extra"):
        stylegan_from_rosinality(write_torch_checkpoint(tmp_path / "c.model", extra), image_size=16)


def test_discriminator_variants_and_errors_name_the_key(tmp_path, capsys):
    import tfgan_zoo
    from tfgan_zoo.cli import main

    with pytest.raises(ValueError, match=r"d_block_layout must be one of \('official', 'rosinality'\)"):
        tfgan_zoo.build_model("stylegan", image_size=8, d_block_layout="nvidia")
    with pytest.raises(ValueError, match="d_fromrgb_activation must be 'lrelu' or 'linear'"):
        tfgan_zoo.build_model("stylegan", image_size=8, d_fromrgb_activation="relu")

    rng = np.random.default_rng(2)
    sd = official_state_dict(rng)
    # from_rgb_activate=True: from_rgb.{j}.0.conv keys, LeakyReLU after fromRGB (d_fromrgb_activation='lrelu')
    dsd = official_discriminator_state(rng, activated=True)
    model = stylegan_from_rosinality(write_torch_checkpoint(tmp_path / "a.model", {"g_running": sd, "d": dsd}),
                                     image_size=8)
    assert (model.d_block_layout, model.d_fromrgb_activation) == ("rosinality", "lrelu")
    assert "discriminator from 'd'" in model.conversion_report.architecture
    x = rng.standard_normal((4, 8, 8, 3)).astype(np.float32)
    expected = official_discriminator(dsd, x.transpose(0, 3, 1, 2).astype(np.float64), 1, activated=True)
    np.testing.assert_allclose(model.discriminator(tf.constant(x), training=False).numpy(), expected, atol=1e-4)
    # a key that maps onto nothing, and a shape that does not fit, are errors naming the key
    plain = official_discriminator_state(rng)
    extra = {**plain, "progression.8.conv1.0.conv.extra": np.ones(3, np.float32)}
    with pytest.raises(ConversionError, match=r"discriminator\.progression\.8\.conv1\.0\.conv\.extra"):
        stylegan_from_rosinality(write_torch_checkpoint(tmp_path / "b.model", {"g_running": sd, "d": extra}),
                                 image_size=8)
    wide = {**plain, "from_rgb.7.conv.weight_orig": _rn(rng, 5, 3, 1, 1)}
    with pytest.raises(ConversionError, match=r"discriminator\.from_rgb\.7\.conv\.weight_orig"):
        stylegan_from_rosinality(write_torch_checkpoint(tmp_path / "c.model", {"g_running": sd, "d": wide}),
                                 image_size=8)
    with pytest.raises(ConversionError, match="no rosinality Discriminator"):
        stylegan_from_rosinality(write_torch_checkpoint(tmp_path / "g.model", sd), image_size=8,
                                 discriminator=tmp_path / "g.model")
    # an option the format's converter does not take is a clear CLI error, not a TypeError
    with pytest.raises(SystemExit) as e:
        main(["convert", "--from", "stylegan-rosinality", str(tmp_path / "g.model"), "--image_size", "8",
              "--truncation", "0.5", "--out", str(tmp_path / "p")])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "error: --truncation is not an option of the stylegan-rosinality format" in err
    assert "biggan-deep-hub" in err and "biggan-hub" in err
    assert not (tmp_path / "p").exists()
