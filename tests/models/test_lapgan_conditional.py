"""Class-conditional LAPGAN: the class enters every level as in the paper, and changes the samples."""

import numpy as np
import pytest

import tfgan_zoo


def test_cifar10_class_conditional_configuration():
    m = tfgan_zoo.build_model("zoo_configs/lapgan_conditional/lapgan_conditional_cifar10_32.yaml")
    base = tfgan_zoo.build_model("zoo_configs/lapgan/lapgan_cifar10_32.yaml").summary_of_parameters()
    counts = m.summary_of_parameters()
    # MLP level: c concatenated to z (G) and to the flattened image (D)
    assert counts["coarse_generator"] - base["coarse_generator"] == 10 * 1200
    assert counts["coarse_discriminator"] - base["coarse_discriminator"] == 10 * 600
    # 16×16 G_k: linear(10 → 16·16) plane + one more input map for conv2 (5·5·64 weights)
    assert counts["level0_generator"] - base["level0_generator"] == (10 * 256 + 256) + 25 * 64
    # 32×32 D_k: the plane joins conv1's 32×32 maps
    assert counts["level1_discriminator"] - base["level1_discriminator"] == (10 * 1024 + 1024) + 25 * 128
    assert m.level_generators[0].get_layer("features_and_y").output.shape[1:] == (16, 16, 65)


def test_label_changes_every_level():
    m = tfgan_zoo.build_model("zoo_configs/lapgan_conditional/lapgan_conditional_tiny.yaml")
    from tfgan_zoo.export.testing import randomize_generator

    randomize_generator(m, seed=0)
    z = m.latents_for(2, seed=0)
    a = [im.numpy() for im in m.sample_levels(z, np.array([1, 1]))]
    b = [im.numpy() for im in m.sample_levels(z, np.array([7, 7]))]
    for la, lb in zip(a, b):
        assert np.abs(la - lb).max() > 1e-3
    np.testing.assert_allclose(m((z, np.array([1, 1]))).numpy(), a[-1], atol=1e-6)
    with pytest.raises(ValueError, match="needs labels"):
        m.sample_levels(z)


def test_needs_classes():
    with pytest.raises(ValueError, match="use `lapgan`"):
        tfgan_zoo.build_model("lapgan_conditional", num_classes=0)
    with pytest.raises(ValueError, match="g_layers must be >= 2"):
        tfgan_zoo.build_model("lapgan_conditional", g_layers=1)
