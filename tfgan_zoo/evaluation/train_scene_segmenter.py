"""Trains the digit-scene segmenter (`scene_segmenter.py`) and writes it to `assets/`.

    python -m tfgan_zoo.evaluation.train_scene_segmenter [--output_dir DIR] [--epochs 20] [--seed 0]

Training data: the 4,000 grayscale and the 4,000 colourised training scenes of `load_digit_scenes` at 32×32 (luma),
from the training split of the source digits; scored on the 500 + 500 held-out scenes (held-out digits). Writes
`digit_scenes_segmenter.weights.h5` and `digit_scenes_segmenter.json` (architecture, data, training, held-out mIoU
and pixel accuracy, sha256).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.data.digit_scenes import NUM_CLASSES, load_digit_scenes
from tfgan_zoo.evaluation import scene_segmenter as ss


def _data(split):
    xs, ys = [], []
    for channels in (1, 3):
        scenes = load_digit_scenes(ss.INPUT_SIZE, channels, split)
        xs.append(ss.to_luma(scenes["images"]))
        ys.append(scenes["labels"])
    return np.concatenate(xs), np.concatenate(ys)


def train(output_dir=ss.ASSETS, epochs: int = 20, seed: int = 0, batch_size: int = 64, learning_rate: float = 2e-3,
          filters=(16, 32, 56)):
    keras.utils.set_random_seed(seed)
    x_train, y_train = _data("train")
    x_test, y_test = _data("test")
    arch = {"filters": list(filters), "num_classes": NUM_CLASSES, "input_size": ss.INPUT_SIZE}
    net = ss.build_scene_segmenter(tuple(arch["filters"]), arch["num_classes"])
    model = keras.Model(net.input, net.outputs[0])
    steps = epochs * int(np.ceil(len(x_train) / batch_size))
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(learning_rate, steps)),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(len(x_train), seed=seed).batch(batch_size)
    start = time.time()
    model.fit(ds, epochs=epochs, verbose=2)
    seconds = time.time() - start
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    weights = output_dir / "digit_scenes_segmenter.weights.h5"
    export = ss.build_scene_segmenter(tuple(arch["filters"]), arch["num_classes"])
    export.set_weights(net.get_weights())
    export.save_weights(str(weights))
    seg = ss.SceneSegmenter(export, {"architecture": arch})
    test = ss.segmentation_scores(seg.segment(x_test), y_test, NUM_CLASSES)
    train_scores = ss.segmentation_scores(seg.segment(x_train[:1000]), y_train[:1000], NUM_CLASSES)
    config = {
        "description": "U-Net segmenter of the bundled digit scenes (32x32 luma in [-1, 1], 11 classes: background "
                       "+ digit + 1), the judge of semantic image synthesis on them.",
        "architecture": arch,
        "data": {"source": "tfgan_zoo.data.digit_scenes.load_digit_scenes(32, channels in (1, 3), split)",
                 "num_train": int(len(x_train)), "num_test": int(len(x_test)),
                 "split": "train/test scenes use disjoint source digits (the digits classifier's split)"},
        "training": {"epochs": epochs, "batch_size": batch_size, "optimizer": f"Adam, cosine decay from "
                     f"{learning_rate}", "seed": seed, "seconds": round(seconds, 1)},
        "test_miou": round(test["miou"], 4), "test_pixel_accuracy": round(test["pixel_accuracy"], 4),
        "train_miou": round(train_scores["miou"], 4),
        "num_parameters": int(export.count_params()),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        "sha256": ss.sha256_of(weights),
    }
    (output_dir / "digit_scenes_segmenter.json").write_text(json.dumps(config, indent=2) + "\n")
    return config


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output_dir", default=str(ss.ASSETS))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    config = train(args.output_dir, args.epochs, args.seed)
    print(f"scene segmenter: held-out mIoU {config['test_miou']:.4f}, pixel accuracy "
          f"{config['test_pixel_accuracy']:.4f} ({config['num_parameters']} parameters, "
          f"{config['training']['seconds']} s); wrote {args.output_dir}")


if __name__ == "__main__":
    main()
