"""Semi-supervised digit classification with the improved-GAN discriminator vs a plain classifier.

    python -m tfgan_zoo.models.improved_gan.semi_supervised [--labels_per_class 10] [--steps 3000] [--seeds 0,1,2]

Data: scikit-learn's digits at 28×28 (the evaluation split of `tfgan_zoo.evaluation.digits_images`: 1,347 train /
450 test images). `labels_per_class` labelled examples per class are drawn (seeded) from the train split; every
train image is used unlabelled, as in the paper's MNIST setup. The GAN is `improved_gan_digits_28.yaml`
(the paper's MNIST networks, feature matching); the baseline is the same discriminator network trained with
cross-entropy on the labelled examples only (same optimizer, steps and batch), no GAN. Both report test accuracy
of the arg-max over the K class logits. Results are printed as JSON (and written with --out).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from tfgan_zoo import _env  # noqa: F401  (before TensorFlow)

CONFIG = "zoo_configs/improved_gan/improved_gan_digits_28.yaml"


def labelled_subset(labels, labels_per_class, seed=0):
    """Indices of `labels_per_class` examples of every class, drawn without replacement."""
    rng = np.random.default_rng(seed)
    idx = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) < labels_per_class:
            raise ValueError(f"class {c} has {len(members)} examples, fewer than labels_per_class={labels_per_class}.")
        idx.extend(rng.choice(members, labels_per_class, replace=False))
    return np.sort(np.asarray(idx))


def load_split(image_size=28, labels_per_class=10, seed=0):
    from tfgan_zoo.evaluation.digits import digits_images

    x_train, y_train = digits_images(image_size, "train")
    x_test, y_test = digits_images(image_size, "test")
    lab = labelled_subset(y_train, labels_per_class, seed)
    return {"unlabelled": x_train, "labelled": x_train[lab], "labels": y_train[lab], "x_test": x_test,
            "y_test": y_test}


def semi_supervised_dataset(unlabelled, labelled, labels, batch_size, seed=0):
    """Endless batches `(unlabelled images, labelled images, labels)`, each part shuffled and cycled."""
    import tensorflow as tf

    unl = tf.data.Dataset.from_tensor_slices(unlabelled).shuffle(len(unlabelled), seed=seed).repeat()
    lab = tf.data.Dataset.from_tensor_slices((labelled, labels)).shuffle(len(labelled), seed=seed + 1).repeat()
    unl = unl.batch(batch_size, drop_remainder=True)
    lab = lab.batch(batch_size, drop_remainder=True)
    return tf.data.Dataset.zip((unl, lab)).map(lambda u, l: (u, l[0], l[1])).prefetch(2)


def accuracy(probabilities, labels):
    return float(np.mean(np.argmax(probabilities, axis=1) == labels))


def train_gan(split, steps, batch_size, seed, overrides=(), config=CONFIG):
    import keras

    import tfgan_zoo

    cfg = tfgan_zoo.load_config(config, list(overrides) + [f"model.params.seed={seed}"])
    keras.utils.set_random_seed(seed)
    model = tfgan_zoo.build_model(cfg)
    model.compile()
    ds = semi_supervised_dataset(split["unlabelled"], split["labelled"], split["labels"], batch_size, seed)
    history = model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0).history
    return model, accuracy(model.classify(split["x_test"]), split["y_test"]), history


def train_plain_classifier(split, steps, batch_size, seed, overrides=(), config=CONFIG):
    """The GAN's discriminator network and optimizer, trained by cross-entropy on the labelled examples only."""
    import keras
    import tensorflow as tf

    import tfgan_zoo

    cfg = tfgan_zoo.load_config(config, list(overrides) + [f"model.params.seed={seed}"])
    keras.utils.set_random_seed(seed)
    gan = tfgan_zoo.build_model(cfg)
    net = gan.discriminator
    opt = gan.default_optimizers()["discriminator"]
    ds = tf.data.Dataset.from_tensor_slices((split["labelled"], split["labels"]))
    ds = ds.shuffle(len(split["labels"]), seed=seed).repeat().batch(batch_size, drop_remainder=True)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            logits = net(x, training=True)["logits"]
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        opt.apply_gradients(zip(tape.gradient(loss, net.trainable_variables), net.trainable_variables))
        return loss

    loss = None
    for x, y in ds.take(steps):
        loss = step(x, tf.cast(y, tf.int32))
    probs = tf.nn.softmax(net(split["x_test"], training=False)["logits"]).numpy()
    return accuracy(probs, split["y_test"]), float(loss)


def run(labels_per_class=10, steps=3000, batch_size=100, seeds=(0,), overrides=(), config=CONFIG):
    results = {"labels_per_class": labels_per_class, "steps": steps, "batch_size": batch_size, "config": config,
               "overrides": list(overrides), "runs": []}
    for seed in seeds:
        split = load_split(28, labels_per_class, seed)
        t0 = time.time()
        _, gan_acc, history = train_gan(split, steps, batch_size, seed, overrides, config)
        t1 = time.time()
        plain_acc, plain_loss = train_plain_classifier(split, steps, batch_size, seed, overrides, config)
        results["runs"].append({
            "seed": seed, "gan_test_accuracy": gan_acc, "plain_test_accuracy": plain_acc,
            "gan_seconds": round(t1 - t0, 1), "plain_seconds": round(time.time() - t1, 1),
            "gan_final_losses": {k: float(v[-1]) for k, v in history.items()}, "plain_final_loss": plain_loss,
            "num_labelled": int(len(split["labels"])), "num_unlabelled": int(len(split["unlabelled"])),
            "num_test": int(len(split["y_test"])),
        })
    for key in ("gan_test_accuracy", "plain_test_accuracy"):
        values = [r[key] for r in results["runs"]]
        results[key] = {"mean": float(np.mean(values)), "std": float(np.std(values)), "values": values}
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--labels_per_class", type=int, default=10)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch_size", type=int, default=100)
    p.add_argument("--seeds", default="0")
    p.add_argument("--config", default=CONFIG)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override (repeatable)")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s]
    results = run(args.labels_per_class, args.steps, args.batch_size, seeds, args.set, args.config)
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
