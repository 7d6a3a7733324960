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
