"""Data pipelines: bundled digits, derived pairs, image folders, TFDS (mocked: no network in tests)."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.config import DataConfig
from tfgan_zoo.data import build_dataset, bundled
from tfgan_zoo.tasks import get_task
from tfgan_zoo.utils.images import make_grid, save_png


def test_digits_are_real_and_normalised():
    x, y = bundled.load_digits(32, 1, "train")
    xt, yt = bundled.load_digits(32, 3, "test")
    assert x.shape == (1617, 32, 32, 1) and xt.shape == (180, 32, 32, 3)
    assert x.min() == -1.0 and x.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    # class means differ: these are real digits, not noise
    assert np.abs(x[y == 0].mean(0) - x[y == 1].mean(0)).max() > 0.5


def test_digits_edges_pairs():
    s, t = bundled.load_digits_edges(32, 1, "test")
    assert s.shape == t.shape == (180, 32, 32, 1)
    assert -1.0 <= s.min() and s.max() <= 1.0
    assert not np.allclose(s, t)


def test_skimage_sources():
    f, _ = bundled.load_skimage_faces(16)
    assert f.shape == (100, 16, 16, 1)
    im, _ = bundled.load_skimage_images(16, 3, crops_per_image=2)
    assert im.shape == (12, 16, 16, 3)


@pytest.mark.parametrize("task,source,shapes", [
    ("unconditional", "digits", [(8, 16, 16, 1)]),
    ("conditional", "digits", [(8, 16, 16, 1), (8,)]),
    ("image_to_image", "digits_edges", [(8, 16, 16, 1), (8, 16, 16, 1)]),
])
def test_build_dataset_per_task(task, source, shapes):
    ds, n = build_dataset(DataConfig(source=source, image_size=16), task, 8)
    batch = next(iter(ds))
    batch = batch if isinstance(batch, tuple) else (batch,)
    assert [tuple(b.shape) for b in batch] == shapes
    assert n > 1000


def test_mismatched_source_and_task_errors():
    with pytest.raises(ValueError, match="paired source"):
        build_dataset(DataConfig(source="digits"), "image_to_image", 4)
    with pytest.raises(ValueError, match="class labels"):
        build_dataset(DataConfig(source="skimage_faces"), "conditional", 4)
    with pytest.raises(ValueError, match="Unknown data.source"):
        build_dataset(DataConfig(source="imagenet"), "unconditional", 4)


def _write_images(folder, n, size=(12, 12, 3), seed=0):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        save_png(os.path.join(folder, f"img{i}.png"), rng.integers(0, 255, size, dtype=np.uint8))


def test_folder_flat_and_class_subfolders(tmp_path):
    _write_images(tmp_path / "flat", 5)
    ds, n = build_dataset(DataConfig(source="folder", path=str(tmp_path / "flat"), image_size=8, channels=3),
                          "unconditional", 2)
    assert n == 5 and next(iter(ds)).shape == (2, 8, 8, 3)
    _write_images(tmp_path / "cls" / "cat", 3)
    _write_images(tmp_path / "cls" / "dog", 2, seed=1)
    ds, n = build_dataset(DataConfig(source="folder", path=str(tmp_path / "cls"), image_size=8, channels=3,
                                     shuffle_buffer=0), "conditional", 5)
    x, y = next(iter(ds))
    assert n == 5 and sorted(y.numpy().tolist()) == [0, 0, 0, 1, 1]
    with pytest.raises(FileNotFoundError):
        build_dataset(DataConfig(source="folder", path=str(tmp_path / "missing")), "unconditional", 2)


def test_paired_side_by_side_and_folders(tmp_path):
    a = np.zeros((8, 8, 3), np.uint8)
    b = np.full((8, 8, 3), 255, np.uint8)
    os.makedirs(tmp_path / "sbs")
    save_png(str(tmp_path / "sbs" / "p.png"), np.concatenate([a, b], axis=1))
    ds, n = build_dataset(DataConfig(source="paired_folder", path=str(tmp_path / "sbs"), paired="side_by_side",
                                     image_size=8, channels=3), "image_to_image", 1)
    src, tgt = next(iter(ds))
    assert float(src.numpy().max()) == -1.0 and float(tgt.numpy().min()) == 1.0
    _write_images(tmp_path / "pf" / "A", 2)
    _write_images(tmp_path / "pf" / "B", 2, seed=3)
    ds, n = build_dataset(DataConfig(source="paired_folder", path=str(tmp_path / "pf"), paired="folders",
                                     image_size=8, channels=3), "image_to_image", 2)
    assert n == 2
    _write_images(tmp_path / "pf" / "A", 3)
    with pytest.raises(ValueError, match="Unpaired"):
        build_dataset(DataConfig(source="paired_folder", path=str(tmp_path / "pf"), paired="folders"),
                      "image_to_image", 1)


def _corrupt_some(folder):
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.jpg").write_text("not an image at all")
    good = (folder / "img0.png").read_bytes()
    (folder / "truncated.png").write_bytes(good[: len(good) // 2])


def test_unreadable_files_in_a_folder_are_named_or_skipped_with_a_count(tmp_path, caplog):
    from tfgan_zoo.data.folders import ImageFolderError

    _write_images(tmp_path / "flat", 4)
    _corrupt_some(tmp_path / "flat")
    config = DataConfig(source="folder", path=str(tmp_path / "flat"), image_size=8, channels=3, shuffle_buffer=0)
    with pytest.raises(ImageFolderError, match="3 of 7 files") as info:
        build_dataset(config, "unconditional", 2)
    for name in ("empty.png: empty file", "notes.jpg: not an image", "truncated.png: corrupt"):
        assert name in str(info.value)
    assert "data.skip_bad_files=true" in str(info.value)
    config.skip_bad_files = True
    ds, n = build_dataset(config, "unconditional", 4)
    assert n == 4 and next(iter(ds)).shape == (4, 8, 8, 3)  # the 4 good images, and training data flows
    # paired folders: a pair with one unreadable side is left out as a whole
    _write_images(tmp_path / "pf" / "A", 3)
    _write_images(tmp_path / "pf" / "B", 3, seed=3)
    (tmp_path / "pf" / "B" / "img1.png").write_bytes(b"")
    paired = DataConfig(source="paired_folder", path=str(tmp_path / "pf"), paired="folders", image_size=8,
                        channels=3)
    with pytest.raises(ImageFolderError, match="img1.png: empty file"):
        build_dataset(paired, "image_to_image", 1)
    paired.skip_bad_files = True
    assert build_dataset(paired, "image_to_image", 1)[1] == 2


@pytest.mark.parametrize("name,channels,task", [("mnist", 1, "conditional"), ("cifar10", 3, "unconditional")])
def test_tfds_by_name_offline_with_mock_data(name, channels, task):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=8):
        ds, _ = build_dataset(DataConfig(source="tfds", name=name, image_size=16, channels=channels), task, 4)
        batch = next(iter(ds))
    images = batch[0] if get_task(task).labels else batch
    assert images.shape == (4, 16, 16, channels)
    assert -1.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0


def test_grid():
    grid = make_grid(np.zeros((5, 4, 4, 1)) - 1.0, ncols=3, padding=1)
    assert grid.shape == (2 * 5 + 1, 3 * 5 + 1, 1)
    assert grid[1, 1, 0] == 0 and grid[0, 0, 0] == 255
    with pytest.raises(ValueError):
        make_grid(np.zeros((4, 4)))
