"""The studio: one plain HTML/JS page (`index.html`, no build step, no network) that edits generators through the
TF-Serving REST API of exported SavedModels (`igan_edit`, `intervene`, `sample` signatures; `synthesize` of a
semantic-synthesis model for the GauGAN-style drawing tool), and the small local
HTTP server that serves the page and forwards `/v1/...` to a REST model server (the zoo's or a real TF Serving).

`prepare_studio_model` exports a model with the interactive signatures and writes the dissection the page reads.
"""

from __future__ import annotations

import os

import numpy as np

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "index.html")


def prepare_studio_model(model, base_dir, model_name, exporter, layer_name: str = "up1_relu",
                         num_samples: int = 400, quantile: float = 0.9, units_per_concept: int = 8, seed: int = 0):
    """Exports `model` with the interactive signatures to `<base_dir>/<model_name>/<next version>/` using
    `exporter` (`tfgan_zoo.export.export_saved_model`, passed in so this core package never imports the export
    layer), dissects `layer_name` over `num_samples` generated digits with `digit_segmenter` (concepts: the ten
    digit classes) and writes `assets.extra/studio.json`. Returns the version directory.

    A semantic-synthesis model (pix2pixHD, GauGAN: `model.task.semantic`) is exported as it is (its `synthesize`
    signature is what the studio's GauGAN-style drawing tool calls) with `semantic_studio_metadata` (class brushes,
    style latents); `layer_name` and the dissection arguments do not apply to it."""
    if getattr(getattr(model, "task", None), "semantic", False):
        from tfgan_zoo.interactive.export import semantic_studio_metadata, write_studio_metadata

        path = exporter(model, base_dir, model_name=model_name)
        write_studio_metadata(path, semantic_studio_metadata(model))
        return path
    from tfgan_zoo.interactive.dissection import digit_segmenter, dissect
    from tfgan_zoo.interactive.export import InteractiveModel, studio_metadata, write_studio_metadata

    interactive = InteractiveModel(model, layer_name)
    path = exporter(interactive, base_dir, model_name=model_name)
    rng = np.random.default_rng(seed)
    shape = (num_samples, int(model.latent_dim))
    if getattr(model, "latent_distribution", "normal") == "uniform":
        latents = rng.uniform(-1, 1, shape).astype(np.float32)
    else:
        latents = rng.normal(size=shape).astype(np.float32)
    result = None
    if interactive.split.image_shape[-1] == 1:
        result = dissect(interactive.split, latents, digit_segmenter(), 11, quantile=quantile)
    names = {d + 1: f"digit {d}" for d in range(10)}
    write_studio_metadata(path, studio_metadata(interactive, result, names, units_per_concept))
    return path
