"""Linear-probe evaluation of BigBiGAN encoder features on the labelled bundled digits.

A multinomial logistic regression (scikit-learn) is fit on E's pooled features of a train split and scored on a
held-out split, as BigBiGAN's ImageNet linear evaluation does at scale.
"""

from __future__ import annotations

import numpy as np


def digits_arrays(image_size, channels):
    """The bundled digits as images in [-1, 1] `[N, S, S, C]` and int labels, through the zoo's data pipeline."""
    from tfgan_zoo.config import DataConfig
    from tfgan_zoo.data import build_dataset

    cfg = DataConfig(source="digits", image_size=image_size, channels=channels, shuffle_buffer=0)
    ds, _ = build_dataset(cfg, "conditional", batch_size=1, seed=0, repeat=False)  # batch 1: no remainder dropped
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys).astype(np.int64)


def linear_probe(model, images, labels, test_fraction=0.3, seed=0, features="pooled"):
    """Accuracy of a linear classifier on encoder features.

    Args:
        model: a BigBiGAN.
        features: 'pooled' (E's ResNet features, BigBiGAN's probe) or 'latent' (μ(x)).
    Returns:
        `{"train_accuracy", "test_accuracy", "num_train", "num_test"}`.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    if features not in ("pooled", "latent"):
        raise ValueError(f"features must be 'pooled' or 'latent', got {features!r}.")
    feats = model.encoder_features(images) if features == "pooled" else model.encode(images)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    n_test = int(len(labels) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    scaler = StandardScaler().fit(feats[train])
    clf = LogisticRegression(max_iter=2000).fit(scaler.transform(feats[train]), labels[train])
    return {
        "train_accuracy": float(clf.score(scaler.transform(feats[train]), labels[train])),
        "test_accuracy": float(clf.score(scaler.transform(feats[test]), labels[test])),
        "num_train": int(len(train)),
        "num_test": int(n_test),
    }
