import numpy as np

import tfgan_zoo
from tests.contract.helpers import build_tiny
from tfgan_zoo.models.biggan_deep import biggan_deep_networks


def _count(m):
    return int(sum(np.prod(v.shape) for v in m.trainable_variables))


def test_biggan_deep_128_parameter_counts_against_biggan_pytorch():
    """BigGAN-PyTorch BigGANdeep.py at ch 128, 128×128. Its G output conv has 128 channels (3 kept): 50,388,609
    parameters; ours outputs 3 channels directly, 144,125 fewer. D equals its D (34,590,210)."""
    p = tfgan_zoo.load_config("zoo_configs/biggan_deep/biggan_deep_imagenet_128.yaml").model.params
    g = biggan_deep_networks.build_generator(128, 1000, 128, 3, 128, p["g_channel_mults"], 128, p["g_attention"],
                                             "glorot")
    d = biggan_deep_networks.build_discriminator(1000, 128, 3, 128, p["d_channel_mults"], p["d_downsample"],
                                                 p["d_attention"], "glorot")
    official_output_conv, ours_output_conv = 128 * 9 * 128 + 128, 128 * 9 * 3 + 3
    assert _count(g) == 50388609 - official_output_conv + ours_output_conv
    assert _count(d) == 34590210
    # every conditional BN sees [shared embedding 128, z 128]; two bottleneck blocks per resolution
    assert g.get_layer("block1a_bn1").gamma.layer.kernel.shape == (256, 16 * 128)
    assert g.get_layer("block1a_conv1").layer.kernel.shape == (1, 1, 2048, 512)
    assert g.get_layer("linear").layer.kernel.shape == (256, 4 * 4 * 2048)
    assert g.get_layer("block4b_add").output.shape[1:] == (64, 64, 256)
    assert d.get_layer("attention_64").output.shape[1:] == (64, 64, 256)


def test_shortcuts_drop_and_append_channels():
    m, _ = build_tiny("biggan_deep")
    g, d = m.generator, m.discriminator
    names = [layer.name for layer in g.layers]
    assert "block1b_sc_drop" not in names  # 16 → 16: the shortcut keeps every channel, no slice layer
    assert g.get_layer("block2b_sc_drop").output.shape[-1] == 8  # 16 → 8: the shortcut drops the last 8
    assert d.get_layer("block1a_sc_concat").output.shape[-1] == 16  # 8 input-conv channels + 8 from the 1×1 conv
    assert d.get_layer("block1a_conv_sc").layer.kernel.shape == (1, 1, 8, 8)


def test_subclass_of_biggan_with_its_own_arguments():
    """BigGAN-deep is BigGAN with other network builders; its arguments (no `hierarchical`) still round-trip."""
    from tfgan_zoo.models.biggan.biggan_gan import BigGAN

    m, _ = build_tiny("biggan_deep")
    assert isinstance(m, BigGAN) and m.registry_name == "biggan_deep"
    config = m.get_config()
    assert "hierarchical" not in config
    assert type(m).from_config(config).get_config() == config
    assert "block1a_conv1" in [layer.name for layer in m.generator.layers]  # bottleneck blocks
