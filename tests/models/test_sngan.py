import keras
import numpy as np
import pytest

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset
from tfgan_zoo import tasks
from tfgan_zoo.layers.conditional_norm import ConditionalBatchNormalization
from tfgan_zoo.layers.projection import ProjectionHead
from tfgan_zoo.models.sngan import sngan_networks


def _layers(model, cls):
    return [layer for layer in model._flatten_layers() if isinstance(layer, cls)]


def test_spectral_norm_in_d_only_and_projection_head():
    m, _ = build_tiny("sngan")
    assert _layers(m.discriminator, keras.layers.SpectralNormalization)
    assert not _layers(m.generator, keras.layers.SpectralNormalization)
    head = m.discriminator.get_layer("projection")
    assert isinstance(head, ProjectionHead) and head.num_classes == 10
    cbns = _layers(m.generator, ConditionalBatchNormalization)
    assert len(cbns) == 2 * 2 and all(c.num_classes == 10 for c in cbns)  # two per up-block


def test_paper_imagenet_128_shapes_and_count():
    cfg = tfgan_zoo.load_config("zoo_configs/sngan/sngan_imagenet_128.yaml")
    p = cfg.model.params
    g = sngan_networks.build_generator(p["latent_dim"], 1000, 128, 3, 64, p["g_channel_mults"])
    d = sngan_networks.build_discriminator(1000, 128, 3, 64, p["d_channel_mults"], p["d_downsample"])
    assert g.get_layer("reshape").output.shape[1:] == (4, 4, 1024)
    assert g.output.shape[1:] == (128, 128, 3)
    assert d.get_layer("block5_add").output.shape[1:] == (4, 4, 1024)
    assert d.get_layer("block6_add").output.shape[1:] == (4, 4, 1024)
    # Count from the architecture (sngan_projection gen_models/resnet.py, dis_models/snresnet.py), not from the code:
    ch, k = 64, 1000

    def conv(i, o, ks=3):
        return ks * ks * i * o + o

    g_blocks = [(16, 16), (16, 8), (8, 4), (4, 2), (2, 1)]
    g_count = 128 * 16 * 16 * ch + 16 * 16 * ch
    for a, b in g_blocks:
        g_count += conv(a * ch, b * ch) + conv(b * ch, b * ch) + conv(a * ch, b * ch, 1) + 2 * k * (a * ch + b * ch)
    g_count += 2 * ch + conv(ch, 3)  # final BN and conv
    d_count = conv(3, ch) + conv(ch, ch) + conv(3, ch, 1)  # optimized block
    for a, b in [(1, 2), (2, 4), (4, 8), (8, 16)]:  # hidden = in channels
        d_count += conv(a * ch, a * ch) + conv(a * ch, b * ch) + conv(a * ch, b * ch, 1)
    d_count += 2 * conv(16 * ch, 16 * ch) + (16 * ch + 1) + k * 16 * ch
    count = lambda m: int(sum(np.prod(v.shape) for v in m.trainable_variables))  # noqa: E731
    assert (count(g), count(d)) == (g_count, d_count)


def test_defaults_follow_the_paper():
    m = tfgan_zoo.build_model("zoo_configs/sngan/sngan_tiny.yaml")
    cfg = tfgan_zoo.load_config("zoo_configs/sngan/sngan_cifar10_32.yaml")
    assert cfg.model.params["n_critic"] == 5 and type(m).__init__.__defaults__ is not None
    m.compile()
    for opt in m.player_optimizers.values():
        assert np.isclose(float(opt.learning_rate.numpy()), 2e-4) and opt.beta_1 == 0.0 and opt.beta_2 == 0.9
    assert m.adversarial_loss == "hinge"


def test_unconditional_variant_trains_generates_and_serves():
    cfg = tfgan_zoo.load_config("zoo_configs/sngan/sngan_tiny.yaml", ["model.params.num_classes=0"])
    keras.utils.set_random_seed(0)
    from tfgan_zoo.training import build_and_compile

    m = build_and_compile(cfg)
    assert m.task is tasks.UNCONDITIONAL
    assert m.discriminator.get_layer("projection").num_classes == 0
    assert len(m.generator.inputs) == 1
    h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0).history
    assert np.isfinite(h["d_loss"]).all()
    a = m.generate(3, seed=4)
    np.testing.assert_array_equal(a, m.generate(3, seed=4))
    assert a.shape == (3, 16, 16, 1)
    assert set(m.serving_signatures()) == {"serving_default", "sample", "sample_truncated"}
    with pytest.raises(ValueError, match="unconditional"):
        m.generate(2, labels=[0, 1])


def test_bad_label_range_is_refused():
    m, _ = build_tiny("sngan")
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        m.generate(2, labels=[3, 10])


def test_official_linear_shift_counted_in_generator_updates():
    """sngan_projection's `LinearShift('alpha', (2e-4, 0), (iteration_decay_start, iteration))` on both optimizers,
    keyed to the updater's iterations = generator updates: G's rate after t updates and D's after n_critic·t."""
    from tests.contract.helpers import fixed_dataset

    tiny = tfgan_zoo.load_config("zoo_configs/sngan/sngan_tiny.yaml")
    tiny.model.params.update(lr_decay_start=1, lr_decay_steps=4)
    m = tfgan_zoo.build_model(tiny)
    m.compile()
    g, d = m.player_optimizers["generator"], m.player_optimizers["discriminator"]
    m.fit(fixed_dataset(m, tiny), steps_per_epoch=3, epochs=1, verbose=0)
    n = m.n_critic
    assert int(g.iterations) == 3 and int(d.iterations) == 3 * n
    np.testing.assert_allclose(float(g.learning_rate), 2e-4 * (1 - 2 / 4), rtol=1e-6)
    np.testing.assert_allclose(float(d.learning_rate), 2e-4 * (1 - 2 / 4), rtol=1e-6)  # same generator-update clock
    np.testing.assert_allclose([float(g._learning_rate(t)) for t in (0, 1, 3, 5, 8)], [2e-4, 2e-4, 1e-4, 0, 0],
                               atol=1e-10)
    cifar = tfgan_zoo.load_config("zoo_configs/sngan/sngan_cifar10_32.yaml").model.params
    imagenet = tfgan_zoo.load_config("zoo_configs/sngan/sngan_imagenet_128.yaml").model.params
    assert (cifar["lr_decay_start"], cifar["lr_decay_steps"]) == (0, 50000)
    assert (imagenet["lr_decay_start"], imagenet["lr_decay_steps"]) == (400000, 50000)
    with pytest.raises(ValueError, match="lr_decay_steps"):
        tfgan_zoo.build_model("zoo_configs/sngan/sngan_tiny.yaml", lr_decay_steps=-1)
