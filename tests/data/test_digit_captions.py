"""Captioned digits: measurements on drawn strokes, captions, prompts, the text encoder and the embedding loader."""

import io
import os
import pickle

import numpy as np
import pytest

from tfgan_zoo.data import digit_captions as dc
from tfgan_zoo.data.text_embeddings import UnsafePickleError, load_embeddings, read_pickle
from tfgan_zoo.layers import text_encoder as te


def _bar(width, shear=0.0, size=32):
    """A vertical bar `width` pixels wide, its top shifted right by `shear` per row upwards, in [-1, 1]."""
    img = -np.ones((size, size), np.float32)
    for y in range(4, size - 4):
        x0 = size / 2 - width / 2 + shear * (size / 2 - y)
        img[y, int(round(x0)):int(round(x0)) + width] = 1.0
    return img[None, ..., None]


def test_measure_thickness_slant_size_position_on_drawn_strokes():
    thin, thick = dc.measure(_bar(2))["thickness"][0], dc.measure(_bar(6))["thickness"][0]
    # ink mass / skeleton length: the skeleton is shorter than the bar by about the width, hence the margin
    assert thin == pytest.approx(2.0, rel=0.25) and thick == pytest.approx(6.0, rel=0.25) and thick > 2.5 * thin
    right, left = dc.measure(_bar(3, 0.3))["slant"][0], dc.measure(_bar(3, -0.3))["slant"][0]
    assert right == pytest.approx(0.3, abs=0.05) and left == pytest.approx(-0.3, abs=0.05)
    assert dc.measure(_bar(3))["slant"][0] == pytest.approx(0.0, abs=1e-3)
    assert dc.measure(_bar(8))["size"][0] > dc.measure(_bar(2))["size"][0]
    shifted = np.roll(_bar(3), 6, axis=2)
    assert dc.measure(shifted)["position"][0] == pytest.approx(6 / 31, abs=0.02)
    assert dc.measure(-np.ones((1, 16, 16, 1)))["thickness"][0] == 0.0
    with pytest.raises(ValueError, match=r"\[N, H, W, C\]"):
        dc.measure(np.zeros((16, 16)))


def test_captions_state_what_is_measured_and_are_deterministic():
    images, digits, levels, texts, mentions = dc.load_digit_captions(32, 1, "test")
    assert len(texts) == len(images) == len(digits) and all(len(row) == 5 for row in texts)
    props = dc.property_matrix(digits, levels)
    flat = dc.mention_matrix([m for row in mentions for m in row])
    owner = np.repeat(np.arange(len(images)), 5)
    assert dc.compatible(flat, props)[np.arange(len(flat)), owner].all()  # every caption describes its image
    for text, m in zip([t for row in texts for t in row][:200], [m for row in mentions for m in row][:200]):
        asked = dc.describe_prompt(text)
        assert asked["digit"] == m["digit"]
        for prop in ("thickness", "size"):
            if prop in asked:
                assert asked[prop] == m[prop], (text, m)
    again = dc.make_captions(digits, levels, 5, seed=0)[0]
    assert again == texts and dc.make_captions(digits, levels, 5, seed=1)[0] != texts
    # each thickness level is about a third of the training digits (terciles per digit)
    counts = np.bincount(dc.load_digit_captions(32, 1, "train")[2]["thickness"], minlength=3)
    assert counts.min() > 0.3 * counts.sum()


def test_prompts_and_tokenizer():
    assert dc.describe_prompt("A small upright 2 written with a thin stroke") == {"size": 0, "slant": 1, "digit": 2,
                                                                                    "thickness": 0}
    ids = te.tokenize(["Ab ?", "x" * 80], 8).numpy()
    assert ids.shape == (2, 8) and ids[0].tolist() == [2, 3, 28, 1, 0, 0, 0, 0] and (ids[1] == 25).all()


def test_shipped_text_encoder_places_paraphrases_together():
    enc = te.load_digit_text_encoder()
    info = te.encoder_config()
    assert info["retrieval_top1_among_10"]["test"] > 0.7  # recorded when the asset was trained (chance 0.1)
    assert os.path.getsize(os.path.join(te.ASSET_DIR, f"{te.DIGIT_ENCODER}.weights.h5")) < 0.5e6
    e = te.encode(enc, ["a thick seven", "a bold 7", "a thin two", "a fine 2"])
    e = e / np.linalg.norm(e, axis=1, keepdims=True)
    assert e[0] @ e[1] > e[0] @ e[2] and e[2] @ e[3] > e[2] @ e[1]


def test_official_embedding_pickles_read_without_running_code(tmp_path):
    # the official char-CNN-RNN-embeddings.pickle: a pickled float32 array [N, captions, 1024] (Python 2, protocol 2)
    # or a list of per-image [captions, 1024] arrays
    emb = np.random.default_rng(0).standard_normal((3, 10, 1024)).astype(np.float32)
    path = tmp_path / "char-CNN-RNN-embeddings.pickle"
    path.write_bytes(pickle.dumps(emb, protocol=2))
    np.testing.assert_array_equal(load_embeddings(str(path)), emb)
    np.testing.assert_array_equal(load_embeddings(io.BytesIO(pickle.dumps(list(emb), protocol=2))), emb)
    np.save(tmp_path / "e.npy", emb[:, 0])
    assert load_embeddings(str(tmp_path / "e.npy")).shape == (3, 1, 1024)

    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo unsafe",))

    with pytest.raises(UnsafePickleError, match="system"):
        read_pickle(io.BytesIO(pickle.dumps([emb[0], Exploit()], protocol=2)))
    with pytest.raises(UnsafePickleError, match="object arrays"):
        read_pickle(io.BytesIO(pickle.dumps(np.array([1, "a"], object), protocol=2)))
