"""Artifact units (GAN Dissection §4.3): units of a generator layer whose ablation makes the samples more realistic.

Bau et al. (ICLR 2019, arXiv:1811.10597) find units that cause visible artifacts and show that zeroing them lowers
FID. Here each unit u of a `LayerSplit` layer is ablated on its own (its activation set to 0 everywhere) over a set of
latents, and a realism score of the resulting images is compared with the score of the unedited images; the units
are ranked by the improvement. `artifact_ablation_report` then ablates the top k units together on *held-out*
latents (the ranking is chosen on one sample set and judged on another) and compares with k random units.

Realism scores are callables `images [N, H, W, C] in [-1, 1] → float`, lower is more realistic:

* `digits_fid_realism()` — the digits-FID (Fréchet distance in the shipped digits classifier's pooled features)
  against scikit-learn's 1,797 real digits (what the paper does with Inception FID);
* `discriminator_realism(model)` — the mean of softplus(−D(x)) = −log σ(D(x)) of the model's own discriminator (an
  unconditional one: `model.discriminator(images)` → logits).

Run `python -m tfgan_zoo.interactive.artifacts` for the figures on the shipped `dcgan_digits_32` preset (and
`--figure PATH` for a PNG of samples before / after the ablation).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfgan_zoo.interactive.dissection import LayerSplit


class ArtifactUnits:
    """The result of `find_artifact_units`: the unedited images' score, each tested unit's score when ablated, and the
    units ranked by improvement (`base_score − score`, largest first)."""

    def __init__(self, split, base_score, units, scores):
        self.split = split
        self.base_score = float(base_score)
        self.units = np.asarray(units, np.int64)
        self.scores = np.asarray(scores, np.float64)

    @property
    def improvement(self) -> np.ndarray:
        """base_score − score per tested unit (positive: ablating the unit makes the images more realistic)."""
        return self.base_score - self.scores

    @property
    def ranking(self) -> np.ndarray:
        """Tested units, largest improvement first."""
        return self.units[np.argsort(-self.improvement, kind="stable")]

    def top_units(self, k: int) -> list:
        return [int(u) for u in self.ranking[:k]]

    def as_dict(self, k: int = 10) -> dict:
        order = np.argsort(-self.improvement, kind="stable")[:k]
        return {"layer": self.split.layer_name, "base_score": self.base_score,
                "top": [{"unit": int(self.units[i]), "score": float(self.scores[i]),
                         "improvement": float(self.improvement[i])} for i in order]}


def _check_latents(split, latents):
    latents = np.asarray(latents, np.float32)
    d = int(split.generator.input.shape[-1])
    if latents.ndim != 2 or latents.shape[1] != d or len(latents) < 2:
        raise ValueError(f"latents must be [N, {d}] with N >= 2 (a realism score compares image sets); got shape "
                         f"{latents.shape}.")
    return latents


def ablated_images(split: LayerSplit, latents, units, batch_size: int = 256) -> np.ndarray:
    """Images `[N, H, W, C]` with `units` of `split`'s layer set to 0 everywhere (no units: the unedited images)."""
    latents = _check_latents(split, latents)
    mask = split.unit_mask(units) if len(units) else np.zeros(split.num_units, np.float32)
    out = []
    for i in range(0, len(latents), batch_size):
        feats = split.features(tf.constant(latents[i:i + batch_size]), training=False)
        ones = tf.ones([tf.shape(feats)[0], *split.feature_shape[:2], 1])
        out.append(np.asarray(split.render(split.edit_features(feats, mask, np.zeros_like(mask), ones),
                                           training=False), np.float32))
    return np.concatenate(out)


def find_artifact_units(split: LayerSplit, latents, realism, units=None, batch_size: int = 256) -> ArtifactUnits:
    """Ablates each of `units` (default: all of the layer's) alone over `latents` `[N, D]` and scores the images with
    `realism(images) → float` (lower is more realistic). The layer's activations are computed once; each unit costs
    one pass of the rest of the generator and one realism score."""
    latents = _check_latents(split, latents)
    units = list(range(split.num_units)) if units is None else [int(u) for u in units]
    bad = [u for u in units if not 0 <= u < split.num_units]
    if not units or bad:
        raise ValueError(f"units must be a non-empty list of unit indices in [0, {split.num_units}) of layer "
                         f"{split.layer_name!r}; got {bad or units}.")
    feats = [split.features(tf.constant(latents[i:i + batch_size]), training=False)
             for i in range(0, len(latents), batch_size)]

    def render(mask):
        out = []
        for f in feats:
            ones = tf.ones([tf.shape(f)[0], *split.feature_shape[:2], 1])
            out.append(np.asarray(split.render(split.edit_features(f, mask, np.zeros_like(mask), ones),
                                               training=False), np.float32))
        return np.concatenate(out)

    base = float(realism(render(np.zeros(split.num_units, np.float32))))
    scores = [float(realism(render(split.unit_mask([u])))) for u in units]
    return ArtifactUnits(split, base, units, scores)


