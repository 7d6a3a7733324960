"""Digit scenes (bundled semantic label maps) and the Cityscapes / ADE20K folder loaders on tiny synthetic folders."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import tasks
from tfgan_zoo.config import DataConfig
from tfgan_zoo.data import build_dataset
from tfgan_zoo.data.digit_scenes import (
    INK_THRESHOLD,
    NUM_CLASSES,
    ade20k_dataset,
    cityscapes_dataset,
    colorize_labels,
    load_digit_scenes,
)


@pytest.mark.parametrize("channels", [1, 3])
def test_scenes_are_deterministic_and_consistent(channels):
    a = load_digit_scenes(32, channels, "train", num_scenes=40, seed=3)
    b = load_digit_scenes(32, channels, "train", num_scenes=40, seed=3)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert a["images"].shape == (40, 32, 32, channels) and a["images"].dtype == np.float32
    assert a["labels"].shape == a["instances"].shape == (40, 32, 32) and a["labels"].dtype == np.int32
    assert a["images"].min() >= -1.0 and a["images"].max() <= 1.0
    assert 0 <= a["labels"].min() and a["labels"].max() < NUM_CLASSES
    # labels and instances mark the same pixels; every scene has 1-4 digits; a digit's pixels have one class
    np.testing.assert_array_equal(a["labels"] > 0, a["instances"] > 0)
    for n in range(40):
        ids = set(np.unique(a["instances"][n])) - {0}
        assert 1 <= len(ids) <= 4
        for i in ids:
            assert len(np.unique(a["labels"][n][a["instances"][n] == i])) == 1
    # ink is bright: labelled pixels are brighter than the background on average
    luma = a["images"].mean(-1)
    assert luma[a["labels"] > 0].mean() > luma[a["labels"] == 0].mean() + 0.5
    other = load_digit_scenes(32, channels, "train", num_scenes=40, seed=4)
    assert not np.array_equal(other["labels"], a["labels"])


def test_train_and_test_scenes_use_disjoint_source_digits_and_all_classes():
    train = load_digit_scenes(32, 1, "train", num_scenes=300)
    test = load_digit_scenes(32, 1, "test", num_scenes=300)
    assert set(np.unique(train["labels"])) == set(range(NUM_CLASSES))
    assert set(np.unique(test["labels"])) == set(range(NUM_CLASSES))
    assert not np.array_equal(train["labels"][:10], test["labels"][:10])
    assert 0.0 < INK_THRESHOLD < 1.0
    with pytest.raises(ValueError, match="channels"):
        load_digit_scenes(32, 2)
    with pytest.raises(ValueError, match="split"):
        load_digit_scenes(32, 1, "validation")


def test_colorize_gives_background_black():
    c = colorize_labels(np.array([[0, 3]]))
    assert c.shape == (1, 2, 3) and (c[0, 0] == -1).all() and (c[0, 1] > -1).any()


def _png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tf.io.write_file(path, tf.io.encode_png(tf.constant(array)))


def test_cityscapes_folder_layout(tmp_path):
    root = str(tmp_path)
    rng = np.random.default_rng(0)
    for city, name in [("aachen", "aachen_000000_000019"), ("bonn", "bonn_000001_000019")]:
        labels = rng.integers(0, 34, (16, 32, 1)).astype(np.uint8)
        instances = (labels.astype(np.uint16) * 1000 + 1).astype(np.uint16)
        _png(os.path.join(root, "gtFine", "train", city, f"{name}_gtFine_labelIds.png"), labels)
        _png(os.path.join(root, "gtFine", "train", city, f"{name}_gtFine_instanceIds.png"), instances)
        _png(os.path.join(root, "leftImg8bit", "train", city, f"{name}_leftImg8bit.png"),
             rng.integers(0, 255, (16, 32, 3)).astype(np.uint8))
    ds, n = cityscapes_dataset(root, "train", image_size=8, channels=3, aspect_ratio=2.0)
    assert n == 2
    element = next(iter(ds))
    assert element["labels"].shape == (8, 16) and element["labels"].dtype == tf.int32
    assert element["instances"].numpy().max() > 1000  # 16-bit instance ids survive
    assert element["images"].shape == (8, 16, 3)
    np.testing.assert_array_equal(element["instances"].numpy() // 1000, element["labels"].numpy())
    with pytest.raises(FileNotFoundError, match="gtFine"):
        cityscapes_dataset(str(tmp_path / "nothing"))


def test_ade20k_folder_layout_and_build_dataset(tmp_path):
    root = str(tmp_path)
    rng = np.random.default_rng(1)
    for i in range(3):
        _png(os.path.join(root, "annotations", "training", f"ADE_train_{i:08d}.png"),
             rng.integers(0, 151, (20, 20, 1)).astype(np.uint8))
        os.makedirs(os.path.join(root, "images", "training"), exist_ok=True)
        tf.io.write_file(os.path.join(root, "images", "training", f"ADE_train_{i:08d}.jpg"),
                         tf.io.encode_jpeg(tf.constant(rng.integers(0, 255, (20, 20, 3)).astype(np.uint8))))
    ds, n = ade20k_dataset(root, "train", image_size=16, channels=3)
    element = next(iter(ds))
    assert n == 3 and element["labels"].shape == (16, 16) and not element["instances"].numpy().any()
    config = DataConfig(source="ade20k", path=root, split="training", image_size=16, channels=3, shuffle_buffer=0)
    batches, _ = build_dataset(config, tasks.SEMANTIC_SYNTHESIS, batch_size=2)
    batch = next(iter(batches))
    assert batch["labels"].shape == (2, 16, 16) and batch["images"].shape == (2, 16, 16, 3)


def test_semantic_sources_refuse_other_tasks():
    config = DataConfig(source="digit_scenes", image_size=32, channels=1)
    with pytest.raises(ValueError, match="label map"):
        build_dataset(config, tasks.CLASS_CONDITIONAL, batch_size=2)
    with pytest.raises(ValueError, match="label map"):
        build_dataset(DataConfig(source="cityscapes", path="/nonexistent", image_size=32, channels=1),
                      tasks.UNCONDITIONAL, batch_size=2)
    # an unconditional GAN learns the scene images alone (the scene generator of GAN Dissection)
    images, n = build_dataset(DataConfig(source="digit_scenes", image_size=32, channels=1, max_examples=8,
                                         shuffle_buffer=0), tasks.UNCONDITIONAL, batch_size=4)
    batch = next(iter(images))
    assert n == 8 and batch.shape == (4, 32, 32, 1)
    np.testing.assert_allclose(batch.numpy(), load_digit_scenes(32, 1, "train", num_scenes=8)["images"][:4])
    batches, n = build_dataset(DataConfig(source="digit_scenes", image_size=32, channels=1, max_examples=8),
                               tasks.SEMANTIC_SYNTHESIS, batch_size=4)
    assert n == 8 and set(next(iter(batches))) == {"labels", "instances", "images"}
