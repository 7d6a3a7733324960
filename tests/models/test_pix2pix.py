import numpy as np
import pytest

import tfgan_zoo
from tfgan_zoo.models.pix2pix.pix2pix_networks import build_patch_discriminator


def test_patchgan_70_gives_30x30_on_256():
    d = build_patch_discriminator(256, 3, 3, 64, 3, "batch")
    assert d.output.shape[1:] == (30, 30, 1)
    # 6·64·16+64 + 64·128·16 + 256 + 128·256·16 + 512 + 256·512·16 + 1024 + 512·16+1 (bias only where no BN follows)
    assert sum(int(np.prod(v.shape)) for v in d.trainable_variables) == 2768705


def test_unet_256_paper_shapes():
    m = tfgan_zoo.build_model("zoo_configs/pix2pix/pix2pix_facades_256.yaml")
    assert m.generator.get_layer("enc8_conv").output.shape[1:] == (1, 1, 512)
    dropouts = [l.name for l in m.generator.layers if "dropout" in l.name]
    assert len(dropouts) == 3
    assert m.generator.output.shape[1:] == (256, 256, 3)


def test_translate_validates_shape():
    with pytest.raises(ValueError, match="at least 32 pixels"):
        tfgan_zoo.build_model("pix2pix", image_size=16)
    m = tfgan_zoo.build_model("pix2pix", image_size=32, g_base_filters=2, d_base_filters=2)
    with pytest.raises(ValueError, match="32, 32, 3"):
        m.translate(np.zeros((1, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="paired"):
        m.split_batch(np.zeros((1, 32, 32, 3)))


def test_stochastic_mode_is_the_papers_test_mode_and_deterministic_mode_stays_default():
    """The paper (and the official test.py without --eval): dropout on, batch norm with the statistics of the test
    batch of one image. Deterministic mode: equal outputs; stochastic: different per seed, equal for one seed, and
    no state changes."""
    import keras

    keras.utils.set_random_seed(0)
    m = tfgan_zoo.build_model("pix2pix", image_size=64, g_base_filters=2, d_base_filters=2)  # 64: has dropout
    x = np.random.default_rng(0).uniform(-1, 1, (2, 64, 64, 3)).astype("float32")
    state = [v.numpy().copy() for v in m.generator.variables]
    np.testing.assert_array_equal(m.translate(x), m.translate(x))
    a, b = m.translate(x, stochastic=True, seed=1), m.translate(x, stochastic=True, seed=2)
    assert np.abs(a - b).max() > 1e-3 and np.abs(a - m.translate(x)).max() > 1e-3
    np.testing.assert_array_equal(a, m.translate(x, stochastic=True, seed=1))
    for before, v in zip(state, m.generator.variables):
        np.testing.assert_array_equal(before, v.numpy())
    # without dropout the paper mode is G in training mode on a batch of one image (batch statistics of that image)
    keras.utils.set_random_seed(0)
    plain = tfgan_zoo.build_model("pix2pix", image_size=64, g_base_filters=2, d_base_filters=2, dropout=0.0)
    for v in plain.generator.non_trainable_variables:  # moving statistics far from any image's own
        v.assign(np.full(v.shape, 0.5 if v.path.endswith("moving_mean") else 1e-3, "float32"))
    paper = plain.translate(x, stochastic=True, seed=0)
    assert np.abs(paper - plain.translate(x)).max() > 1e-2
    for i in range(2):
        ref = plain.generator(x[i:i + 1], training=True).numpy()
        np.testing.assert_allclose(paper[i:i + 1], ref, atol=1e-4)