def artifact_ablation_report(split: LayerSplit, latents, ranking, realism, ks=(1, 2, 4, 8, 16),
                             random_trials: int = 3, seed: int = 0) -> dict:
    """The realism score of `latents`' images (held-out ones: not those the ranking was chosen on) before and after
    ablating the top k units of `ranking` together, next to the mean score of `random_trials` sets of k random units,
    for each k in `ks`."""
    rng = np.random.default_rng(seed)
    ranking = [int(u) for u in ranking]
    report = {"layer": split.layer_name, "num_samples": int(len(latents)),
              "before": float(realism(ablated_images(split, latents, []))), "ablated": []}
    for k in ks:
        if k > len(ranking):
            break
        top = float(realism(ablated_images(split, latents, ranking[:k])))
        rand = [float(realism(ablated_images(split, latents, rng.choice(split.num_units, k, replace=False))))
                for _ in range(random_trials)]
        report["ablated"].append({"k": int(k), "units": ranking[:k], "top": top, "random": float(np.mean(rand))})
    return report


def digits_fid_realism(reference_images=None, network=None):
    """Digits-FID of images against `reference_images` (default: scikit-learn's 1,797 digits at 32²), in the shipped
    digits classifier's pooled features; lower is more realistic."""
    from tfgan_zoo.evaluation.digits import DigitsFeatureNetwork, digits_images
    from tfgan_zoo.evaluation.fid import fid_from_features

    network = network or DigitsFeatureNetwork()
    if reference_images is None:
        reference_images, _ = digits_images(32)
    reference = network(np.asarray(reference_images, np.float32))["features"]

    def score(images):
        return fid_from_features(reference, network(np.asarray(images, np.float32))["features"])

    return score


def discriminator_realism(model, batch_size: int = 256):
    """Mean −log σ(D(x)) of `model`'s discriminator over the images (lower: D finds them more real). For models whose
    discriminator takes the images alone and returns logits `[N, ...]` (averaged over any patch axes)."""
    d = getattr(model, "discriminator", None)
    if d is None:
        raise ValueError(f"{type(model).__name__} has no `discriminator`; use digits_fid_realism() or another score.")

    def score(images):
        images = np.asarray(images, np.float32)
        vals = []
        for i in range(0, len(images), batch_size):
            out = d(tf.constant(images[i:i + batch_size]), training=False)
            out = out[0] if isinstance(out, (list, tuple)) else out
            logits = tf.reshape(tf.cast(out, tf.float32), [tf.shape(out)[0], -1])
            vals.append(tf.reduce_mean(tf.nn.softplus(-logits), axis=-1).numpy())
        return float(np.concatenate(vals).mean())

    return score


def _figure(split, latents, units, path):
    from PIL import Image

    before, after = ablated_images(split, latents, []), ablated_images(split, latents, units)
    change = np.clip(np.abs(after - before) * 4.0 - 1.0, -1.0, 1.0)  # |after − before| × 2 (of the [0, 1] range)
    rows = [np.concatenate(list(x), axis=1) for x in (before, after, change)]
    gap = np.full((4, rows[0].shape[1], rows[0].shape[2]), -1.0)
    grid = np.concatenate([rows[0], gap, rows[1], gap, rows[2]], axis=0)
    pixels = np.clip((grid + 1.0) * 127.5, 0, 255).round().astype(np.uint8)
    pixels = pixels[..., 0] if pixels.shape[-1] == 1 else pixels
    Image.fromarray(pixels).resize((pixels.shape[1] * 3, pixels.shape[0] * 3), Image.NEAREST).save(path)


def main(argv=None):
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Artifact units of a zoo preset's generator layer (digits-FID).")
    parser.add_argument("--preset", default="dcgan_digits_32")
    parser.add_argument("--layer", default="up1_relu")
    parser.add_argument("--rank_samples", type=int, default=500, help="latents the units are ranked on")
    parser.add_argument("--eval_samples", type=int, default=2000, help="held-out latents the ablation is judged on")
    parser.add_argument("--ks", default="1,2,4,8,16")
    parser.add_argument("--figure", default=None, help="PNG of 12 held-out samples before / after the top 8 units")
    args = parser.parse_args(argv)

    import tfgan_zoo

    model = tfgan_zoo.from_preset(args.preset)
    split = LayerSplit(model, args.layer)
    fid = digits_fid_realism()
    found = find_artifact_units(split, model.latents_for(args.rank_samples, seed=0).numpy(), fid)
    held_out = model.latents_for(args.eval_samples, seed=1).numpy()
    ks = [int(k) for k in args.ks.split(",")]
    report = {"preset": args.preset, "ranking": found.as_dict(10),
              "digits_fid": artifact_ablation_report(split, held_out, found.ranking, fid, ks),
              "discriminator": artifact_ablation_report(split, held_out, found.ranking,
                                                        discriminator_realism(model), ks)}
    from tfgan_zoo.evaluation.digits import DigitsFeatureNetwork

    classify = DigitsFeatureNetwork().predict_labels
    report["digit_shares"] = {
        name: np.round(np.bincount(classify(ablated_images(split, held_out, units)), minlength=10) / len(held_out),
                       3).tolist() for name, units in (("before", []), ("top8_ablated", found.top_units(8)))}
    print(json.dumps(report))
    if args.figure:
        _figure(split, held_out[:12], found.top_units(8), args.figure)
        print(f"figure: {args.figure} (rows: samples; the same latents with the top 8 artifact units ablated; "
              "|difference| x 2)")
    return report


if __name__ == "__main__":
    main()
