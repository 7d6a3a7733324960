"""Printed digits (matplotlib's typefaces) and the unpaired handwritten ↔ printed data set."""

import numpy as np
import pytest

from tfgan_zoo.data import printed_digits as pd


@pytest.fixture(scope="module")
def rendered():
    return pd.render_printed_digits(32, per_typeface_and_digit=2, seed=0)


def test_render_shapes_ranges_and_ids(rendered):
    x, d, f = rendered
    n = len(pd.TYPEFACES) * 10 * 2
    assert x.shape == (n, 32, 32, 1) and x.dtype == np.float32
    assert d.dtype == np.int32 and f.dtype == np.int32 and d.shape == f.shape == (n,)
    assert x.min() == -1.0 and x.max() == pytest.approx(1.0)
    # background -1 at the corners, like the handwritten digits (a rotated wide glyph may graze one)
    assert np.mean(x[:, :2, :2] == -1.0) > 0.99 and x[:, :2, :2].max() < -0.9
    assert set(np.unique(d)) == set(range(10))
    assert set(np.unique(f)) == set(range(len(pd.TYPEFACES)))
    assert np.all(np.bincount(d) == len(pd.TYPEFACES) * 2)


def test_render_is_deterministic_and_seeded(rendered):
    x, d, f = rendered
    x2, d2, f2 = pd.render_printed_digits(32, per_typeface_and_digit=2, seed=0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(d, d2)
    np.testing.assert_array_equal(f, f2)
    x3, _, _ = pd.render_printed_digits(32, per_typeface_and_digit=2, seed=1)
    assert not np.allclose(x, x3)


def test_every_typeface_renders_distinct_nonempty_digits(rendered):
    x, d, f = rendered
    for face in range(len(pd.TYPEFACES)):
        group = [x[(f == face) & (d == digit)] for digit in range(10)]
        firsts = np.stack([g[0, ..., 0] for g in group])
        ink = (firsts > 0).mean(axis=(1, 2))
        assert np.all(ink > 0.05) and np.all(ink < 0.6), (pd.TYPEFACES[face], ink)
        # the ten digits of a typeface differ from each other
        flat = firsts.reshape(10, -1)
        dist = np.abs(flat[:, None] - flat[None]).mean(-1)
        assert dist[~np.eye(10, dtype=bool)].min() > 0.05, pd.TYPEFACES[face]
        # the copies of one (typeface, digit) are jittered, not identical
        assert not np.allclose(group[3][0], group[3][1])
    # the typefaces differ from each other (same digit, first copy)
    eights = np.stack([x[(f == face) & (d == 8)][0].ravel() for face in range(len(pd.TYPEFACES))])
    dist = np.abs(eights[:, None] - eights[None]).mean(-1)
    assert dist[~np.eye(len(eights), dtype=bool)].min() > 0.01


def test_framing_matches_handwritten_digits(rendered):
    from tfgan_zoo.data import bundled

    x, _, _ = rendered
    a, _ = bundled.load_digits(32, 1, "test")

    def box(images):
        h, w, cy, cx = [], [], [], []
        for im in images[..., 0] > 0:
            rows, cols = np.nonzero(im)
            h.append(np.ptp(rows) + 1)
            w.append(np.ptp(cols) + 1)
            cy.append((rows.max() + rows.min()) / 2)
            cx.append((cols.max() + cols.min()) / 2)
        return np.mean(h), np.mean(w), np.mean(cy), np.mean(cx)

    hp, wp, cyp, cxp = box(x)
    ha, wa, cya, cxa = box(a)
    assert abs(hp - ha) < 5 and abs(wp - wa) < 3
    assert abs(cyp - 15.5) < 1 and abs(cxp - 15.5) < 1 and abs(cya - 15.5) < 1


def test_other_sizes_and_typeface_subset():
    x, d, f = pd.render_printed_digits(16, per_typeface_and_digit=1, typefaces=("cmr10", "DejaVuSans"))
    assert x.shape == (20, 16, 16, 1)
    assert set(f.tolist()) == {pd.TYPEFACES.index("cmr10"), pd.TYPEFACES.index("DejaVuSans")}
    x64, _, _ = pd.render_printed_digits(64, per_typeface_and_digit=1, typefaces=("cmr10",))
    assert x64.shape == (10, 64, 64, 1) and x64.min() == -1.0 and x64.max() > 0.9
    with pytest.raises(ValueError, match="Unknown typeface"):
        pd.render_printed_digits(32, 1, typefaces=("cmex10",))


def test_typeface_paths_exist():
    import os

    paths = pd.typeface_paths()
    assert len(paths) == len(pd.TYPEFACES) and all(os.path.isfile(p) for p in paths)


def test_printed_split_is_disjoint_and_stratified():
    _, d, f = pd.render_printed_digits(8, per_typeface_and_digit=pd.PER_TYPEFACE_AND_DIGIT)
    train, test = pd.printed_split_indices(d, f)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(d)
    assert 0.08 < len(test) / len(d) < 0.15
    for split in (train, test):
        assert set(d[split].tolist()) == set(range(10))
        assert set(f[split].tolist()) == set(range(len(pd.TYPEFACES)))


@pytest.fixture(scope="module")
def train_set():
    return pd.load_handwritten_printed(32, 1, "train", seed=0)


def test_handwritten_printed_shapes_balance_and_no_pairs(train_set):
    a, ya, b, yb = train_set
    assert a.shape == (1617, 32, 32, 1) and b.shape == (1680, 32, 32, 1)
    assert a.dtype == b.dtype == np.float32 and ya.dtype == yb.dtype == np.int32
    assert a.min() == -1.0 and b.min() == -1.0 and a.max() <= 1.0 and b.max() <= 1.0
    assert set(ya.tolist()) == set(yb.tolist()) == set(range(10))
    n = min(len(ya), len(yb))
    # independently shuffled: index i of A and of B show the same digit only by chance (~10 %)
    assert np.mean(ya[:n] == yb[:n]) < 0.25
    # both domains are shuffled (not sorted by digit or typeface)
    assert np.mean(np.diff(yb) == 0) < 0.3 and np.mean(np.diff(ya) == 0) < 0.3


def test_handwritten_printed_splits(train_set):
    a, ya, b, yb = train_set
    at, yat, bt, ybt = pd.load_handwritten_printed(32, 1, "test", seed=0)
    assert len(at) == 180 and len(bt) == 210
    assert set(yat.tolist()) == set(ybt.tolist()) == set(range(10))
    # printed test images are not in the printed train set
    flat_train = {row.tobytes() for row in b.reshape(len(b), -1)}
    assert not any(row.tobytes() in flat_train for row in bt.reshape(len(bt), -1))
    a_all, _, b_all, _ = pd.load_handwritten_printed(32, 1, "all", seed=0)
    assert len(a_all) == len(a) + len(at) and len(b_all) == len(b) + len(bt)


def test_handwritten_printed_seed_and_channels(train_set):
    a, ya, b, yb = train_set
    a2, ya2, b2, yb2 = pd.load_handwritten_printed(32, 1, "train", seed=0)
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(yb, yb2)
    a3, ya3, b3, yb3 = pd.load_handwritten_printed(32, 3, "train", seed=1)
    assert a3.shape[-1] == b3.shape[-1] == 3 and not np.array_equal(yb, yb3)
    np.testing.assert_array_equal(np.sort(yb), np.sort(yb3))  # same set, other order
    np.testing.assert_array_equal(b3[..., 0], b3[..., 2])
    with pytest.raises(ValueError, match="channels"):
        pd.load_handwritten_printed(32, 2)
    with pytest.raises(ValueError, match="split"):
        pd.load_handwritten_printed(32, 1, "valid")
