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


@pytest.mark.parametrize("step", [0, 600, 75300, 150000, 400000])
def test_default_sgd_applies_the_papers_momentum_ramp_and_decay(step):
    """Mirza & Osindero: lr 0.1 divided by 1.00004 per update down to 1e-6, momentum 0.5 increased to 0.7 (over
    steps 600 → 150,000, the GAN paper's MNIST recipe). Two updates from optimizer step `step` with one gradient:
    the first moves the weight by -lr_t g, the second by μ_{t+1}(-lr_t g) - lr_{t+1} g."""
    import tensorflow as tf

    m = tfgan_zoo.build_model("cgan", image_size=8, g_joint_units=16, d_joint_units=8, seed=0)
    opt = m.default_optimizers()["generator"]
    v = tf.Variable(np.zeros(3, np.float32))
    g = tf.constant([1.0, -2.0, 0.5])
    opt.build([v])
    opt.iterations.assign(step)

    def lr(t):
        return max(0.1 / 1.00004**t, 1e-6)

    def mu(t):
        return 0.5 + 0.2 * min(max((t - 600) / (150000 - 600), 0.0), 1.0)

    opt.apply_gradients([(g, v)])
    first = -lr(step) * g.numpy()
    np.testing.assert_allclose(v.numpy(), first, rtol=1e-4)
    opt.apply_gradients([(g, v)])
    second = mu(step + 1) * first - lr(step + 1) * g.numpy()
    np.testing.assert_allclose(v.numpy(), first + second, rtol=1e-4)
    assert opt.momentum_at(step) == pytest.approx(mu(step), abs=1e-6)
    assert float(opt.learning_rate) == pytest.approx(lr(step + 2), rel=1e-4)
