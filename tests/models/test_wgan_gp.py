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


def _count(m):
    import numpy as np

    return int(sum(np.prod(v.shape) for v in m.trainable_variables))


def test_cifar10_resnet_matches_the_official_code():
    """gan_cifar_resnet.py (unconditional), counted by hand from its layers: G = linear 128→4·4·128 (264,192) + 3 up
    ResBlocks × 312,192 (two 3×3 convs, a 1×1 shortcut, two BNs) + output BN (256) + 3×3 conv to RGB (3,459) =
    1,204,483; critic = optimized block (151,680) + down block (311,680) + 2 blocks × 295,168 + linear (129) =
    1,053,825."""
    import keras

    m = tfgan_zoo.build_model("zoo_configs/wgan_gp/wgan_gp_cifar10_resnet.yaml")
    assert (_count(m.generator), _count(m.discriminator)) == (1204483, 1053825)
    kinds = {l.__class__.__name__ for l in m.discriminator.layers}
    assert not kinds & {"BatchNormalization", "LayerNormalization", "GroupNormalization"}
    assert "GlobalAveragePooling2D" in kinds  # the critic averages over its 8×8 positions
    assert m.discriminator.get_layer("global_mean_pool").input.shape[1:] == (8, 8, 128)
    assert sum(isinstance(l, keras.layers.BatchNormalization) for l in m.generator.layers) == 7
    assert m.generator.output.shape[1:] == (32, 32, 3)
    # Adam(2e-4, 0, 0.9), both rates linear to 0 over 100k generator updates (the critic's over its 500k)
    m.compile()
    g, d = m.player_optimizers["generator"], m.player_optimizers["discriminator"]
    assert g.beta_1 == 0.0 and g.beta_2 == 0.9 and m.n_critic == 5
    for step, expected in [(0, 2e-4), (50000, 1e-4), (100000, 0.0), (120000, 0.0)]:  # the rate the update applies
        g.iterations.assign(step)
        d.iterations.assign(5 * step)
        assert float(g.learning_rate) == pytest.approx(expected, abs=1e-10)
        assert float(d.learning_rate) == pytest.approx(expected, abs=1e-10)
    with pytest.raises(ValueError, match="critic_normalization='none'"):
        tfgan_zoo.build_model("wgan_gp", image_size=32, architecture="resnet")


def test_resnet_generator_update_uses_twice_the_critic_batch():
    cfg = tfgan_zoo.load_config("zoo_configs/wgan_gp/wgan_gp_tiny.yaml", [
        "model.params.architecture=resnet", "model.params.critic_normalization=none",
        "model.params.generator_batch_multiple=2", "model.params.lr_decay_steps=10"])
    from tfgan_zoo.training import build_and_compile

    m = build_and_compile(cfg)
    batch = next(iter(fixed_dataset(m, cfg)))
    chunk = m.task.split_batch(m, batch)
    assert m.generator_inputs(chunk).shape[0] == 2 * cfg.train.batch_size * m.n_critic
    assert m.generate_fake(chunk).shape[0] == cfg.train.batch_size * m.n_critic
    h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0).history
    assert all(v == v for v in h["g_loss"]) and int(m.g_optimizer.iterations.numpy()) == 2
