"""Linear separability (Karras et al. 2019, "A Style-Based Generator Architecture for GANs", §4.2).

How well binary attributes of generated images can be told apart by a hyperplane in latent space: sample latents,
label each image with an attribute classifier, keep the most confident half of the samples per attribute, fit a
linear SVM (`sklearn.svm.LinearSVC`) on the latent codes, and measure the conditional entropy H(Y|X) of the
classifier label Y given the SVM's side X. The score is exp(Σ_attributes H(Y|X)) — 1 is perfectly separable;
one attribute with labels unrelated to the latent code gives exp(ln 2) = 2. It is computed in W (the mapping
output) and, for comparison, in Z.

The paper uses 40 CelebA-HQ attribute classifiers; here the user passes any classifier (images → probabilities or
logits `[B, K]`): K = 1 is one binary attribute (sigmoid), K = 2 one attribute (class 1), K > 2 one-vs-rest per
class. `digits_classifier_fn()` wraps the shipped digits classifier (10 one-vs-rest attributes) for models trained
on digits.

The official code measures entropies in bits and reports 2^Σ H (the same ranking); `base=2` reproduces that.

Example:
    >>> import numpy as np
    >>> from tfgan_zoo.evaluation.linear_separability import separability_from_codes
    >>> rng = np.random.default_rng(0)
    >>> w = rng.normal(size=(400, 4))
    >>> p = (w[:, :1] > 0).astype(float) * 0.98 + 0.01  # a linear attribute of w
    >>> bool(separability_from_codes({"w": w}, p)["score"]["w"] < 1.1)  # 1 = perfectly separable
    True
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import tensorflow as tf

from tfgan_zoo.base.style_based import StyleBasedGAN

OUTPUTS = ("probabilities", "logits")


def conditional_entropy(x, y, base: float = math.e) -> float:
    """H(Y|X) of two binary label arrays, from their empirical joint distribution."""
    x, y = np.asarray(x).astype(bool).reshape(-1), np.asarray(y).astype(bool).reshape(-1)
    if x.shape != y.shape or x.size == 0:
        raise ValueError(f"x and y must be non-empty and of the same length, got {x.shape} and {y.shape}.")
    h = 0.0
    for xv in (False, True):
        px = np.mean(x == xv)
        for yv in (False, True):
            pxy = np.mean((x == xv) & (y == yv))
            if pxy > 0:
                h -= pxy * math.log(pxy / px)
    return max(0.0, h) / math.log(base)


def attribute_probabilities(outputs, kind: str = "logits", attributes=None) -> tuple[np.ndarray, list]:
    """Classifier outputs `[N, K]` → per-attribute probabilities of the positive class `[N, A]` and attribute names.

    K = 1: one binary attribute (sigmoid of a logit / the probability itself); K = 2: one attribute (class 1);
    K > 2: one-vs-rest per class (softmax). `attributes` selects class indices (default: as above).
    """
    if kind not in OUTPUTS:
        raise ValueError(f"outputs must be 'probabilities' or 'logits', got {kind!r}.")
    out = np.asarray(outputs, np.float64)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] == 0:
        raise ValueError(f"The classifier must return [B, K] probabilities or logits, got shape {out.shape}.")
    if not np.all(np.isfinite(out)):
        raise ValueError("The classifier returned non-finite values.")
    k = out.shape[1]
    if kind == "probabilities":
        if out.min() < 0 or out.max() > 1:
            raise ValueError(f"outputs='probabilities' but the classifier returned values in [{out.min():.3g}, "
                             f"{out.max():.3g}]; pass outputs='logits' if these are logits.")
        probs = out
    elif k == 1:
        probs = 1.0 / (1.0 + np.exp(-out))
    else:
        e = np.exp(out - out.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
    if attributes is None:
        attributes = [1] if k == 2 else list(range(k))
    attributes = [int(a) for a in attributes]
    if not attributes or min(attributes) < 0 or max(attributes) >= k:
        raise ValueError(f"attributes must be non-empty class indices in [0, {k}), got {attributes}.")
    return probs[:, attributes], attributes


def separability_from_codes(codes: dict, probabilities, keep_fraction: float = 0.5, base: float = math.e,
                            svm_kwargs: dict | None = None, attribute_names=None) -> dict:
    """The metric from latent codes and attribute probabilities (the part after sampling and classifying).

    Args:
        codes: `{space: [N, D]}`, e.g. `{"w": w, "z": z}`.
        probabilities: `[N, A]` probability of the positive class of each attribute (or `[N]` for one).
        keep_fraction: fraction of the most confident samples kept per attribute (0.5, the paper's half).
        base: logarithm base of the entropies (e as the paper; 2 as the official code).
        svm_kwargs: arguments of `sklearn.svm.LinearSVC` (defaults otherwise, as the official code).
        attribute_names: names for the per-attribute results (default 0…A−1).

    Returns:
        dict `{score: {space: exp(Σ H)}, entropies: {space: [H per attribute]}, svm_accuracy: {space: [...]},
        attributes: names, num_kept: [per attribute], positive_fraction: [per attribute]}`.
    """
    from sklearn.svm import LinearSVC

    if not 0.0 < keep_fraction <= 1.0:
        raise ValueError(f"keep_fraction must be in (0, 1], got {keep_fraction}.")
    probs = np.asarray(probabilities, np.float64)
    if probs.ndim == 1:
        probs = probs[:, None]
    if probs.ndim != 2:
        raise ValueError(f"probabilities must be [N, A], got shape {probs.shape}.")
    n = probs.shape[0]
    if not codes:
        raise ValueError("codes must name at least one latent space, e.g. {'w': w}.")
    for space, c in codes.items():
        if np.ndim(c) != 2 or np.shape(c)[0] != n:
            raise ValueError(f"codes[{space!r}] must be [N={n}, D], got shape {np.shape(c)}.")
    num_keep = max(2, int(round(n * keep_fraction)))
    if n < 4:
        raise ValueError(f"Need at least 4 samples, got {n}.")
    names = list(attribute_names) if attribute_names is not None else list(range(probs.shape[1]))
    entropies = {space: [] for space in codes}
    accuracy = {space: [] for space in codes}
    kept, positive = [], []
    for a in range(probs.shape[1]):
        p = probs[:, a]
        confidence = np.maximum(p, 1.0 - p)
        idx = np.argsort(-confidence, kind="stable")[:num_keep]
        y = p[idx] > 0.5
        kept.append(int(idx.size))
        positive.append(float(np.mean(y)))
        for space, c in codes.items():
            x = np.asarray(c, np.float64)[idx]
            if y.all() or not y.any():
                pred = y  # one class only: nothing to separate, H(Y|X) = 0 (the official code's fallback)
            else:
                svm = LinearSVC(**(svm_kwargs or {}))
                svm.fit(x, y)
                pred = svm.predict(x).astype(bool)
            entropies[space].append(conditional_entropy(pred, y, base))
            accuracy[space].append(float(np.mean(pred == y)))
    score = {space: float(base ** float(np.sum(h))) for space, h in entropies.items()}
    return {"score": score, "entropies": entropies, "svm_accuracy": accuracy, "attributes": names,
            "num_kept": kept, "positive_fraction": positive}


def digits_classifier_fn(weights=None, config=None) -> Callable:
    """The shipped digits classifier as an attribute classifier: images in [-1, 1] of any size and 1 or 3
    channels → `[B, 10]` logits (resized bilinearly to 32×32 and converted to luma as `DigitsFeatureNetwork`)."""
    from tfgan_zoo.evaluation.digits import DigitsFeatureNetwork

    net = DigitsFeatureNetwork(weights, config)

    def classify(images):
        return net(np.asarray(images, np.float32))["logits"]

    return classify


def linear_separability(
    model,
    classifier: Callable,
    num_samples: int = 200_000,
    outputs: str = "logits",
    attributes=None,
    keep_fraction: float = 0.5,
    batch_size: int = 64,
    seed: int = 0,
    base: float = math.e,
    svm_kwargs: dict | None = None,
    max_size: int | None = 256,
) -> dict:
    """Linear separability of a style-based zoo model's W (and Z) space.

    Args:
        model: a `StyleBasedGAN` (`stylegan`, `stylegan2`); images come from its inference generator without
            truncation, with the stored noise.
        classifier: callable images `[B, H, W, C]` in [-1, 1] → `[B, K]` probabilities or logits (it must do its
            own resizing; see `digits_classifier_fn`).
        num_samples: generated samples (200,000 in the paper; half are kept per attribute).
        outputs: 'logits' or 'probabilities' — what `classifier` returns.
        attributes: class indices to evaluate (default: all for K > 2, class 1 for K = 2, the one for K = 1).
        keep_fraction: most-confident fraction kept per attribute (0.5).
        batch_size: images per generator/classifier batch.
        seed: latent seed (deterministic for a seed).
        base: entropy log base (e: the paper's exp(Σ H); 2: the official code's 2^Σ H in bits).
        svm_kwargs: `LinearSVC` arguments.
        max_size: images larger than this are box-downsampled by an integer factor before classifying (the official
            code's 256 for its classifiers); None: never.

    Returns:
        dict with `score_w`, `score_z`, `entropies_w`, `entropies_z` (per attribute), `attributes`,
        `num_samples`, `num_kept`, `positive_fraction`, `svm_accuracy_w`, `svm_accuracy_z`.
    """
    if not isinstance(model, StyleBasedGAN):
        raise ValueError(
            f"linear_separability needs a style-based zoo model (a StyleBasedGAN such as 'stylegan' or "
            f"'stylegan2', with a mapping network giving w); got {type(model).__name__}."
        )
    if not callable(classifier):
        raise ValueError("classifier must be a callable images → [B, K] probabilities or logits (e.g. "
                         "digits_classifier_fn() for digits models).")
    if outputs not in OUTPUTS:
        raise ValueError(f"outputs must be 'probabilities' or 'logits', got {outputs!r}.")
    if int(num_samples) < 4 or int(batch_size) < 1:
        raise ValueError(f"num_samples must be >= 4 and batch_size >= 1, got {num_samples} and {batch_size}.")
    from tfgan_zoo.evaluation._utils import downsample_to

    mapping, _, synthesis = model.parts()
    rng = np.random.default_rng(seed)
    zs, wsl, outs = [], [], []
    for start in range(0, int(num_samples), int(batch_size)):
        b = min(int(batch_size), int(num_samples) - start)
        z = rng.standard_normal((b, model.latent_dim)).astype(np.float32)
        w = mapping(tf.constant(z), training=False)
        images = model.synthesize(tf.tile(w[:, None, :], [1, model.num_ws, 1]))
        out = np.asarray(classifier(downsample_to(images, max_size)))
        if out.ndim < 1 or out.shape[0] != b:
            raise ValueError(f"The classifier must return one row per image ([{b}, K]), got shape {out.shape}.")
        zs.append(z)
        wsl.append(np.asarray(w, np.float64))
        outs.append(out)
    probs, names = attribute_probabilities(np.concatenate(outs), outputs, attributes)
    r = separability_from_codes({"w": np.concatenate(wsl), "z": np.concatenate(zs)}, probs, keep_fraction, base,
                                svm_kwargs, names)
    return {
        "score_w": r["score"]["w"], "score_z": r["score"]["z"],
        "entropies_w": r["entropies"]["w"], "entropies_z": r["entropies"]["z"],
        "svm_accuracy_w": r["svm_accuracy"]["w"], "svm_accuracy_z": r["svm_accuracy"]["z"],
        "attributes": names, "num_samples": int(num_samples), "num_kept": r["num_kept"],
        "positive_fraction": r["positive_fraction"], "base": base,
    }


__all__ = ["attribute_probabilities", "conditional_entropy", "digits_classifier_fn", "linear_separability",
           "separability_from_codes"]
