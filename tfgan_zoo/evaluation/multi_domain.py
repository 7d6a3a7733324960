"""Judges of multi-domain digit translation (StarGAN on `data.digit_attributes`).

Two small classifiers of real images judge each translation:

* the domain classifier (`digits_attribute_classifier`, trained by `train_attribute_judge.py`): which of the five
  domains (handwritten, printed regular, bold, oblique, bold oblique) an image shows; its JSON records its held-out
  accuracy per domain, the ceiling of what a translator can score here;
* the content classifier (`digits_content_classifier`, shared with the two-domain judges): which digit.

`multi_domain_report` translates every held-out image (`load_digit_attributes(split='test')`: 180 handwritten +
210 printed) into each of the four domains it is not in and reports how often the domain classifier agrees with the
target (`target_domain_rate`, and per target domain) and how often the digit survives (`content_accuracy`), next to
the untranslated source (`identity_*`: the rate at which the source already passes for the target, 0 by construction,
and the content classifier's accuracy on real images) and the L1 of the reconstruction G(G(x, c'), c) (`cycle_l1`).

>>> from tfgan_zoo.data.digit_attributes import load_digit_attributes, domain_ids
>>> images, labels, digits = load_digit_attributes(32, 1, "test")
>>> bool(domain_accuracy(images, domain_ids(labels)) > 0.8)
True
"""

from __future__ import annotations

import functools

import numpy as np

from tfgan_zoo.evaluation import digits as _digits
from tfgan_zoo.evaluation.translation import _predict, content_accuracy, load_content_classifier

DOMAIN_WEIGHTS = _digits.ASSETS / "digits_attribute_classifier.weights.h5"


@functools.lru_cache(maxsize=None)
def load_attribute_classifier():
    """The shipped domain classifier: `(keras.Model → 5 logits in digit_attributes.DOMAINS order, config)`."""
    return _digits.load_digits_classifier(DOMAIN_WEIGHTS)


def domain_predictions(images) -> np.ndarray:
    """Index in `digit_attributes.DOMAINS` the domain classifier gives each image."""
    return _predict(load_attribute_classifier()[0], images)


def domain_accuracy(images, domains) -> float:
    """Fraction of `images` the domain classifier assigns to `domains` (indices in `digit_attributes.DOMAINS`)."""
    pred = domain_predictions(images)
    domains = np.asarray(domains).reshape(-1)
    if len(pred) != len(domains):
        raise ValueError(f"{len(pred)} images but {len(domains)} domains.")
    return float(np.mean(pred == domains)) if len(pred) else float("nan")


def multi_domain_report(model, split="test", n=None) -> dict:
    """Judges a translator with `model.translate(images, target_labels, batch_size)` over printed / bold / oblique.

    Args:
        model: the translator (its `image_size` / `channels` set the images it is fed; labels are the 3 attributes).
        split: 'test' (held out from training and from the judges' training), 'train' or 'all'.
        n: at most this many source images (default all: 390 for 'test').

    Returns:
        `{"target_domain_rate", "content_accuracy", "cycle_l1", "per_target": {domain: {"target_domain_rate",
        "content_accuracy"}}, "identity_target_domain_rate", "identity_content_accuracy", "num_translations",
        "chance": 0.2, "judges": {...}}`.
    """
    from tfgan_zoo.data.digit_attributes import DOMAINS, domain_ids, load_digit_attributes

    size, channels = int(getattr(model, "image_size", 32)), int(getattr(model, "channels", 1))
    images, labels, digits = load_digit_attributes(size, channels, split)
    if n is not None:
        images, labels, digits = images[:n], labels[:n], digits[:n]
    source = domain_ids(labels)
    table = np.asarray(list(DOMAINS.values()), np.float32)
    per_target, hits, kept, l1, count, identity = {}, 0, 0, [], 0, 0
    for t, name in enumerate(DOMAINS):
        rows = np.flatnonzero(source != t)
        if not len(rows):
            continue
        target = np.repeat(table[t][None], len(rows), axis=0)
        out = np.asarray(model.translate(images[rows], target, batch_size=256), np.float32)
        back = np.asarray(model.translate(out, labels[rows], batch_size=256), np.float32)
        rate = domain_accuracy(out, np.full(len(rows), t))
        content = content_accuracy(out, digits[rows])
        per_target[name] = {"target_domain_rate": round(rate, 4), "content_accuracy": round(content, 4),
                            "num_images": int(len(rows))}
        hits += rate * len(rows)
        kept += content * len(rows)
        count += len(rows)
        identity += np.sum(domain_predictions(images[rows]) == t)
        l1.append(np.abs(back - images[rows]).mean(axis=(1, 2, 3)))
    return {
        "target_domain_rate": round(hits / count, 4),
        "content_accuracy": round(kept / count, 4),
        "cycle_l1": round(float(np.concatenate(l1).mean()), 4),
        "per_target": per_target,
        "identity_target_domain_rate": round(float(identity) / count, 4),
        "identity_content_accuracy": round(content_accuracy(images, digits), 4),
        "num_translations": int(count),
        "split": split,
        "chance": round(1.0 / len(DOMAINS), 4),
        "judges": {"domain": {"name": "digits_attribute_classifier",
                              "test_accuracy": load_attribute_classifier()[1]["test_accuracy"]},
                   "content": {"name": "digits_content_classifier",
                               "test_accuracy": load_content_classifier()[1]["test_accuracy"]}},
    }
