import numpy as np
import pytest

import tfgan_zoo


def test_paper_architecture():
    m = tfgan_zoo.build_model("zoo_configs/cgan/cgan_mnist_28.yaml")
    assert m.generator.get_layer("z_hidden").units == 200
    assert m.generator.get_layer("y_hidden").units == 1000
    assert m.generator.get_layer("joint_hidden").units == 1200
    joint = m.discriminator.get_layer("joint_maxout")
    assert (joint.units, joint.pieces) == (240, 4)


def test_labels_condition_the_output_and_are_validated():
    m = tfgan_zoo.build_model("cgan", image_size=8, g_joint_units=32, d_joint_units=8, seed=0)
    a = m.generate(2, seed=1, labels=[3, 3])
    b = m.generate(2, seed=1, labels=[4, 4])
    assert not np.allclose(a, b)
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        m.generate(1, seed=0, labels=[10])
    with pytest.raises(ValueError, match="labels"):
        m.generate(2, seed=0, labels=[1])
