"""Judging text-to-image models on the captioned digits: ask for a property, measure it on the samples.

* **digit**: for each digit d, `samples` images of the prompt "a <d as a word>"; the shipped digits classifier
  (`evaluation.digits`) names each sample's digit; `digit_accuracy` is the rate at which it names the digit asked for
  (chance 0.1).
* **thickness**: for each digit, samples of "a thick <d>" and "a thin <d>" from the same latents; `measure()`
  (`data.digit_captions`) gives each sample's stroke thickness; `thick_over_thin` is the fraction of the ten digits
  whose thick prompt's mean thickness is larger (chance 0.5), and `thickness_gap` the mean difference in pixels at
  32 × 32.
* **digits FID** (`stage_fid`): the digits feature network's Fréchet distance of the samples to the real digits, at a
  stage's resolution (StackGAN: Stage-I and Stage-II of the same latents and prompts).

All figures are deterministic given `seed`.
"""

from __future__ import annotations

import functools

import numpy as np

from tfgan_zoo.data.digit_captions import DIGIT_WORDS, measure


@functools.lru_cache(maxsize=1)
def _network():
    from tfgan_zoo.evaluation.digits import DigitsFeatureNetwork

    return DigitsFeatureNetwork()


def _prompts(template, repeat):
    return [template.format(w) for w in DIGIT_WORDS for _ in range(repeat)]


def text_report(model, samples: int = 20, seed: int = 0) -> dict:
    """{"digit_accuracy", "digit_accuracy_per_digit" [10], "chance": 0.1, "thick_over_thin", "thickness_gap",
    "thickness_thick", "thickness_thin"} for a text-to-image model with a text encoder (see the module docstring)."""
    if not getattr(model, "has_text_encoder", False):
        raise ValueError(f"{type(model).__name__} has no text encoder; the digit-caption judge asks in sentences.")
    net = _network()
    images = model.generate_from_text(_prompts("a {}", samples), seed=seed)
    asked = np.repeat(np.arange(10), samples)
    hits = net.predict_labels(images) == asked
    thick = model.generate_from_text(_prompts("a thick {}", samples), seed=seed + 1)
    thin = model.generate_from_text(_prompts("a thin {}", samples), seed=seed + 1)  # the same latents
    t_thick, t_thin = measure(thick)["thickness"], measure(thin)["thickness"]
    per_thick, per_thin = t_thick.reshape(10, samples).mean(1), t_thin.reshape(10, samples).mean(1)
    return {"digit_accuracy": round(float(hits.mean()), 4),
            "digit_accuracy_per_digit": [round(float(v), 3) for v in hits.reshape(10, samples).mean(1)],
            "chance": 0.1,
            "thick_over_thin": round(float((per_thick > per_thin).mean()), 4),
            "thickness_gap": round(float((per_thick - per_thin).mean()), 4),
            "thickness_thick": round(float(t_thick.mean()), 4), "thickness_thin": round(float(t_thin.mean()), 4)}


def digits_fid(images, real_split: str = "all") -> float:
    """The digits feature network's FID of `images` (any size; resized to the classifier's 32 × 32) to the real
    digits."""
    from tfgan_zoo.evaluation.digits import digits_images
    from tfgan_zoo.evaluation.fid import fid_from_features

    net = _network()
    real, _ = digits_images(net.input_size[0], real_split)
    return float(fid_from_features(net(real)["features"], net(images)["features"]))


def stage_fid(model, samples: int = 50, seed: int = 0) -> dict:
    """StackGAN: digits FID of the Stage-I images and of the Stage-II images made from them (same prompts and
    latents: "a <digit>" `samples` times each), {"stage1_fid", "stage2_fid"}; a Stage-I model reports only
    `stage1_fid`."""
    prompts = _prompts("a {}", samples)
    emb = model.encode_text(prompts)
    latents = model.latents_for(len(prompts), seed).numpy()
    low = model.stage1_images(latents, emb)
    out = {"stage1_fid": round(digits_fid(low), 3)}
    if model.stage == 2:
        high = model.generate_from_text(emb, seed=seed)
        out["stage2_fid"] = round(digits_fid(high), 3)
    return out


def stackgan_report(model, samples: int = 20, seed: int = 0) -> dict:
    """`text_report` plus `stage_fid`."""
    return {**text_report(model, samples, seed), **stage_fid(model, max(samples, 50), seed)}
