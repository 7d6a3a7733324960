"""The interactive tools as SavedModel signatures, so exported models keep them (and TF Serving serves them).

`InteractiveModel(model, layer_name)` wraps an unconditional zoo GAN: it is what the zoo's exporter
(`tfgan_zoo.export.export_saved_model`) takes — `serving_signatures()` are the model's own (`serving_default`,
`sample`) plus

* `igan_edit(latents [N, D], color_target [N, H, W, C], color_mask, edge_target, edge_mask [N, H, W, 1])` →
  `{latents, images}`: iGAN's constrained edit (`EDIT_STEPS` Adam steps in the graph, `igan.edit_graph`);
* `intervene(latents [N, D], unit_mask [U], values [U], region [N, H, W, 1])` → `{images}`: GAN Dissection's layer
  intervention at `layer_name` (`dissection.LayerSplit.edit_features`).

Both capture only the inference generator's variables, so the exporter's variable check holds. The exporter itself
is unchanged: other models export as before. `studio_metadata` is what the studio page reads (written next to the
export as `assets.extra/studio.json` by `write_studio_metadata`).
"""

from __future__ import annotations

import json
import os

import numpy as np
import tensorflow as tf

from tfgan_zoo.interactive.dissection import LayerSplit
from tfgan_zoo.interactive.igan import _generator, edit_graph

#: the exported edit's optimisation: Adam steps, learning rate, weights of the colour, edge and latent terms.
EDIT_STEPS, EDIT_LEARNING_RATE, EDIT_WEIGHTS = 60, 0.05, (1.0, 1.0, 0.01)
STUDIO_FILE = os.path.join("assets.extra", "studio.json")


class InteractiveModel:
    """An unconditional zoo GAN plus the `igan_edit` and `intervene` serving signatures (see module docstring)."""

    def __init__(self, model, layer_name: str):
        self.model = model
        self.generator = _generator(model)
        self.split = LayerSplit(model, layer_name)
        self.layer_name = layer_name

    def __getattr__(self, name):  # everything else (task, config, registry_name, latent_dim, ...) is the model's
        if name == "model":
            raise AttributeError(name)
        return getattr(self.model, name)

    @property
    def inference_generator(self):
        return self.generator

    def get_config(self):
        return self.model.get_config()

    def serving_signatures(self):
        sigs = dict(self.model.serving_signatures())
        g, split = self.generator, self.split
        clip = getattr(self.model, "latent_distribution", "normal") == "uniform"
        d = int(self.model.latent_dim)
        h, w, c = split.image_shape
        wc, we, ws = EDIT_WEIGHTS

        def igan_edit(latents, color_target, color_mask, edge_target, edge_mask):
            z, _ = edit_graph(g, clip, latents, color_target, color_mask, edge_target, edge_mask, EDIT_STEPS,
                              EDIT_LEARNING_RATE, wc, we, ws, 2)
            return {"latents": z, "images": tf.cast(g(z, training=False), tf.float32)}

        def intervene(latents, unit_mask, values, region):
            return {"images": split.intervene(latents, unit_mask, values, region)}

        one = [None, h, w, 1]
        sigs["igan_edit"] = (igan_edit, [
            tf.TensorSpec([None, d], tf.float32, name="latents"),
            tf.TensorSpec([None, h, w, c], tf.float32, name="color_target"),
            tf.TensorSpec(one, tf.float32, name="color_mask"),
            tf.TensorSpec(one, tf.float32, name="edge_target"),
            tf.TensorSpec(one, tf.float32, name="edge_mask"),
        ])
        sigs["intervene"] = (intervene, [
            tf.TensorSpec([None, d], tf.float32, name="latents"),
            tf.TensorSpec([split.num_units], tf.float32, name="unit_mask"),
            tf.TensorSpec([split.num_units], tf.float32, name="values"),
            tf.TensorSpec(one, tf.float32, name="region"),
        ])
        return sigs


def studio_metadata(interactive: InteractiveModel, dissection=None, concept_names=None, units_per_concept=8):
    """What the studio page needs: image shape, latent prior, the intervention layer and, from a `Dissection`,
    each concept's top units and their insertion values."""
    h, w, c = interactive.split.image_shape
    meta = {
        "image_size": [h, w], "channels": c, "latent_dim": int(interactive.model.latent_dim),
        "latent_distribution": getattr(interactive.model, "latent_distribution", "normal"),
        "layer": interactive.layer_name, "num_units": interactive.split.num_units, "concepts": [],
    }
    if dissection is not None:
        for concept in dissection.concepts:
            name = (concept_names or {}).get(concept, str(concept))
            units = dissection.top_units(concept, units_per_concept)
            meta["concepts"].append({
                "label": int(concept), "name": name, "units": units,
                "values": [float(dissection.insert_values[u]) for u in units],
                "iou": [float(dissection.iou[u, concept]) for u in units],
            })
    return meta


def write_studio_metadata(version_dir, meta: dict) -> str:
    path = os.path.join(os.fspath(version_dir), STUDIO_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(meta, f, indent=2)
    return path


#: the studio's style latents for a semantic model with a style input: seeds 0 .. SEMANTIC_STYLES − 1
SEMANTIC_STYLES = 8


def semantic_class_names(num_classes: int) -> list:
    """Brush names of a label map's classes: the digit scenes' (0 background, d + 1 digit d) for 11 classes, else
    'class k'."""
    if num_classes == 11:
        return ["background"] + [f"digit {d}" for d in range(10)]
    return [f"class {k}" for k in range(num_classes)]


def semantic_studio_metadata(model, class_names=None, num_styles: int = SEMANTIC_STYLES) -> dict:
    """What the studio's GauGAN-style drawing tool needs from a semantic-synthesis model (pix2pixHD, GauGAN): the
    image shape, the `synthesize` signature's input names (`labels`, `instances` where the model takes an instance
    map, `latents` where it has a style input), each class's brush name and colour (`model.colorize`'s palette, RGB
    0–255) and `num_styles` seeded style latents (the model's own `style_inputs(1, seed=s)`)."""
    h, w = model.image_shape
    k = int(model.num_classes)
    names = list(class_names) if class_names is not None else semantic_class_names(k)
    if len(names) != k:
        raise ValueError(f"class_names must name all {k} classes of the label map; got {len(names)} names.")
    palette = (np.asarray(model.colorize(np.arange(k)[None]))[0] + 1.0) * 127.5
    inputs = [s.name for s in model.synthesis_specs()]
    styles = []
    if "latents" in inputs:
        styles = [np.asarray(model.style_inputs(1, seed=s)["latents"][0], np.float64).round(6).tolist()
                  for s in range(num_styles)]
    return {
        "kind": "semantic", "image_size": [int(h), int(w)], "channels": int(model.channels), "num_classes": k,
        "signature": "synthesize", "inputs": inputs, "styles": styles,
        "classes": [{"label": i, "name": n, "color": [int(round(c)) for c in palette[i]]} for i, n in enumerate(names)],
        "concepts": [], "num_units": 0,
    }
