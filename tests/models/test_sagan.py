import keras
import numpy as np

import tfgan_zoo
from tests.contract.helpers import build_tiny
from tfgan_zoo.layers.attention import SelfAttention
from tfgan_zoo.models.sagan import sagan_networks


def test_attention_in_g_and_d_at_the_configured_resolution_with_sn_in_both():
    m, _ = build_tiny("sagan")
    for net in (m.generator, m.discriminator):
        att = [layer for layer in net._flatten_layers() if isinstance(layer, SelfAttention)]
        assert len(att) == 1 and att[0].name == "attention_8"
        assert att[0].output.shape[1:3] == (8, 8)
        assert float(att[0].gamma.numpy()) == 0.0
        assert any(isinstance(layer, keras.layers.SpectralNormalization) for layer in net._flatten_layers())


def test_ttur_optimizers():
    m = tfgan_zoo.build_model("zoo_configs/sagan/sagan_tiny.yaml")
    m.compile()
    g, d = m.player_optimizers["generator"], m.player_optimizers["discriminator"]
    assert np.isclose(float(g.learning_rate.numpy()), 1e-4) and np.isclose(float(d.learning_rate.numpy()), 4e-4)
    assert g.beta_1 == d.beta_1 == 0.0 and g.beta_2 == d.beta_2 == 0.9
    assert m.n_critic == 1 and m.adversarial_loss == "hinge"


def test_paper_imagenet_128_attention_at_32():
    cfg = tfgan_zoo.load_config("zoo_configs/sagan/sagan_imagenet_128.yaml")
    p = cfg.model.params
    g = sagan_networks.build_generator(128, 1000, 128, 3, 64, p["g_channel_mults"], p["g_attention"])
    d = sagan_networks.build_discriminator(1000, 128, 3, 64, p["d_channel_mults"], p["d_downsample"], p["d_attention"])
    assert g.get_layer("attention_32").output.shape[1:] == (32, 32, 256)
    assert d.get_layer("attention_32").output.shape[1:] == (32, 32, 128)
    assert g.output.shape[1:] == (128, 128, 3)
    count = lambda m: int(sum(np.prod(v.shape) for v in m.trainable_variables))  # noqa: E731
    # No per-network official count is published; BigGAN's Table 1 lists its SA-GAN baseline (ch 64) at 81.5M
    # parameters in total, which G + D here reproduce (81,542,470).
    assert (count(g), count(d)) == (42078852, 39463618)
    assert round((count(g) + count(d)) / 1e6, 1) == 81.5
