"""GAN Dissection on digit scenes with the shipped `dcgan_digit_scenes_32` preset and scene segmenter: each digit
class has units whose ablation removes most of its area, the recorded insertions (chosen on other latents by
`benchmarks/scene_dissection.py --record`) make the scene segmenter read the digit in an empty region on held-out
latents, and the same intervention runs on an exported SavedModel through the zoo's server.

What these tests do not show: that the inserted content is a legible digit. It mostly is not (textures and filled
blocks the segmenter labels as the digit; see the README and docs/screenshots/scene_dissection_insertions.png)."""

import json
import urllib.request

import numpy as np
import pytest

from tfgan_zoo.interactive.dissection import LayerSplit, dissect
from tfgan_zoo.interactive.scene_dissection import (
    _ablation,
    _Features,
    _insertion,
    central_region,
    scene_segmenter,
    values_vector,
)
from tfgan_zoo.pretrained.presets import ASSETS, read_preset

PRESET = "dcgan_digit_scenes_32"
# thresholds sit below the figures the benchmark measured (recorded in the preset's metadata.dissection; per class
# in the README) with room for another CPU's round-off and these smaller latent sets
MIN_REMOVED = 0.5
#: per digit, below the appears-rates measured on the benchmark's 300 held-out latents / these 200 (seed 7):
#: 0.98/0.98, 1.00/0.99, 0.85/0.90, 0.99/0.99, 1.00/1.00, 1.00/0.99, 0.65/0.64, 0.73/0.75, 1.00/1.00, 1.00/0.99
MIN_APPEARS = {0: 0.85, 1: 0.85, 2: 0.7, 3: 0.85, 4: 0.85, 5: 0.85, 6: 0.5, 7: 0.55, 8: 0.85, 9: 0.85}


@pytest.fixture(scope="module")
def model():
    import tfgan_zoo

    return tfgan_zoo.from_preset(PRESET)


@pytest.fixture(scope="module")
def record():
    return read_preset(ASSETS / PRESET)["metadata"]["dissection"]


@pytest.fixture(scope="module")
def split(model):
    return LayerSplit(model, "up1_relu")


@pytest.fixture(scope="module")
def segment():
    return scene_segmenter()


@pytest.fixture(scope="module")
def held_out(model, split, segment):
    # seed 7: neither the dissection (0), the selection (1) nor the benchmark's held-out set (2)
    return _Features(split, np.asarray(model.latents_for(200, seed=7)), segment)


def test_dissection_finds_units_whose_ablation_removes_each_digit(model, split, segment, held_out):
    result = dissect(split, np.asarray(model.latents_for(300, seed=0)), segment, 11)
    assert result.iou.shape == (48, 11) and np.all(result.iou[:, 0] == 0)
    removed, others, random = {}, {}, {}
    rng = np.random.default_rng(0)
    for digit in range(10):
        effect = _ablation(held_out, result.top_units(digit + 1, 8), digit + 1)
        assert effect["samples"] >= 20, (digit, effect)
        removed[digit], others[digit] = effect["removed_fraction"], effect["others_removed_fraction"]
        random[digit] = _ablation(held_out, rng.choice(48, 8, replace=False), digit + 1)["removed_fraction"]
    assert min(removed.values()) >= MIN_REMOVED, removed
    assert np.mean(list(removed.values())) >= MIN_REMOVED + 0.2, removed
    # the ranking matters: 8 random units remove much less
    assert np.mean(list(removed.values())) > np.mean(list(random.values())) + 0.3, (removed, random)


def test_recorded_fewest_units_ablation(held_out, record):
    """The preset's recorded ablations (the fewest top-IoU units removing 75 % on the selection latents): measured
    0.66-1.00 of each digit on the benchmark's held-out latents; specific to the digit only for some (0: 0.83 of the
    0s and 0.44 of the other digits, 6: 0.66 and 0.26): most digits' top units are shared ink units."""
    removed, others = {}, {}
    for digit, c in record["classes"].items():
        effect = _ablation(held_out, c["ablation_units"], int(digit) + 1)
        removed[int(digit)], others[int(digit)] = effect["removed_fraction"], effect["others_removed_fraction"]
    # 6's single unit removes 0.66 on the benchmark's held-out latents and 0.53 on these: a looser bound for it
    assert all(r >= (0.4 if d == 6 else MIN_REMOVED) for d, r in removed.items()), removed
    for digit in (0, 6):
        assert removed[digit] > others[digit] + 0.2, (digit, removed, others)


def test_recorded_insertions_make_each_digit_appear_in_the_region(split, held_out, record):
    region = central_region(32, 16)
    assert record["region"] == [8, 8, 24, 24] and record["layer"] == "up1_relu"
    rates, controls = {}, {}
    rng = np.random.default_rng(1)
    for digit, c in record["classes"].items():
        ins = c["insertion"]
        values = values_vector(split, ins["units"], ins["values"])
        rates[int(digit)] = _insertion(held_out, ins["units"], values, int(digit) + 1, region, 0.1)["appears_rate"]
        other = [int(u) for u in rng.choice(np.setdiff1d(np.arange(48), ins["units"]), len(ins["units"]), False)]
        controls[int(digit)] = _insertion(held_out, other, values_vector(split, other, ins["values"]),
                                          int(digit) + 1, region, 0.1)["appears_rate"]
    for digit, threshold in MIN_APPEARS.items():
        assert rates[digit] >= threshold, (digit, rates)
    # the units matter, not the energy written: other units at the same values rarely paint the digit
    assert np.mean(list(rates.values())) > np.mean(list(controls.values())) + 0.3, (rates, controls)


def _rest(url, model_name, signature, inputs):
    body = json.dumps({"signature_name": signature, "inputs": inputs}).encode()
    req = urllib.request.Request(f"{url}/v1/models/{model_name}:predict", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["outputs"]


def test_exported_scene_generator_paints_a_digit_through_the_server(model, split, segment, record, tmp_path):
    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.interactive.export import InteractiveModel
    from tfgan_zoo.serving import serve

    digit = 3
    ins = record["classes"][str(digit)]["insertion"]
    region = central_region(32, 16)
    z = np.asarray(model.latents_for(64, seed=11), np.float32)
    before = segment(np.asarray(model.generator(z, training=False), np.float32))
    z = z[(before == digit + 1)[:, region].mean(-1) < 0.1][:8]  # digit 3 is not in the region
    assert len(z) == 8
    interactive = InteractiveModel(model, "up1_relu")
    export_saved_model(interactive, tmp_path, model_name="scenes", warmup=False)
    units = split.unit_mask(ins["units"])
    values = values_vector(split, ins["units"], ins["values"])
    regions = np.repeat(region[None, :, :, None].astype(np.float32), len(z), 0)
    expected = split.intervene(z, units, values, regions).numpy()
    server = serve(str(tmp_path), poll_interval=0)
    try:
        out = _rest(server.rest_url, "scenes", "intervene",
                    {"latents": z.tolist(), "unit_mask": units.tolist(), "values": values.tolist(),
                     "region": regions.tolist()})
    finally:
        server.stop()
    served = np.asarray(out["images"] if isinstance(out, dict) else out, np.float32)
    np.testing.assert_allclose(served, expected, atol=1e-4)
    after = (segment(served) == digit + 1)[:, region].mean(-1)
    assert np.sum(after >= 0.1) >= 5, after  # painted in most of the 8 scenes
    # outside the region (and a margin of one layer cell) the scene is kept
    outside = np.ones((32, 32), bool)
    outside[4:28, 4:28] = False
    assert np.abs(served - model.generator(z, training=False).numpy())[:, outside].mean() < 0.05
