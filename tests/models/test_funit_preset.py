"""The shipped FUNIT preset (`funit_typeface_digits_32`): it loads offline, and re-judged here it translates held-out
digits into typefaces it never saw in training, from K = 1 and K = 5 examples, above stated thresholds.

Judges (`tfgan_zoo.evaluation.few_shot`): the typeface classifier (22 classes: handwriting + the 21 typefaces,
unseen ones included; 0.79 on held-out printed renders, so it caps the typeface rate) and the digits content
classifier. Thresholds sit below the measured figures recorded in preset.json by about the spread of a re-run;
the untrained model of the same config and seed is recorded next to them, and training must beat it clearly.
"""

import numpy as np

import tfgan_zoo
from tfgan_zoo.evaluation.few_shot import few_shot_report
from tfgan_zoo.pretrained import read_preset
from tfgan_zoo.pretrained.presets import ASSETS

NAME = "funit_typeface_digits_32"
#: per K: at least this typeface rate (chance 1/22 = 0.045) and content accuracy (chance 0.10)
THRESHOLDS = {"k1": {"typeface_rate": 0.15, "content_accuracy": 0.65},
              "k5": {"typeface_rate": 0.17, "content_accuracy": 0.7}}
#: how far above the untrained model (same config and seed) training must be: its blobs keep no digit (0.11) and
#: the typeface judge puts them in one typeface (DejaVuSans-BoldOblique: 0.28 there, 0 elsewhere; 0.065 averaged)
MARGIN = {"typeface_rate": 0.09, "content_accuracy": 0.5}
#: a classifier's decision may flip on another CPU's round-off for an image at its boundary (1/340 per image)
TOLERANCE = 0.03


def test_funit_preset_translates_into_unseen_typefaces(tmp_path):
    cfg = read_preset(ASSETS / NAME)
    assert cfg["weights"]["bytes"] <= 0.8e6
    record = cfg["metadata"]["metrics"][0]
    assert record["protocol"] == "few_shot_report"
    recorded, untrained = record["values"], record["untrained"]
    model = tfgan_zoo.from_preset(NAME, cache_dir=tmp_path / "cache")
    report = few_shot_report(model)
    assert report["judges"] == recorded["judges"] == untrained["judges"]
    assert report["unseen_typefaces"] == recorded["unseen_typefaces"]
    for k, bounds in THRESHOLDS.items():
        for key, bound in bounds.items():
            assert abs(report[k][key] - recorded[k][key]) <= TOLERANCE, (k, key, report[k][key], recorded[k][key])
            assert report[k][key] >= bound, (k, key, report[k])
            # what training added: the untrained translator neither keeps the digit nor takes the typeface
            assert report[k][key] >= untrained[k][key] + MARGIN[key], (k, key, report[k][key], untrained[k][key])
    # translations take the typeface, not the content image's own look: the content images themselves are judged
    # to be in the target typeface far less often
    assert report["k5"]["typeface_rate"] >= report["identity"]["typeface_rate"] + 0.1
    assert np.isfinite(model.get_weights()[0]).all()
