import numpy as np
import pytest
import tensorflow as tf

from tests.contract.helpers import build_tiny, fixed_dataset
from tfgan_zoo.models.bigbigan.bigbigan_probe import linear_probe


def test_joint_discriminator_scores_and_losses():
    m, cfg = build_tiny("bigbigan")
    assert m.discriminator.output.shape[1:] == (3,)  # s_x, s_z, s_xz
    names = [layer.name for layer in m.discriminator.layers]
    assert {"h_score", "j_score", "projection", "j_input"} <= set(names)
    assert m.player_models()["generator"] == [m.generator, m.encoder]
    h = m.fit(fixed_dataset(m, cfg), steps_per_epoch=1, epochs=1, verbose=0).history
    np.testing.assert_allclose(h["d_loss"][0], h["d_loss_x"][0] + h["d_loss_z"][0] + h["d_loss_xz"][0], rtol=1e-5)


def test_encode_reconstruct_and_signatures():
    m, _ = build_tiny("bigbigan")
    x = m.generate(3, seed=2)
    z = m.encode(x)
    assert z.shape == (3, m.latent_dim)
    np.testing.assert_array_equal(z, m.encode(x))
    rec = m.reconstruct(x)
    assert rec.shape == x.shape and np.abs(rec).max() <= 1.0
    np.testing.assert_allclose(rec, m.generate_from_latents(z), atol=1e-6)
    sigs = m.serving_signatures()
    assert {"serving_default", "sample", "encode"} <= set(sigs)
    fn, specs = sigs["encode"]
    np.testing.assert_allclose(fn(tf.constant(x))["latents"].numpy(), z, atol=1e-5)
    with pytest.raises(ValueError, match="images must have shape"):
        m.encode(np.zeros((2, 8, 8, 1), np.float32))


def test_linear_probe_scores_separable_features():
    m, _ = build_tiny("bigbigan")
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 20)
    protos = rng.uniform(-1, 1, (3, 16, 16, 1)).astype(np.float32)
    images = np.clip(protos[labels] + 0.05 * rng.normal(size=(60, 16, 16, 1)), -1, 1).astype(np.float32)
    result = linear_probe(m, images, labels, test_fraction=0.25)
    assert result["num_test"] == 15 and result["test_accuracy"] >= 0.8  # 3 well-separated prototypes
