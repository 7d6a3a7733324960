"""GAN Dissection and GANpaint: read and overwrite a generator layer's units, find the units of each concept, and
measure what ablating or inserting them causes.

Bau, Zhu, Strobelt, Zhou, Tenenbaum, Freeman & Torralba, "GAN Dissection: Visualizing and Understanding Generative
Adversarial Networks", ICLR 2019 (arXiv:1811.10597); GANpaint is its painting tool.

* **Layer intervention** (`LayerSplit`): the Keras generator cut at a named layer into `features(z)` (the layer's
  activations r, `[N, h, w, U]`) and `render(r)` (the rest of the network), and `intervene(z, unit_mask, values,
  region)`: r' = (1 − m ⊙ R) ⊙ r + m ⊙ R ⊙ v with m the chosen units, v their new values and R the region (an
  image-resolution mask, area-resized to the layer's grid). Ablation is v = 0 everywhere; insertion is a high v
  inside a region. `interactive/export.py` exports it as the `intervene` SavedModel signature.
* **Dissection** (`dissect`): for each unit u, the activation upsampled (bilinear) to the image, thresholded at its
  top quantile t_u over all samples and positions (the paper's P(a_u > t_u) = 0.01 by default), and the IoU of that
  mask with each concept's segmentation over many samples; units ranked per concept by IoU.
* **Intervention** (`ablation_effect`, `insertion_effect`): the average causal effect of the units — the fraction of
  a concept's segmented area that ablating them removes, and how often inserting them inside a region makes the
  concept appear there.

Concepts come from a segmenter `segment(images) → int [N, H, W]` (0 = background, k = concept k).
`digit_segmenter` is the one this module ships: the ink of a single-digit image (the digit scenes' ink threshold)
labelled with the shipped digits classifier's prediction (digit d → label d + 1, the digit scenes' convention).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo.interactive.igan import _generator, _image_shape

#: the paper's activation quantile: a unit is "on" where it exceeds its top-1 % value.
PAPER_QUANTILE = 0.99


class LayerSplit:
    """A generator cut at `layer_name`: `features(z)` → activations, `render(activations)` → images.

    Args:
        model: an unconditional zoo GAN (or a Keras generator with one latent input).
        layer_name: the generator layer whose output is read and overwritten (e.g. 'up1_relu' in DCGAN).

    Example:
        >>> import tfgan_zoo
        >>> m = tfgan_zoo.build_model("dcgan", image_size=16, g_base_filters=8, d_base_filters=8)
        >>> split = LayerSplit(m, "up1_relu")
        >>> split.features(m.latents_for(2, seed=0)).shape
        TensorShape([2, 8, 8, 8])
    """

    def __init__(self, model, layer_name: str):
        g = model if isinstance(model, keras.Model) and not hasattr(model, "latent_dim") else _generator(model)
        names = [layer.name for layer in g.layers]
        if layer_name not in names:
            raise ValueError(f"The generator has no layer {layer_name!r}; its layers are {names}.")
        out = g.get_layer(layer_name).output
        if isinstance(out, (list, tuple)) or len(out.shape) != 4:
            raise ValueError(f"Layer {layer_name!r} must output one [N, h, w, units] feature map, got {out}.")
        self.generator = g
        self.layer_name = layer_name
        self.features = keras.Model(g.input, out, name=f"features_{layer_name}")
        try:
            self.render = keras.Model(out, g.output, name=f"render_{layer_name}")
        except Exception as e:  # a generator whose later layers also read the latents (e.g. style inputs)
            raise ValueError(
                f"Cannot cut the generator at {layer_name!r}: the layers after it also depend on other tensors "
                f"({e}). Choose a layer of the main convolutional path.") from e
        self.feature_shape = tuple(int(d) for d in out.shape[1:])
        self.num_units = self.feature_shape[-1]
        self.image_shape = _image_shape(g)

    def edit_features(self, features, unit_mask, values, region):
        """r' = (1 − m ⊙ R) ⊙ r + m ⊙ R ⊙ v. unit_mask, values `[U]`; region `[N, H, W, 1]` at image resolution
        (values in [0, 1]; resized to the layer's grid by area averaging)."""
        h, w = self.feature_shape[:2]
        region = tf.cast(region, tf.float32)
        if region.shape[1] != h or region.shape[2] != w:
            region = tf.image.resize(region, (h, w), method="area")
        m = tf.reshape(tf.cast(unit_mask, tf.float32), [1, 1, 1, -1]) * region
        v = tf.reshape(tf.cast(values, tf.float32), [1, 1, 1, -1])
        return (1.0 - m) * tf.cast(features, tf.float32) + m * v

    def intervene(self, latents, unit_mask, values, region=None):
        """Images after overwriting the chosen units inside `region` (everywhere when None)."""
        latents = tf.convert_to_tensor(latents, tf.float32)
        if region is None:
            region = tf.ones([tf.shape(latents)[0], *self.image_shape[:2], 1])
        feats = self.features(latents, training=False)
        return tf.cast(self.render(self.edit_features(feats, unit_mask, values, region), training=False),
                       tf.float32)

    def unit_mask(self, units) -> np.ndarray:
        mask = np.zeros(self.num_units, np.float32)
        mask[list(units)] = 1.0
        return mask


def digit_segmenter(confidence: float = 0.5, batch_size: int = 256):
    """A segmenter of single-digit images `[N, H, W, C]` in [-1, 1]: ink pixels (intensity in [0, 1] above the digit
    scenes' `INK_THRESHOLD`) get label `d + 1` where the shipped digits classifier predicts digit d with at least
    `confidence`, else 0 (background / not a recognisable digit)."""
    from tfgan_zoo.data.digit_scenes import INK_THRESHOLD
    from tfgan_zoo.evaluation.digits import load_digits_classifier

    classifier, cfg = load_digits_classifier()
    size = cfg["architecture"]["image_size"]

    def segment(images):
        images = np.asarray(images, np.float32)
        x = images.mean(-1, keepdims=True)
        if x.shape[1:3] != (size, size):
            x = tf.image.resize(x, (size, size), method="bilinear").numpy()
        probs = np.concatenate([tf.nn.softmax(classifier(x[i:i + batch_size], training=False)).numpy()
                                for i in range(0, len(x), batch_size)])
        label = np.where(probs.max(-1) >= confidence, probs.argmax(-1) + 1, 0)
        ink = (images.mean(-1) + 1.0) / 2.0 > INK_THRESHOLD
        return (ink * label[:, None, None]).astype(np.int32)

    return segment


class Dissection:
    """The result of `dissect`: per-unit thresholds, IoU per (unit, concept) and units ranked per concept."""

    def __init__(self, split, thresholds, iou, insert_values, concepts):
        self.split, self.thresholds, self.iou = split, thresholds, iou
        self.insert_values = insert_values
        self.concepts = list(concepts)

    def ranking(self, concept: int) -> np.ndarray:
        """Units sorted by decreasing IoU with `concept` (a segmentation label)."""
        return np.argsort(-self.iou[:, concept], kind="stable")

    def top_units(self, concept: int, k: int) -> list:
        return [int(u) for u in self.ranking(concept)[:k]]


def _upsampled(split, feats):
    h, w = split.image_shape[:2]
    return tf.image.resize(feats, (h, w), method="bilinear").numpy()


def dissect(split: LayerSplit, latents, segment, num_concepts: int, quantile: float = PAPER_QUANTILE,
            batch_size: int = 128) -> Dissection:
    """Dissects `split`'s layer over `latents` `[N, D]`: IoU of each unit's thresholded, upsampled activation with
    each concept label 1 .. num_concepts − 1 of `segment(G(z))`. `quantile` sets each unit's threshold t_u over all
    samples and positions. The insertion value of a unit is its mean activation where it exceeds t_u."""
    latents = np.asarray(latents, np.float32)
    acts, segs = [], []
    for i in range(0, len(latents), batch_size):
        z = tf.constant(latents[i:i + batch_size])
        feats = split.features(z, training=False)
        acts.append(_upsampled(split, feats).astype(np.float32))
        segs.append(segment(np.asarray(split.render(feats, training=False), np.float32)))
    acts, segs = np.concatenate(acts), np.concatenate(segs)
    flat = acts.reshape(-1, split.num_units)
    thresholds = np.quantile(flat, quantile, axis=0).astype(np.float32)
    on = flat > thresholds
    insert_values = np.array([flat[on[:, u], u].mean() if on[:, u].any() else thresholds[u]
                              for u in range(split.num_units)], np.float32)
    labels = segs.reshape(-1)
    iou = np.zeros((split.num_units, num_concepts), np.float32)
    for c in range(1, num_concepts):
        concept = labels == c
        if not concept.any():
            continue
        inter = on[concept].sum(0)
        union = on.sum(0) + concept.sum() - inter
        iou[:, c] = inter / np.maximum(union, 1)
    return Dissection(split, thresholds, iou, insert_values, range(1, num_concepts))


def ablation_effect(split: LayerSplit, latents, units, segment, concept: int, batch_size: int = 128) -> dict:
    """Average causal effect of ablating `units` everywhere: over the samples where `concept` is present, the
    fraction of its segmented area that disappears (1 − area after / area before, pooled over samples)."""
    latents = np.asarray(latents, np.float32)
    mask = split.unit_mask(units)
    before, after = [], []
    for i in range(0, len(latents), batch_size):
        z = tf.constant(latents[i:i + batch_size])
        before.append(segment(np.asarray(split.generator(z, training=False), np.float32)) == concept)
        after.append(segment(split.intervene(z, mask, np.zeros_like(mask)).numpy()) == concept)
    before, after = np.concatenate(before), np.concatenate(after)
    present = before.reshape(len(before), -1).any(-1)
    area_before = before[present].sum()
    area_after = after[present].sum()
    return {"samples": int(present.sum()), "area_before": int(area_before), "area_after": int(area_after),
            "removed_fraction": float(1.0 - area_after / max(area_before, 1))}


def insertion_effect(split: LayerSplit, latents, units, values, segment, concept: int, region,
                     min_fraction: float = 0.1, batch_size: int = 128) -> dict:
    """Average causal effect of inserting `units` at `values` inside `region` `[H, W]` (bool): over the samples
    where the concept is absent from the region, the fraction where it covers at least `min_fraction` of the region
    afterwards, and the mean change of its area in the region."""
    latents = np.asarray(latents, np.float32)
    region = np.asarray(region, bool)
    mask = split.unit_mask(units)
    region_t = np.broadcast_to(region[None, :, :, None], (1, *region.shape, 1)).astype(np.float32)
    before, after = [], []
    for i in range(0, len(latents), batch_size):
        z = tf.constant(latents[i:i + batch_size])
        r = np.repeat(region_t, len(z), axis=0)
        before.append(segment(np.asarray(split.generator(z, training=False), np.float32)) == concept)
        after.append(segment(split.intervene(z, mask, values, r).numpy()) == concept)
    before, after = np.concatenate(before)[:, region], np.concatenate(after)[:, region]
    absent = before.sum(-1) < min_fraction * region.sum()
    frac_after = after[absent].mean(-1)
    return {"samples": int(absent.sum()),
            "appears_rate": float(np.mean(frac_after >= min_fraction)) if absent.any() else 0.0,
            "area_change": float(after.mean() - before.mean())}
