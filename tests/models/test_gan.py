import numpy as np
import pytest

import tfgan_zoo
from tfgan_zoo.layers import Maxout


def test_paper_architecture_and_losses():
    m = tfgan_zoo.build_model("zoo_configs/gan/gan_mnist_28.yaml")
    dense = [l for l in m.generator.layers if l.__class__.__name__ == "Dense"]
    assert [l.units for l in dense] == [1200, 1200, 784]
    maxouts = [l for l in m.discriminator.layers if isinstance(l, Maxout)]
    assert [(l.units, l.pieces) for l in maxouts] == [(240, 5), (240, 5)]
    m.compile()
    import keras

    assert isinstance(m.g_optimizer, keras.optimizers.SGD) and m.g_optimizer.momentum == 0.5
    logits = np.array([0.3, -2.0], np.float32)
    assert np.all(m.generator_loss(logits).numpy() > 0)  # non-saturating: -log D(G(z))
    mm = tfgan_zoo.build_model("gan", image_size=8, generator_units=[8], maxout_units=[4],
                               generator_loss_type="minimax")
    assert np.all(mm.generator_loss(logits).numpy() < 0)  # log(1 - D(G(z)))
    with pytest.raises(ValueError, match="generator_loss_type"):
        tfgan_zoo.build_model("gan", generator_loss_type="hinge")


def test_maxout_takes_max_over_pieces():
    layer = Maxout(2, 3)
    y = layer(np.ones((4, 5), np.float32))
    assert y.shape == (4, 2)
    w = layer.dense.kernel.numpy()
    expected = (np.ones((1, 5)) @ w + layer.dense.bias.numpy()).reshape(1, 2, 3).max(-1)
    np.testing.assert_allclose(y.numpy()[:1], expected, rtol=1e-5)


@pytest.mark.parametrize("step", [0, 600, 75300, 400000])
def test_default_sgd_follows_the_released_mnist_recipe(step):
    """goodfeli/adversarial mnist.yaml: lr 0.1 ÷ 1.000004 per update (floor 1e-6), momentum 0.5 → 0.7 over epochs
    1 → 250 (steps 600 → 150,000 here). Two updates from `step` with one gradient: -lr_t g, then
    μ_{t+1}(-lr_t g) - lr_{t+1} g."""
    import tensorflow as tf

    m = tfgan_zoo.build_model("gan", image_size=8, generator_units=[8], maxout_units=[4], maxout_pieces=2, seed=0)
    opt = m.default_optimizers()["discriminator"]
    v = tf.Variable(np.zeros(2, np.float32))
    g = tf.constant([1.0, -3.0])
    opt.build([v])
    opt.iterations.assign(step)

    def lr(t):
        return max(0.1 / 1.000004**t, 1e-6)

    def mu(t):
        return 0.5 + 0.2 * min(max((t - 600) / (150000 - 600), 0.0), 1.0)

    opt.apply_gradients([(g, v)])
    first = -lr(step) * g.numpy()
    np.testing.assert_allclose(v.numpy(), first, rtol=1e-4)
    opt.apply_gradients([(g, v)])
    np.testing.assert_allclose(v.numpy(), first + mu(step + 1) * first - lr(step + 1) * g.numpy(), rtol=1e-4)
