import numpy as np
import pytest

import tfgan_zoo


def test_paper_architecture_112():
    m = tfgan_zoo.build_model("zoo_configs/lsgan/lsgan_lsun_112.yaml")
    assert m.generator.get_layer("reshape").output.shape[1:] == (7, 7, 256)
    assert m.generator.output.shape[1:] == (112, 112, 3)
    assert m.latent_dim == 1024


def test_codes_are_used():
    m = tfgan_zoo.build_model("lsgan", image_size=16, base_filters=2, latent_dim=4, a=-1.0, b=1.0, c=0.0)
    real, fake = np.array([1.0], np.float32), np.array([-1.0], np.float32)
    assert float(m.discriminator_loss(real, fake)[0]) == 0.0
    assert float(m.generator_loss(np.array([0.0], np.float32))[0]) == 0.0
    with pytest.raises(ValueError, match="multiple of 16"):
        tfgan_zoo.build_model("lsgan", image_size=24)
