"""Shared pieces of the SN-GAN / SAGAN / BigGAN families: spectral norm, conditional and self-modulated BN,
self-attention, the projection head, truncation, standing statistics, channel slicing and sum pooling."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.layers.attention import SelfAttention
from tfgan_zoo.layers.conditional_norm import ConditionalBatchNormalization, SelfModulatedBatchNormalization
from tfgan_zoo.layers.projection import ProjectionHead
from tfgan_zoo.layers.spectral import sn_dense
from tfgan_zoo.layers.standing_stats import accumulate_standing_statistics
from tfgan_zoo.layers.tensor_ops import ChannelSlice, GlobalSumPooling2D
from tfgan_zoo.layers.truncation import truncated_normal_from_seed
from tfgan_zoo.training.distribute import mirrored_strategy


def _bn(x, eps=1e-5):
    mean = x.mean(axis=(0, 1, 2))
    var = x.var(axis=(0, 1, 2))
    return (x - mean) / np.sqrt(var + eps)


def test_spectral_norm_normalizes_the_kernel_in_training_mode():
    layer = sn_dense(6, "d")
    layer.build((None, 5))
    layer.layer.kernel.assign(np.random.default_rng(0).normal(size=(5, 6)).astype("float32") * 3.0)
    x = np.ones((2, 5), np.float32)
    for _ in range(30):  # power iteration converges
        layer(x, training=True)
    sigma = np.linalg.svd(layer.layer.kernel.numpy(), compute_uv=False)[0]
    assert abs(sigma - 1.0) < 1e-3
    assert layer.name == "d" and layer.layer.name == "d_w"


def test_spectral_norm_state_is_the_same_on_two_replicas(two_cpus):
    """The power-iteration vector u and the normalized kernel after 3 training steps are equal on 1 and 2 replicas."""
    x = np.random.default_rng(1).normal(size=(8, 5)).astype("float32")

    def run(strategy):
        with strategy.scope():
            keras.utils.set_random_seed(0)
            inp = keras.Input((5,))
            model = keras.Model(inp, sn_dense(1, "out")(keras.layers.ReLU()(sn_dense(7, "hidden")(inp))))
            opt = keras.optimizers.Adam(1e-2)
            opt.build(model.trainable_variables)

        def replica_step(xb):
            with tf.GradientTape() as tape:
                loss = tf.nn.compute_average_loss(tf.reshape(model(xb, training=True), [-1]) ** 2)
            opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))

        step = tf.function(lambda xb: strategy.run(replica_step, (xb,)))
        ds = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices(x).batch(8).repeat(3))
        for batch in ds:
            step(batch)
        return {v.path: v.numpy() for v in model.weights}

    one = run(tf.distribute.OneDeviceStrategy(two_cpus[0]))
    two = run(mirrored_strategy(two_cpus))
    assert any("vector_u" in k for k in one)
    for key in one:
        np.testing.assert_allclose(two[key], one[key], atol=1e-6, err_msg=key)


def test_class_conditional_bn_uses_per_class_gain_and_bias():
    x = np.random.default_rng(0).normal(size=(4, 3, 3, 2)).astype("float32")
    y = np.array([0, 2, 1, 2], np.int32)
    layer = ConditionalBatchNormalization(num_classes=3, synchronized=False)
    layer([x, y], training=True)
    gamma = np.array([[1.0, 2.0], [0.5, 1.0], [3.0, -1.0]], np.float32)
    beta = np.array([[0.0, 1.0], [2.0, 0.0], [-1.0, 0.5]], np.float32)
    layer.gamma.embeddings.assign(gamma)
    layer.beta.embeddings.assign(beta)
    out = layer([x, y], training=True).numpy()
    expected = _bn(x) * gamma[y][:, None, None, :] + beta[y][:, None, None, :]
    np.testing.assert_allclose(out, expected, atol=1e-4)


def test_linear_conditional_bn_projects_the_condition():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 2, 2, 4)).astype("float32")
    c = rng.normal(size=(3, 5)).astype("float32")
    layer = ConditionalBatchNormalization(use_sn=False, synchronized=False)
    out = layer([x, c], training=True).numpy()
    wg, wb = layer.gamma.kernel.numpy(), layer.beta.kernel.numpy()
    assert layer.gamma.bias is None and layer.beta.bias is None  # bias-free, as BigGAN's ccbn
    expected = _bn(x) * (1.0 + c @ wg)[:, None, None, :] + (c @ wb)[:, None, None, :]
    np.testing.assert_allclose(out, expected, atol=1e-4)
    with pytest.raises(ValueError, match="float vector"):
        ConditionalBatchNormalization()([x, np.zeros((3,), np.int32)])


def test_self_modulated_bn_is_an_mlp_of_z():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 2, 2, 3)).astype("float32")
    z = rng.normal(size=(4, 6)).astype("float32")
    layer = SelfModulatedBatchNormalization(hidden_units=5, synchronized=False)
    out = layer([x, z], training=True).numpy()
    h = np.maximum(z @ layer.hidden.kernel.numpy() + layer.hidden.bias.numpy(), 0.0)
    gamma = 1.0 + h @ layer.gamma.kernel.numpy() + layer.gamma.bias.numpy()
    beta = h @ layer.beta.kernel.numpy() + layer.beta.bias.numpy()
    np.testing.assert_allclose(out, _bn(x) * gamma[:, None, None, :] + beta[:, None, None, :], atol=1e-4)
    assert layer.hidden.kernel.shape == (6, 5)
    with pytest.raises(ValueError, match="hidden_units > 0"):
        SelfModulatedBatchNormalization(hidden_units=0)


def test_self_attention_starts_as_identity_and_matches_the_formula():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 4, 16)).astype("float32")
    layer = SelfAttention(use_sn=False)
    np.testing.assert_allclose(layer(x).numpy(), x, atol=1e-6)  # γ = 0 at init
    assert layer.theta.kernel.shape == (1, 1, 16, 2) and layer.g.kernel.shape == (1, 1, 16, 8)
    layer.gamma.assign(0.7)
    out = layer(x).numpy()

    def conv(layer_, t):
        return t @ layer_.kernel.numpy()[0, 0]

    def pool(t):
        b, h, w, c = t.shape
        return t.reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))

    theta = conv(layer.theta, x).reshape(2, 16, 2)
    phi = pool(conv(layer.phi, x)).reshape(2, 4, 2)
    g = pool(conv(layer.g, x)).reshape(2, 4, 8)
    logits = theta @ phi.transpose(0, 2, 1)
    attn = np.exp(logits - logits.max(-1, keepdims=True))
    attn /= attn.sum(-1, keepdims=True)
    o = conv(layer.o, (attn @ g).reshape(2, 4, 4, 8))
    np.testing.assert_allclose(out, x + 0.7 * o, atol=1e-4)
    with pytest.raises(ValueError, match="divisible"):
        SelfAttention()(np.zeros((1, 4, 4, 12), np.float32))


def test_projection_head_adds_the_class_inner_product():
    rng = np.random.default_rng(4)
    h = rng.normal(size=(3, 6)).astype("float32")
    y = np.array([1, 0, 3], np.int32)
    head = ProjectionHead(num_classes=4, use_sn=False)
    out = head([h, y]).numpy()
    w, b, e = head.linear.kernel.numpy(), head.linear.bias.numpy(), head.embed.kernel.numpy()
    np.testing.assert_allclose(out, h @ w + b + (e[y] * h).sum(-1, keepdims=True), atol=1e-5)
    assert e.shape == (4, 6)
    uncond = ProjectionHead(num_classes=0, use_sn=False)
    np.testing.assert_allclose(uncond(h).numpy(), h @ uncond.linear.kernel.numpy() + uncond.linear.bias.numpy(),
                               atol=1e-5)


def test_truncated_normal_is_bounded_deterministic_and_has_the_right_spread():
    z = truncated_normal_from_seed(5, 4000, 16, 0.5).numpy()
    assert np.abs(z).max() <= 0.5
    # variance of N(0,1) truncated to [-a, a]: 1 - 2aφ(a)/(2Φ(a) - 1); a = 0.5 → 0.0797
    assert abs(z.var() - 0.0797) < 0.004
    np.testing.assert_array_equal(z, truncated_normal_from_seed(5, 4000, 16, 0.5).numpy())
    assert not np.array_equal(z, truncated_normal_from_seed(6, 4000, 16, 0.5).numpy())
    full = truncated_normal_from_seed(5, 4000, 16, 0.0).numpy()
    assert np.abs(full).max() > 3.0 and abs(full.std() - 1.0) < 0.03


@pytest.mark.parametrize("frozen", [False, True], ids=["trainable", "frozen_like_an_ema_generator"])
def test_standing_statistics_average_the_batch_statistics_and_keep_other_weights(frozen):
    keras.utils.set_random_seed(0)
    inp = keras.Input((3,))
    h = sn_dense(4, "dense")(inp)
    out = keras.layers.BatchNormalization(momentum=0.99, name="bn")(h)
    model = keras.Model(inp, out)
    model.trainable = not frozen
    batches = [np.random.default_rng(k).normal(k, 1.0, size=(8, 3)).astype("float32") for k in range(5)]
    before = {v.path: v.numpy() for v in model.weights if "moving" not in v.path}
    assert accumulate_standing_statistics(model, lambda k: batches[k], num_batches=5) == 1
    pre = [batches[k] @ model.get_layer("dense").layer.kernel.numpy() + model.get_layer("dense").layer.bias.numpy()
           for k in range(5)]
    bn = model.get_layer("bn")
    np.testing.assert_allclose(bn.moving_mean.numpy(), np.mean([p.mean(0) for p in pre], axis=0), atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), np.mean([p.var(0) for p in pre], axis=0), rtol=1e-4)
    assert bn.momentum == 0.99
    assert bn.trainable is (not frozen) and model.trainable is (not frozen)
    for v in model.weights:
        if "moving" not in v.path:
            np.testing.assert_array_equal(v.numpy(), before[v.path])  # SN state and kernels restored


def test_channel_slice_and_sum_pooling():
    x = np.arange(2 * 2 * 2 * 5, dtype=np.float32).reshape(2, 2, 2, 5)
    np.testing.assert_array_equal(ChannelSlice(1, 3)(x).numpy(), x[..., 1:3])
    np.testing.assert_array_equal(GlobalSumPooling2D()(x).numpy(), x.sum(axis=(1, 2)))
    with pytest.raises(ValueError):
        ChannelSlice(3, 3)
