import pytest

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset


def test_rejects_batch_norm_critic_and_has_no_batch_norm():
    with pytest.raises(ValueError, match="batch norm"):
        tfgan_zoo.build_model("wgan_gp", image_size=16, critic_normalization="batch")
    m = tfgan_zoo.build_model("zoo_configs/wgan_gp/wgan_gp_lsun_64.yaml")
    kinds = {l.__class__.__name__ for l in m.discriminator.layers}
    assert "BatchNormalization" not in kinds and "LayerNormalization" in kinds


def test_penalty_is_reported_and_paper_optimizer():
    m, cfg = build_tiny("wgan_gp")
    h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0).history
    assert h["gradient_penalty"][-1] > 0
    assert int(m.d_optimizer.iterations.numpy()) == 2 * m.n_critic
    assert m.d_optimizer.beta_1 == 0.0 and m.d_optimizer.beta_2 == 0.9
