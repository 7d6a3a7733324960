"""Two-domain data (a, b): the bundled handwritten ↔ printed digits, the official unpaired folder layout and TFDS
`cycle_gan/*` (mocked: no network in tests); sources and tasks that do not fit are clear errors."""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.config import DataConfig
from tfgan_zoo.data import build_dataset, two_domain_arrays
from tfgan_zoo.utils.images import save_png


def _write(folder, n, size=10, value=0):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(value)
    for i in range(n):
        save_png(str(folder / f"{i}.png"), rng.integers(0, 255, (size, size, 3), dtype=np.uint8))


def test_bundled_two_domain_batches_are_unpaired_and_shaped():
    ds, n = build_dataset(DataConfig(source="digits_printed", image_size=32, channels=1), "unpaired_translation", 8)
    a, b = next(iter(ds))
    assert a.shape == b.shape == (8, 32, 32, 1) and n > 1000
    assert -1.0 <= float(tf.reduce_min(a)) and float(tf.reduce_max(b)) <= 1.0
    # the two domains are different data: handwritten strokes vs printed glyphs (the domain means differ)
    xa, _, xb, _ = two_domain_arrays("digits_printed", 32, 1, "train")
    assert np.abs(xa.mean(0) - xb.mean(0)).max() > 0.1
    assert not any(np.array_equal(x, y) for x, y in zip(a.numpy(), b.numpy()))


def test_the_two_domains_shuffle_independently():
    """A batch's i-th a and i-th b come from independent orders (no fixed pairing across epochs)."""
    config = DataConfig(source="digits_printed", image_size=8, channels=1, shuffle_buffer=2048)
    ds, _ = build_dataset(config, "unpaired_translation", 32, seed=3)
    xa, ya, xb, yb = two_domain_arrays("digits_printed", 8, 1, "train")

    def index(x, pool):
        return int(np.argmin(np.abs(pool - x[None]).reshape(len(pool), -1).sum(1)))

    a, b = next(iter(ds))
    la = np.array([ya[index(x, xa)] for x in a.numpy()])
    lb = np.array([yb[index(x, xb)] for x in b.numpy()])
    assert (la == lb).mean() < 0.5  # paired digits would agree everywhere; independent ones ~10 %


def test_unpaired_folder_reads_the_official_layout(tmp_path):
    _write(tmp_path / "h2z" / "trainA", 3, value=1)
    _write(tmp_path / "h2z" / "trainB", 5, value=2)
    config = DataConfig(source="unpaired_folder", path=str(tmp_path / "h2z"), image_size=8, channels=3)
    ds, n = build_dataset(config, "unpaired_translation", 2)
    a, b = next(iter(ds))
    assert n == 5 and a.shape == b.shape == (2, 8, 8, 3)
    with pytest.raises(FileNotFoundError, match="testA"):
        build_dataset(DataConfig(source="unpaired_folder", path=str(tmp_path / "h2z"), split="test"),
                      "unpaired_translation", 2)


def test_tfds_cycle_gan_offline_with_mock_data():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=6):
        ds, _ = build_dataset(DataConfig(source="tfds", name="cycle_gan/horse2zebra", image_size=16, channels=3),
                              "unpaired_translation", 2)
        a, b = next(iter(ds))
    assert a.shape == b.shape == (2, 16, 16, 3)
    assert -1.0 <= float(tf.reduce_min(a)) and float(tf.reduce_max(b)) <= 1.0


def test_sources_and_tasks_that_do_not_fit_are_clear_errors():
    with pytest.raises(ValueError, match="two-domain"):
        build_dataset(DataConfig(source="digits_printed"), "unconditional", 2)
    with pytest.raises(ValueError, match="digits_printed"):
        build_dataset(DataConfig(source="digits"), "unpaired_translation", 2)
    with pytest.raises(ValueError, match="digits_printed"):
        build_dataset(DataConfig(source="paired_folder", path="x"), "pair_generation", 2)


@pytest.mark.parametrize("domains", ["edges", "negative"])
def test_derived_domains_from_disjoint_halves_of_the_bundled_digits(domains):
    from tfgan_zoo.data import load_arrays, morphological_gradient

    config = DataConfig(source="digits", image_size=16, channels=1, domains=domains, shuffle_buffer=0)
    ds, n = build_dataset(config, "pair_generation", 4, repeat=False)
    a, b = next(iter(ds))
    images, _ = load_arrays("digits", 16, 1, "train")
    assert n == (len(images) + 1) // 2
    np.testing.assert_allclose(a.numpy(), images[0:8:2])  # A: the even-indexed digits
    odd = images[1:8:2]
    expected = morphological_gradient(tf.constant(odd)).numpy() if domains == "edges" else -odd
    np.testing.assert_allclose(b.numpy(), expected, atol=1e-6)  # B: the odd-indexed ones, transformed
    if domains == "edges":  # an edge map is dark (-1) where the image is flat (most of the background)
        assert (b.numpy() == -1.0).mean() > 0.1 and b.numpy().max() > 0.0


def test_derived_domains_from_tfds_mnist_and_a_celeba_attribute_offline():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=12):
        ds, _ = build_dataset(DataConfig(source="tfds", name="mnist", image_size=8, channels=1, domains="edges"),
                              "pair_generation", 2)
        a, b = next(iter(ds))
        assert a.shape == b.shape == (2, 8, 8, 1)
        config = DataConfig(source="tfds", name="celeb_a", image_size=8, channels=3, attributes=["Blond_Hair"],
                            domains="attribute", shuffle_buffer=0)
        ds, _ = build_dataset(config, "pair_generation", 1)
        a, b = next(iter(ds))
        assert a.shape == b.shape == (1, 8, 8, 3)


def test_domain_split_config_errors():
    import tfgan_zoo
    from tfgan_zoo.config import ConfigError

    base = "zoo_configs/cogan/cogan_tiny.yaml"
    with pytest.raises(ConfigError, match="data.domains must be one of"):
        tfgan_zoo.load_config(base, ["data.domains=mirror"])
    with pytest.raises(ConfigError, match="one boolean attribute"):
        tfgan_zoo.load_config(base, ["data.source=digits", "data.domains=attribute"])
    with pytest.raises(ValueError, match="two-domain"):
        build_dataset(DataConfig(source="digits", domains="edges"), "unconditional", 2)
