import numpy as np

from tests.contract.helpers import build_tiny, fixed_dataset


def test_critic_weights_stay_clipped_and_each_step_uses_n_critic_minibatches():
    m, cfg = build_tiny("wgan")
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0)
    assert max(np.abs(v.numpy()).max() for v in m.discriminator.trainable_variables) <= m.clip_value + 1e-7
    assert int(m.d_optimizer.iterations.numpy()) == 2 * m.n_critic
    assert int(m.g_optimizer.iterations.numpy()) == 2
    assert m.g_optimizer.__class__.__name__ == "RMSprop"
