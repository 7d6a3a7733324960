"""pix2pixHD specifics: published parameter counts (closed form from the official layer lists vs the build), the
instance boundary map, the instance-wise feature encoder and its clusters, the local enhancer's frozen-G1 stage, and
the label-map checks."""

import numpy as np
import pytest

import tfgan_zoo
from tests.conftest import REPO, load_tiny
from tfgan_zoo.networks.semantic import instance_boundaries

TINY = dict(num_classes=11, image_size=32, aspect_ratio=1.0, channels=1, ngf=4, n_downsample_global=2,
            n_blocks_global=1, ndf=4, n_layers_d=2, num_d=2, perceptual_weight=0.0, seed=1)


def official_generator_params(cin, ngf, n_down, n_blocks, n_local=0, n_blocks_local=3, out=3):
    """Trainable parameters of NVIDIA/pix2pixHD's GlobalGenerator / LocalEnhancer (instance norm without affine
    parameters; every conv and transposed conv has a bias), counted from its layer list."""
    conv = lambda i, o, k: i * o * k * k + o  # noqa: E731
    g = ngf * 2**n_local
    total = conv(cin, g, 7)
    total += sum(conv(g * 2**i, g * 2 ** (i + 1), 3) for i in range(n_down))
    total += n_blocks * 2 * conv(g * 2**n_down, g * 2**n_down, 3)
    total += sum(conv(g * 2 ** (n_down - i), g * 2 ** (n_down - i - 1), 3) for i in range(n_down))
    if not n_local:
        return total + conv(ngf, out, 7)
    for n in range(1, n_local + 1):
        nf = ngf * 2 ** (n_local - n)
        total += conv(cin, nf, 7) + conv(nf, 2 * nf, 3) + n_blocks_local * 2 * conv(2 * nf, 2 * nf, 3)
        total += conv(2 * nf, nf, 3)
    return total + conv(ngf, out, 7)


def official_discriminator_params(cin, ndf, n_layers, num_d):
    """NVIDIA/pix2pixHD's MultiscaleDiscriminator (NLayerDiscriminator with biases, instance norm without affine)."""
    conv = lambda i, o: i * o * 16 + o  # noqa: E731
    nf, total = ndf, conv(cin, ndf)
    for _ in range(1, n_layers + 1):  # n_layers - 1 strided + the stride-1 layer
        total += conv(nf, min(nf * 2, 512))
        nf = min(nf * 2, 512)
    return num_d * (total + conv(nf, 1))


def test_published_parameter_counts():
    # Cityscapes: 35 label ids + the boundary map in, RGB out; D sees the 36 label channels + 3 image channels.
    g512 = official_generator_params(36, 64, 4, 9)
    g1024 = official_generator_params(36, 32, 4, 9, n_local=1)
    assert (g512, g1024) == (182_546_755, 182_857_059)
    assert official_discriminator_params(39, 64, 3, 2) == 5_603_202
    assert official_discriminator_params(39, 64, 3, 3) == 8_404_803


@pytest.mark.parametrize("extra", [{}, {"n_local_enhancers": 1, "n_downsample_global": 1, "feat_num": 3,
                                        "n_downsample_encoder": 2}])
def test_build_matches_the_official_layer_lists(extra):
    m = tfgan_zoo.build_model("pix2pixhd", **{**TINY, **extra})
    counts = m.summary_of_parameters()
    cin = 11 + 1 + extra.get("feat_num", 0)
    assert counts["generator"] == official_generator_params(cin, 4, m.n_downsample_global, 1,
                                                            m.n_local_enhancers, 3, out=1)
    assert counts["discriminator"] == official_discriminator_params(11 + 1 + 1, 4, 2, 2)
    if extra:  # Encoder (nef 16): c7 + 2 strided convs + 2 transposed convs + c7 to feat_num, all with biases
        conv = lambda i, o, k: i * o * k * k + o  # noqa: E731
        nef = 16
        expected = conv(1, nef, 7) + conv(nef, 2 * nef, 3) + conv(2 * nef, 4 * nef, 3) + conv(4 * nef, 2 * nef, 3)
        expected += conv(2 * nef, nef, 3) + conv(nef, 3, 7)
        assert counts["encoder"] == expected


def official_get_edges(t):
    """The official pix2pixHD `get_edges`, in numpy."""
    edge = np.zeros(t.shape, bool)
    edge[:, :, 1:] |= t[:, :, 1:] != t[:, :, :-1]
    edge[:, :, :-1] |= t[:, :, 1:] != t[:, :, :-1]
    edge[:, 1:, :] |= t[:, 1:, :] != t[:, :-1, :]
    edge[:, :-1, :] |= t[:, 1:, :] != t[:, :-1, :]
    return edge


def test_instance_boundaries_equal_the_official_edges():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 3, (2, 7, 9)).astype(np.int32)
    np.testing.assert_array_equal(instance_boundaries(t).numpy(), official_get_edges(t))
    flat = np.zeros((1, 4, 4), np.int32)
    assert not instance_boundaries(flat).numpy().any()


