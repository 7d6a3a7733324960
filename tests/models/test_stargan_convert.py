"""Official StarGAN checkpoints (yunjey/stargan) → the zoo's stargan, tested without torch.

Synthetic checkpoints carry the official key names and shapes of `model.py`'s `Generator` and `Discriminator` (with
InstanceNorm2d's running statistics, as `track_running_stats=True` saves them) with random values, written in
torch's file format by the writer of tests/pretrained/test_convert.py; a NumPy forward pass written from the official
architecture (NCHW, PyTorch padding, per-image instance statistics) is the reference.
"""

import numpy as np
import pytest

from tests.pretrained.test_convert import _nchw, conv2d, conv_transpose2d, instance_norm, relu, write_torch_zip
from tfgan_zoo.models.stargan.stargan_convert import stargan_from_pytorch
from tfgan_zoo.pretrained.convert import _cli
from tfgan_zoo.utils.conversion import ConversionError

SIZE, G_DIM, D_DIM, BLOCKS, D_REPEAT = 32, 4, 4, 2, 3


def _norm(rng, sd, key, c):
    sd[f"{key}.weight"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
    sd[f"{key}.bias"] = rng.normal(0, 0.2, c).astype(np.float32)
    sd[f"{key}.running_mean"] = rng.normal(0, 0.2, c).astype(np.float32)
    sd[f"{key}.running_var"] = rng.uniform(0.5, 2.0, c).astype(np.float32)
    sd[f"{key}.num_batches_tracked"] = np.array(777, np.int64)


def official_generator_state_dict(rng, c_dim, conv_dim=G_DIM, repeat=BLOCKS):
    sd = {}

    def conv(key, o, i, k):
        sd[f"{key}.weight"] = rng.normal(0, 0.2, (o, i, k, k)).astype(np.float32)

    conv("main.0", conv_dim, 3 + c_dim, 7)
    _norm(rng, sd, "main.1", conv_dim)
    d = conv_dim
    for conv_key, norm_key in ((3, 4), (6, 7)):
        conv(f"main.{conv_key}", 2 * d, d, 4)
        _norm(rng, sd, f"main.{norm_key}", 2 * d)
        d *= 2
    for b in range(repeat):
        for j in (0, 3):
            conv(f"main.{9 + b}.main.{j}", d, d, 3)
            _norm(rng, sd, f"main.{9 + b}.main.{j + 1}", d)
    for conv_key, norm_key in ((9 + repeat, 10 + repeat), (12 + repeat, 13 + repeat)):
        sd[f"main.{conv_key}.weight"] = rng.normal(0, 0.2, (d, d // 2, 4, 4)).astype(np.float32)  # ConvTranspose2d
        _norm(rng, sd, f"main.{norm_key}", d // 2)
        d //= 2
    conv(f"main.{15 + repeat}", 3, d, 7)
    return sd


def official_generator_forward(sd, x, c, repeat=BLOCKS):
    """Generator.forward: c replicated over the image, concatenated, then main (NCHW)."""
    h = np.concatenate([x, np.broadcast_to(c[:, :, None, None], (len(c), c.shape[1]) + x.shape[2:])], axis=1)
    h = relu(instance_norm(conv2d(h, sd["main.0.weight"], None, 1, 3), sd, "main.1"))
    for conv_key, norm_key in ((3, 4), (6, 7)):
        h = relu(instance_norm(conv2d(h, sd[f"main.{conv_key}.weight"], None, 2, 1), sd, f"main.{norm_key}"))
    for b in range(repeat):
        k = f"main.{9 + b}.main"
        y = relu(instance_norm(conv2d(h, sd[f"{k}.0.weight"], None, 1, 1), sd, f"{k}.1"))
        h = h + instance_norm(conv2d(y, sd[f"{k}.3.weight"], None, 1, 1), sd, f"{k}.4")
    for conv_key, norm_key in ((9 + repeat, 10 + repeat), (12 + repeat, 13 + repeat)):
        h = relu(instance_norm(conv_transpose2d(h, sd[f"main.{conv_key}.weight"], None, 2, 1), sd,
                               f"main.{norm_key}"))
    return np.tanh(conv2d(h, sd[f"main.{15 + repeat}.weight"], None, 1, 3))


def official_discriminator_state_dict(rng, c_dim, conv_dim=D_DIM, repeat=D_REPEAT, image_size=SIZE):
    sd, prev, cur = {}, 3, conv_dim
    for i in range(repeat):
        sd[f"main.{2 * i}.weight"] = rng.normal(0, 0.15, (cur, prev, 4, 4)).astype(np.float32)
        sd[f"main.{2 * i}.bias"] = rng.normal(0, 0.1, cur).astype(np.float32)
        prev, cur = cur, cur * 2
    k = image_size // 2**repeat
    sd["conv1.weight"] = rng.normal(0, 0.15, (1, prev, 3, 3)).astype(np.float32)
    sd["conv2.weight"] = rng.normal(0, 0.15, (c_dim, prev, k, k)).astype(np.float32)
    return sd


def official_discriminator_forward(sd, x, repeat=D_REPEAT):
    h = x
    for i in range(repeat):
        h = conv2d(h, sd[f"main.{2 * i}.weight"], sd[f"main.{2 * i}.bias"], 2, 1)
        h = np.where(h > 0, h, 0.01 * h)
    src = conv2d(h, sd["conv1.weight"], None, 1, 1)
    cls = conv2d(h, sd["conv2.weight"])
    return src, cls.reshape(len(cls), -1)


def _nhwc(x):
    return np.transpose(x, (0, 2, 3, 1))


@pytest.mark.parametrize("both", [False, True])
def test_conversion_matches_the_official_forward(tmp_path, both):
    rng = np.random.default_rng(3 if both else 1)
    c_g, c_d = (5 + 8 + 2, 5 + 8) if both else (5, 5)
    g_sd, d_sd = official_generator_state_dict(rng, c_g), official_discriminator_state_dict(rng, c_d)
    models = tmp_path / "models"
    models.mkdir()
    for it in (1000, 2000):
        write_torch_zip(models / f"{it}-G.ckpt", g_sd if it == 2000 else official_generator_state_dict(rng, c_g))
        write_torch_zip(models / f"{it}-D.ckpt", d_sd)
    model = stargan_from_pytorch(models)
    report = model.conversion_report
    assert report.ok and report.checkpoint == "iteration 2000 of [1000, 2000]", str(report)
    assert not report.not_converted and not report.filled
    assert len(report.ignored) == 3 * (1 + 2 + 2 * BLOCKS + 2) and "never calls .eval()" in report.ignored[0][1]
    assert (model.image_size, model.label_dim, model.num_attributes) == (SIZE, c_g, c_d)
    if both:
        assert model.dataset_sizes == [5, 8] and model.dataset_kinds == ["multi_label", "one_hot"]
        assert model.attribute_names[5:] == ["angry", "contemptuous", "disgusted", "fearful", "happy", "neutral",
                                             "sad", "surprised"]
    else:
        assert model.attribute_names == ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]
    x = rng.uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32)
    c = model.random_labels(2, rng)
    expected = _nhwc(official_generator_forward(g_sd, _nchw(x).astype(np.float64), c.astype(np.float64)))
    np.testing.assert_allclose(model.translate(x, c), expected, atol=1e-4)
    src, cls = official_discriminator_forward(d_sd, _nchw(x).astype(np.float64))
    got_src, got_cls = model.discriminator(x)
    np.testing.assert_allclose(np.asarray(got_src), _nhwc(src), atol=1e-4)
    np.testing.assert_allclose(np.asarray(got_cls), cls, atol=1e-4)


def test_strict_errors_name_the_problem(tmp_path):
    rng = np.random.default_rng(0)
    g_sd = official_generator_state_dict(rng, 5)
    d_sd = official_discriminator_state_dict(rng, 5)
    g_path = write_torch_zip(tmp_path / "100-G.ckpt", g_sd)
    model = stargan_from_pytorch(g_path, image_size=SIZE, d_repeat_num=3)  # G alone: D keeps its initialisation
    assert model.conversion_report.not_converted == {"D": "no checkpoint"}
    broken = dict(d_sd, extra=np.zeros(3, np.float32))
    with pytest.raises(ConversionError, match="extra"):
        stargan_from_pytorch({"G": g_path, "D": write_torch_zip(tmp_path / "bad-D.ckpt", broken)})
    with pytest.raises(ConversionError, match="looks like a StarGAN discriminator"):
        stargan_from_pytorch({"G": tmp_path / "bad-D.ckpt"})
    with pytest.raises(ConversionError, match="contradicts D_cls's kernel"):
        stargan_from_pytorch({"G": g_path, "D": write_torch_zip(tmp_path / "100-D.ckpt", d_sd)}, image_size=64)
    with pytest.raises(FileNotFoundError, match="iterations present"):
        stargan_from_pytorch(tmp_path, iteration=5)


def test_convert_command_writes_a_preset(tmp_path):
    import tfgan_zoo

    rng = np.random.default_rng(5)
    models = tmp_path / "models"
    models.mkdir()
    write_torch_zip(models / "300-G.ckpt", official_generator_state_dict(rng, 5))
    write_torch_zip(models / "300-D.ckpt", official_discriminator_state_dict(rng, 5))
    assert _cli(["stargan", str(models), "--out", str(tmp_path / "preset")]) == 0
    converted = stargan_from_pytorch(models)
    loaded = tfgan_zoo.from_preset(str(tmp_path / "preset"))
    x = rng.uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32)
    np.testing.assert_allclose(loaded.edit(x, set={"Male": 1}), converted.edit(x, set={"Male": 1}), atol=1e-6)
