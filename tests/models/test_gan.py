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
    assert m.g_optimizer.__class__.__name__ == "SGD" and m.g_optimizer.momentum == 0.5
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