def test_feature_encoder_pools_per_instance_and_clusters_give_styles():
    m = tfgan_zoo.build_model("pix2pixhd", **{**TINY, "feat_num": 3, "n_clusters": 3, "n_downsample_encoder": 2})
    scenes = m.example_scenes(6, seed=0)
    feats = m.encoder([scenes["images"], scenes["instances"]]).numpy()
    for n in range(2):
        for i in np.unique(scenes["instances"][n]):
            values = feats[n][scenes["instances"][n] == i]
            np.testing.assert_allclose(values, np.broadcast_to(values[0], values.shape), atol=1e-6)
    # a randomized encoder so instances differ, then k-means per class
    for v in m.encoder.trainable_variables:
        v.assign(np.random.default_rng(1).normal(0, 0.3, v.shape).astype("float32"))
    found = m.compute_feature_clusters(scenes["labels"], scenes["instances"], scenes["images"], n_clusters=2)
    assert 0 in found and all(1 <= k <= 2 for k in found.values())
    assert m.feature_clusters(0).shape == (found[0], 3)
    out0 = m.synthesize(scenes["labels"][:2], scenes["instances"][:2])
    style = m.synthesize(scenes["labels"][:2], scenes["instances"][:2], style_images=scenes["images"][:2])
    assert out0.shape == style.shape == (2, 32, 32, 1)
    if found[0] > 1:  # the background's second cluster changes the image
        other = m.synthesize(scenes["labels"][:2], scenes["instances"][:2], features={0: 1})
        assert np.abs(other - out0).max() > 1e-6
    with pytest.raises(ValueError, match="cluster"):
        m.synthesize(scenes["labels"][:1], scenes["instances"][:1], features={0: 7})


def test_encoder_trains_with_the_generator():
    from tests.contract.helpers import fixed_dataset

    config = load_tiny("pix2pixhd")
    m = tfgan_zoo.build_model("pix2pixhd", **{**TINY, "feat_num": 3, "n_downsample_encoder": 2})
    m.compile()
    before = [w.copy() for w in m.encoder.get_weights()]
    m.fit(fixed_dataset(m, config), steps_per_epoch=1, epochs=1, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, m.encoder.get_weights()))


def test_local_enhancer_keeps_g1_fixed_for_fix_global_steps():
    from tests.contract.helpers import fixed_dataset

    config = load_tiny("pix2pixhd")
    m = tfgan_zoo.build_model("pix2pixhd", **{**TINY, "n_local_enhancers": 1, "n_downsample_global": 1,
                                              "fix_global_steps": 5})
    m.compile()
    names = [layer.name for layer in m.generator.layers if layer.weights]
    before = {n: [w.copy() for w in m.generator.get_layer(n).get_weights()] for n in names}
    m.fit(fixed_dataset(m, config), steps_per_epoch=1, epochs=1, verbose=0)
    moved = {n for n in names if any(not np.array_equal(a, b)
                                     for a, b in zip(before[n], m.generator.get_layer(n).get_weights()))}
    assert moved and all(n.startswith("local") for n in moved), sorted(moved)


def test_bad_label_maps_say_what_is_expected():
    m = tfgan_zoo.build_model("pix2pixhd", **TINY)
    labels = np.zeros((1, 32, 32), np.int32)
    with pytest.raises(ValueError, match="instance map"):
        m.synthesize(labels)
    with pytest.raises(ValueError, match=r"class ids in \[0, 11\)"):
        m.synthesize(labels + 11, labels)
    with pytest.raises(ValueError, match="int"):
        m.synthesize(labels.astype("float32"), labels)
    with pytest.raises(ValueError, match=r"\[N, 32, 32\]"):
        m.synthesize(np.zeros((1, 16, 16), np.int32), labels)
    with pytest.raises(ValueError, match="one-hot|class ids"):
        m.task.split_batch(m, {"labels": np.zeros((1, 32, 32, 11), np.int32), "instances": labels,
                               "images": np.zeros((1, 32, 32, 1), np.float32)})


def test_official_linear_decay_applied_per_player_update():
    """`lr_constant_steps` / `lr_decay_steps` (the official --niter / --niter_decay, in updates): the rate each
    optimizer applies after t updates is 2e-4 until t = constant, then 2e-4 · (1 − (t − constant) / decay), 0 after;
    the Cityscapes configs carry the official 100 + 100 (512p) and 50 + 50 (1024p) epochs."""
    from tests.contract.helpers import fixed_dataset

    config = load_tiny("pix2pixhd")
    m = tfgan_zoo.build_model("pix2pixhd", **{**TINY, "lr_constant_steps": 2, "lr_decay_steps": 4})
    m.compile()
    optimizers = [m.player_optimizers[p] for p in ("generator", "discriminator")]
    m.fit(fixed_dataset(m, config), steps_per_epoch=3, epochs=1, verbose=0)
    for opt in optimizers:
        assert int(opt.iterations) == 3
        np.testing.assert_allclose(float(opt.learning_rate), 2e-4 * (1 - 1 / 4), rtol=1e-6)  # after 3 updates
        schedule = opt._learning_rate
        np.testing.assert_allclose([float(schedule(t)) for t in (0, 2, 4, 6, 9)], [2e-4, 2e-4, 1e-4, 0.0, 0.0],
                                   atol=1e-10)
    constant = tfgan_zoo.build_model("pix2pixhd", **TINY)
    constant.compile()
    assert float(constant.player_optimizers["generator"].learning_rate) == pytest.approx(2e-4)
    for name, epochs in (("pix2pixhd_cityscapes_512", 100), ("pix2pixhd_cityscapes_1024", 50)):
        params = tfgan_zoo.load_config(f"{REPO}/zoo_configs/pix2pixhd/{name}.yaml").model.params
        assert params["lr_constant_steps"] == params["lr_decay_steps"] == epochs * 2975
    with pytest.raises(ValueError, match="lr_decay_steps"):
        tfgan_zoo.build_model("pix2pixhd", **{**TINY, "lr_decay_steps": -1})
