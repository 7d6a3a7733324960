"""GAN Dissection / GANpaint on the shipped dcgan_digits_32 preset: the layer split, interventions, per-unit IoU
dissection with the digit segmenter, the ablation effect, and the `intervene` / `igan_edit` signatures of an exported
SavedModel answered by the zoo's model server."""

import json
import urllib.request

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.interactive.dissection import (
    LayerSplit,
    ablation_effect,
    digit_segmenter,
    dissect,
    insertion_effect,
)


@pytest.fixture(scope="module")
def model():
    import tfgan_zoo

    return tfgan_zoo.from_preset("dcgan_digits_32")


def _latents(n, seed):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 100)).astype(np.float32)


def test_split_reads_and_overwrites_a_layer(model):
    split = LayerSplit(model, "up1_relu")
    z = _latents(4, 0)
    g = model.generator(z, training=False).numpy()
    assert split.feature_shape == (8, 8, 64) and split.num_units == 64
    np.testing.assert_allclose(split.render(split.features(z)).numpy(), g, atol=1e-5)
    nothing = split.intervene(z, np.zeros(64, np.float32), np.zeros(64, np.float32)).numpy()
    np.testing.assert_allclose(nothing, g, atol=1e-5)
    # ablating every unit everywhere leaves only the biases: every latent gives the same image
    blank = split.intervene(z, np.ones(64, np.float32), np.zeros(64, np.float32)).numpy()
    assert np.abs(blank - blank[:1]).max() < 1e-5
    # inside a region only: the far side of the image keeps its pixels
    region = np.zeros((4, 32, 32, 1), np.float32)
    region[:, :, :16] = 1.0
    left = split.intervene(z, np.ones(64, np.float32), np.zeros(64, np.float32), region).numpy()
    assert np.abs(left[:, :, 28:] - g[:, :, 28:]).max() < 1e-5
    assert np.abs(left[:, :, :12] - g[:, :, :12]).max() > 0.1
    with pytest.raises(ValueError, match="up1_conv"):
        LayerSplit(model, "no_such_layer")


def test_dissection_finds_units_whose_ablation_removes_each_digit(model):
    split = LayerSplit(model, "up1_relu")
    segment = digit_segmenter()
    result = dissect(split, _latents(200, 0), segment, 11, quantile=0.9)
    assert result.iou.shape == (64, 11) and np.all(result.iou[:, 0] == 0)
    assert np.all((result.iou >= 0) & (result.iou <= 1))
    held_out = _latents(150, 1)
    removed = {}
    for concept in range(1, 11):
        effect = ablation_effect(split, held_out, result.top_units(concept, 16), segment, concept)
        if effect["samples"] >= 5:
            removed[concept - 1] = effect["removed_fraction"]
    assert len(removed) >= 8, removed
    # measured: 16 top units remove 1.00 of every digit's segmented area
    assert min(removed.values()) >= 0.5, removed
    # the ranking matters: the top 8 units remove more than 8 random ones
    rng = np.random.default_rng(0)
    for concept in (2, 4, 6):
        top = ablation_effect(split, held_out, result.top_units(concept, 8), segment, concept)["removed_fraction"]
        rand = ablation_effect(split, held_out, rng.choice(64, 8, replace=False), segment, concept)
        assert top > rand["removed_fraction"] + 0.2, (concept, top, rand)


def test_insertion_effect_reports_rates(model):
    split = LayerSplit(model, "up1_relu")
    segment = digit_segmenter()
    region = np.ones((32, 32), bool)
    effect = insertion_effect(split, _latents(40, 2), [0, 1], np.zeros(64, np.float32), segment, 9, region)
    assert set(effect) == {"samples", "appears_rate", "area_change"}
    assert 0.0 <= effect["appears_rate"] <= 1.0


def _rest(url, model_name, signature, inputs):
    body = json.dumps({"signature_name": signature, "inputs": inputs}).encode()
    req = urllib.request.Request(f"{url}/v1/models/{model_name}:predict", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["outputs"]


def test_exported_model_keeps_the_interventions_through_the_server(model, tmp_path):
    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.export.saved_model import read_export_metadata
    from tfgan_zoo.interactive.export import InteractiveModel
    from tfgan_zoo.interactive.igan import edit_graph
    from tfgan_zoo.serving import serve

    interactive = InteractiveModel(model, "up1_relu")
    path = export_saved_model(interactive, tmp_path, model_name="digits", warmup=False)
    meta = read_export_metadata(path)
    assert {"serving_default", "sample", "igan_edit", "intervene"} <= set(meta["signatures"])
    assert meta["model"] == "dcgan"
    z = _latents(2, 3)
    units = np.zeros(64, np.float32)
    units[:8] = 1.0
    values = np.full(64, 2.0, np.float32)
    region = np.zeros((2, 32, 32, 1), np.float32)
    region[:, 8:24, 8:24] = 1.0
    expected = interactive.split.intervene(z, units, values, region).numpy()
    mask = np.zeros((1, 32, 32, 1), np.float32)
    mask[:, 15:18, 10:22] = 1.0
    zeros = np.zeros_like(mask)
    edit_z, _ = edit_graph(model.generator, True, tf.constant(z[:1]), tf.constant(mask), tf.constant(mask),
                           tf.constant(zeros), tf.constant(zeros), 60, 0.05, 1.0, 1.0, 0.01, 2)
    server = serve(str(tmp_path), poll_interval=0)
    try:
        out = _rest(server.rest_url, "digits", "intervene",
                    {"latents": z.tolist(), "unit_mask": units.tolist(), "values": values.tolist(),
                     "region": region.tolist()})
        served = np.asarray(out["images"] if isinstance(out, dict) else out, np.float32)
        np.testing.assert_allclose(served, expected, atol=1e-4)
        assert np.abs(served - model.generator(z, training=False).numpy()).max() > 0.1
        out = _rest(server.rest_url, "digits", "igan_edit",
                    {"latents": z[:1].tolist(), "color_target": mask.tolist(), "color_mask": mask.tolist(),
                     "edge_target": zeros.tolist(), "edge_mask": zeros.tolist()})
        images = np.asarray(out["images"], np.float32)
        # the same optimisation as in-process (Adam may amplify round-off where a gradient is ~0: a loose match)
        assert np.abs(np.asarray(out["latents"]) - edit_z.numpy()).mean() < 0.02
        assert images[0][mask[0] > 0].mean() > 0.6  # the white stroke asked for is there
    finally:
        server.stop()
