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
