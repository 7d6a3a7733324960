import keras
import numpy as np
import tensorflow as tf

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset
from tfgan_zoo.layers.conditional_norm import ConditionalBatchNormalization
from tfgan_zoo.models.biggan import biggan_networks


def _count(m):
    return int(sum(np.prod(v.shape) for v in m.trainable_variables))


def _paper_networks(res):
    p = tfgan_zoo.load_config(f"zoo_configs/biggan/biggan_imagenet_{res}.yaml").model.params
    # glorot instead of orthogonal init only to build faster; the shapes (and counts) are the same
    g = biggan_networks.build_generator(p["latent_dim"], 1000, res, 3, 96, p["g_channel_mults"], 128, True,
                                        p["g_attention"], "glorot")
    d = biggan_networks.build_discriminator(1000, res, 3, 96, p["d_channel_mults"], p["d_downsample"],
                                            p["d_attention"], "glorot")
    return g, d


def test_biggan_128_parameter_counts_equal_biggan_pytorch():
    """BigGAN-PyTorch (ajbrock), G_ch = D_ch = 96, 128×128: G 70,433,988 and D 87,982,370 parameters."""
    g, d = _paper_networks(128)
    assert (_count(g), _count(d)) == (70433988, 87982370)
    # skip-z: 120 = 6 chunks of 20; every conditional BN sees [shared embedding 128, chunk 20]
    assert g.get_layer("z_chunk_0").output.shape[-1] == 20
    assert g.get_layer("linear").layer.kernel.shape == (20, 4 * 4 * 16 * 96)
    cbn = g.get_layer("block1_bn1")
    assert isinstance(cbn, ConditionalBatchNormalization) and cbn.gamma.layer.kernel.shape == (148, 16 * 96)
    assert g.get_layer("attention_64").output.shape[1:] == (64, 64, 192)
    assert d.get_layer("attention_64").output.shape[1:] == (64, 64, 96)


def _official_ortho_gradient(kernel, strength):
    """BigGAN-PyTorch utils.ortho: W viewed as [out, fan_in], grad += strength · 2 (WWᵀ ⊙ (1 − I)) W."""
    w = kernel.reshape(-1, kernel.shape[-1]).T.astype(np.float64)
    grad = 2.0 * ((w @ w.T) * (1.0 - np.eye(w.shape[0]))) @ w
    return (strength * grad).T.reshape(kernel.shape)


def test_tiny_uses_synchronized_bn_ortho_init_and_reports_the_ortho_penalty():
    m, cfg = build_tiny("biggan")
    # the gradient the step adds for the orthogonal term is BigGAN-PyTorch's, on every G kernel but the shared
    # embedding (which gets none)
    weights = m.orthogonal_weights()
    k = m.generator.get_layer("block1_conv1").layer.kernel.numpy().reshape(-1, 16)
    np.testing.assert_allclose(k.T @ k, np.eye(16), atol=1e-4)  # orthogonal init (before any SN step)
    saved = [v.numpy() for v in weights]
    rng = np.random.default_rng(0)
    for v in weights:  # off-orthogonal weights, so the term's gradient is far above round-off
        v.assign(rng.normal(scale=0.2, size=v.shape).astype("float32"))
    with tf.GradientTape() as tape:
        penalty, name = m.weight_penalty("generator")
    grads = tape.gradient(penalty, m.generator.trainable_variables)
    by_path = {v.path: g for v, g in zip(m.generator.trainable_variables, grads)}
    assert name == "ortho_loss" and any("shared_embedding" in p and g is None for p, g in by_path.items())
    for v in weights:
        expected = _official_ortho_gradient(v.numpy(), m.ortho_beta)
        np.testing.assert_allclose(by_path[v.path].numpy(), expected, rtol=1e-3,
                                   atol=1e-3 * float(np.abs(expected).max()) + 1e-9)
    for v, value in zip(weights, saved):
        v.assign(value)
    bns = [layer for layer in m.generator._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]
    assert bns and all(bn.synchronized for bn in bns)
    assert not any("shared_embedding" in v.path for v in m.orthogonal_weights())
    assert len(m.orthogonal_weights()) > 10
    h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0).history
    assert all(v > 0 for v in h["ortho_loss"])
    m.compile()
    g, d = m.player_optimizers["generator"], m.player_optimizers["discriminator"]
    assert np.isclose(float(g.learning_rate.numpy()), 5e-5) and np.isclose(float(d.learning_rate.numpy()), 2e-4)
    assert g.beta_1 == 0.0 and g.beta_2 == 0.999 and m.n_critic == 2 and m.ortho_beta == 1e-4


def test_ema_copies_until_ema_start_then_averages():
    cfg = tfgan_zoo.load_config("zoo_configs/biggan/biggan_tiny.yaml", ["model.params.ema_start=1",
                                                                       "model.params.ema_decay=0.5"])
    from tfgan_zoo.training import build_and_compile

    keras.utils.set_random_seed(0)
    m = build_and_compile(cfg)
    ds = fixed_dataset(m, cfg)
    m.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)  # step 1 <= ema_start: copy
    for e, w in zip(m.generator_ema.weights, m.generator.weights):
        np.testing.assert_array_equal(e.numpy(), w.numpy())
    before = [w.numpy() for w in m.generator_ema.trainable_weights]
    m.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)  # step 2: ema = 0.5 ema + 0.5 g
    for b, e, w in zip(before, m.generator_ema.weights, m.generator.weights):
        if w.trainable:
            np.testing.assert_allclose(e.numpy(), 0.5 * b + 0.5 * w.numpy(), atol=1e-6)
    assert m.inference_generator is m.generator_ema


def test_truncation_generate_matches_the_signature_and_standing_stats_change_bn():
    m, cfg = build_tiny("biggan")
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0)
    labels = np.array([1, 2, 3], np.int32)
    a = m.generate(3, seed=5, labels=labels, truncation=0.4)
    np.testing.assert_array_equal(a, m.generate(3, seed=5, labels=labels, truncation=0.4))
    fn, _ = m.serving_signatures()["sample_truncated"]
    out = fn(tf.constant(5), tf.constant(labels), tf.constant(0.4))
    np.testing.assert_allclose(out["images"].numpy(), a, atol=1e-6)
    assert np.abs(out["latents"].numpy()).max() <= 0.4
    assert not np.allclose(a, m.generate(3, seed=5, labels=labels))
    bn = m.generator_ema.get_layer("out_bn")
    mean_before = bn.moving_mean.numpy().copy()
    assert m.standing_statistics(num_batches=3, batch_size=8, truncation=0.4) > 0
    assert not np.allclose(bn.moving_mean.numpy(), mean_before)
    assert not np.allclose(m.generate(3, seed=5, labels=labels, truncation=0.4), a)
