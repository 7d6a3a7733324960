import numpy as np
import pytest

from tfgan_zoo.losses.orthogonal import orthogonal_penalty


def _direct(w):
    m = w.reshape(-1, w.shape[-1])
    gram = m.T @ m
    return ((gram * (1 - np.eye(gram.shape[0]))) ** 2).sum()


@pytest.mark.parametrize("shape", [(7, 3), (3, 9), (3, 3, 2, 5), (1, 1, 4, 40)])
def test_orthogonal_penalty_is_the_off_diagonal_gram_norm(shape):
    w = np.random.default_rng(0).normal(size=shape).astype("float32")
    np.testing.assert_allclose(orthogonal_penalty([w], beta=1e-4).numpy(), 1e-4 * _direct(w), rtol=2e-4)


def test_orthogonal_penalty_ignores_norms_and_vectors():
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(6, 6)))
    scaled = (q[:, :4] * np.array([1.0, 2.0, 3.0, 0.5])).astype("float32")  # orthogonal columns, any norms
    assert abs(float(orthogonal_penalty([scaled, np.ones(4, np.float32)], beta=1.0))) < 1e-4
    w = np.ones((3, 2), np.float32)
    assert float(orthogonal_penalty([w], beta=2.0)) == pytest.approx(2.0 * 2 * 9.0)


@pytest.mark.parametrize("shape", [(5, 3), (3, 7), (3, 3, 2, 4)])
def test_biggan_orthogonal_penalty_gradient_is_the_official_one(shape):
    """BigGAN-PyTorch adds strength · 2 (WWᵀ ⊙ (1 − I)) W to the gradient (W as [out, fan_in]); the paper's R_β
    would add twice that."""
    import tensorflow as tf

    from tfgan_zoo.losses.orthogonal import biggan_orthogonal_penalty

    kernel = np.random.default_rng(2).normal(size=shape).astype("float32")
    w = kernel.reshape(-1, shape[-1]).T.astype(np.float64)  # [out, fan_in], the official view
    official = (1e-4 * 2.0 * ((w @ w.T) * (1.0 - np.eye(w.shape[0]))) @ w).T.reshape(shape)
    v = tf.Variable(kernel)
    with tf.GradientTape(persistent=True) as tape:
        ours = biggan_orthogonal_penalty([v], strength=1e-4)
        paper = orthogonal_penalty([v], beta=1e-4)
    np.testing.assert_allclose(tape.gradient(ours, v).numpy(), official, rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(tape.gradient(paper, v).numpy(), 2.0 * official, rtol=1e-4, atol=1e-9)
