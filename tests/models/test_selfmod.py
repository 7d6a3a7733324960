import keras
import numpy as np

import tfgan_zoo
from tests.contract.helpers import build_tiny
from tfgan_zoo import tasks
from tfgan_zoo.layers.conditional_norm import SelfModulatedBatchNormalization


def _smbn(model):
    return [layer for layer in model._flatten_layers() if isinstance(layer, SelfModulatedBatchNormalization)]


def test_every_generator_bn_is_self_modulated_by_z():
    m, _ = build_tiny("selfmod")
    assert m.task is tasks.UNCONDITIONAL
    bns = _smbn(m.generator)
    assert len(bns) == 3 and all(b.hidden_units == 4 for b in bns)
    plain = [layer for layer in m.generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert plain == []  # no un-modulated BN at the top level
    # the modulation depends on z: same features, different z → different output of the layer
    layer = bns[0]
    x = np.random.default_rng(0).normal(size=(2, 4, 4, layer.gamma.kernel.shape[-1])).astype("float32")
    z1, z2 = np.zeros((2, 8), np.float32), np.ones((2, 8), np.float32)
    layer.gamma.kernel.assign(np.ones_like(layer.gamma.kernel.numpy()))
    layer.hidden.bias.assign(np.ones_like(layer.hidden.bias.numpy()))
    assert not np.allclose(layer([x, z1]).numpy(), layer([x, z2]).numpy())


def test_conditional_combination_and_resnet_variant():
    m = tfgan_zoo.build_model("zoo_configs/selfmod/selfmod_tiny.yaml")
    cond = type(m)(**{**m.get_config(), "num_classes": 3, "architecture": "resnet", "g_base_channels": 8,
                      "d_base_channels": 8})
    assert cond.task is tasks.CLASS_CONDITIONAL
    bn = _smbn(cond.generator)[0]
    assert bn.hidden.kernel.shape[0] == 8 + cond.shared_dim  # [embed(y), z]
    assert cond.discriminator.get_layer("projection").num_classes == 3
    out = cond.generate(3, seed=1, labels=[0, 1, 2])
    assert out.shape == (3, 16, 16, 1)


def test_paper_cifar_config():
    cfg = tfgan_zoo.load_config("zoo_configs/selfmod/selfmod_cifar10_32.yaml")
    m = tfgan_zoo.build_model(cfg)
    assert m.generator.get_layer("reshape").output.shape[1:] == (4, 4, 512)
    assert [b.hidden_units for b in _smbn(m.generator)] == [32] * 4
    m.compile()
    opt = m.player_optimizers["generator"]
    assert np.isclose(float(opt.learning_rate.numpy()), 2e-4) and opt.beta_1 == 0.5
    assert m.adversarial_loss == "non_saturating"
