"""The presets shipped in tfgan_zoo/pretrained/assets/: load offline, verify sha256, generate; README table."""

import json
import shutil
import socket

import numpy as np
import pytest

import tfgan_zoo
from tfgan_zoo.pretrained import PresetError, from_preset, list_presets, read_preset, sha256_of
from tfgan_zoo.pretrained.presets import ASSETS, QUALITY_FLOOR, WITHDRAWN_PRESETS, quality_floor_failures
from tfgan_zoo.pretrained.table import preset_rows, preset_table, readme_table
from tfgan_zoo.tasks import get_task

#: Every unconditional/conditional family trained on the bundled digits by this project must ship one.
REQUIRED = [
    "gan_digits_28", "cgan_digits_28", "dcgan_digits_32", "lsgan_digits_32", "wgan_digits_32", "wgan_gp_digits_32",
    "acgan_digits_32", "icgan_digits_32", "infogan_digits_28", "lapgan_digits_32", "lsgan_ls_digits_32",
    "improved_gan_digits_28", "lapgan_conditional_digits_32",
    "pggan_digits_32", "stylegan_digits_32", "stylegan2_digits_32",
    "sngan_digits_32", "sagan_digits_32", "selfmod_digits_32", "biggan_digits_32", "biggan_deep_digits_32",
]
#: the digits presets (unconditional/conditional); two-domain presets are tested in test_two_domain_presets.py
SHIPPED = sorted(p.name for p in ASSETS.iterdir()
                 if (p / "preset.json").is_file() and read_preset(p)["metadata"]["dataset"] == "digits")


@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection attempt fails the test: the presets must load from the package alone."""

    def refuse(*args, **kwargs):
        raise AssertionError("a shipped preset tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.delenv("TFGAN_ZOO_PRESETS", raising=False)


def test_the_required_presets_ship_and_are_registered():
    assert set(REQUIRED) - set(WITHDRAWN_PRESETS) <= set(SHIPPED)
    assert set(SHIPPED) <= set(list_presets())
    assert not set(WITHDRAWN_PRESETS) & set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_digits_preset_meets_the_quality_floor(name):
    assert quality_floor_failures(read_preset(ASSETS / name)) == [], QUALITY_FLOOR


def test_the_quality_floor_catches_a_missing_class_and_a_high_fid():
    cfg = json.loads((ASSETS / "dcgan_digits_32" / "preset.json").read_text())
    records = {r["protocol"]: r for r in cfg["metadata"]["metrics"]}
    records["digits_coverage"]["generated_class_fraction"]["7"] = 0.004
    records["digits_coverage"]["per_class"]["3"] = 0.0
    records["digits_fid"]["values"]["value"] = 114.3
    failures = quality_floor_failures(cfg)
    assert len(failures) == 3 and "digit 7 is 0.4%" in failures[0] and "digit 3" in failures[1]
    assert "digits-FID 114.3" in failures[2]


def test_a_withdrawn_preset_says_why(monkeypatch):
    monkeypatch.setitem(WITHDRAWN_PRESETS, "foogan_digits_32", "it drew only two digits; train it with ...")
    with pytest.raises(PresetError, match="withdrawn from the package: it drew only two digits"):
        from_preset("foogan_digits_32")


def test_recorded_class_shares_are_what_the_shipped_weights_generate():
    """Spot check of the records the floor reads: dcgan_digits_32's digits_coverage measured again."""
    from tfgan_zoo.evaluation import evaluate

    recorded = next(r for r in read_preset(ASSETS / "dcgan_digits_32")["metadata"]["metrics"]
                    if r["protocol"] == "digits_coverage")
    measured = json.loads(evaluate(from_preset("dcgan_digits_32"), ["digits_coverage"], progress=False).to_json())[0]
    for digit, share in recorded["generated_class_fraction"].items():  # a few samples may flip on another CPU
        assert measured["generated_class_fraction"][digit] == pytest.approx(share, abs=0.01), digit


def test_dcgan_digits_32_generates_on_a_fresh_machine(no_network, tmp_path):
    images = tfgan_zoo.from_preset("dcgan_digits_32", cache_dir=tmp_path / "empty_cache").generate(16)
    assert images.shape == (16, 32, 32, 1) and np.isfinite(images).all()
    assert not (tmp_path / "empty_cache").exists()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_preset_loads_offline_verifies_and_generates(name, no_network, tmp_path):
    cfg = read_preset(ASSETS / name)
    assert cfg["weights"]["sha256"] == sha256_of(ASSETS / name / cfg["weights"]["file"])
    assert cfg["weights"]["bytes"] < 8_000_000  # the wheel carries every preset
    meta = cfg["metadata"]
    assert meta["dataset"] == "digits" and meta["license"] and meta["paper"]
    assert meta["training"]["steps"] > 0 and meta["training"]["seconds"] > 0
    protocols = {r["protocol"]: r for r in meta["metrics"]}
    assert {"digits_fid", "digits_is", "digits_coverage"} <= set(protocols)  # full protocols, no @n= deviation
    assert protocols["digits_fid"]["feature_net"]["name"] == "digits_classifier"
    assert np.isfinite(protocols["digits_fid"]["values"]["value"])
    assert 1.0 <= protocols["digits_is"]["values"]["value"] <= 10.0
    if get_task(cfg["task"]).labels:  # a conditional preset must follow its labels: at least 3x chance (10 %)
        assert protocols["digits_class_accuracy"]["values"]["value"] > 0.3, protocols["digits_class_accuracy"]

    model = from_preset(name, cache_dir=tmp_path / "cache")
    size, channels = meta["resolution"], meta["channels"]
    if model.task.labels:
        labels = np.arange(10, dtype=np.int32)
        images = model.generate(10, seed=0, labels=labels)
    else:
        images = model.generate(10, seed=0)
    assert images.shape == (10, size, size, channels)
    assert np.isfinite(images).all() and images.min() >= -1.0 and images.max() <= 1.0
    assert images.std() > 0.05  # not a collapsed constant image


def test_all_shipped_weights_together_stay_small():
    every = [p.name for p in ASSETS.iterdir() if (p / "preset.json").is_file()]
    total = sum(read_preset(ASSETS / name)["weights"]["bytes"] for name in every)
    assert total < 100_000_000, f"{total / 1e6:.1f} MB of preset weights in the wheel"


def test_a_tampered_shipped_copy_is_refused(tmp_path, monkeypatch):
    name = SHIPPED[0]
    mirror = tmp_path / "mirror"
    shutil.copytree(ASSETS / name, mirror / name)
    with open(mirror / name / "model.weights.h5", "r+b") as f:  # same size, one byte changed
        f.seek(-8, 2)
        byte = f.read(1)
        f.seek(-8, 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setenv("TFGAN_ZOO_PRESETS", str(mirror))
    with pytest.raises(PresetError, match="sha256 mismatch"):
        from_preset(name, cache_dir=tmp_path / "cache")


def test_readme_table_is_generated_from_the_shipped_presets():
    assert readme_table() == preset_table()
    rows = preset_rows()
    assert len(rows) == len(SHIPPED)
    for name, row in zip(SHIPPED, rows):
        fid = next(r for r in read_preset(ASSETS / name)["metadata"]["metrics"] if r["protocol"] == "digits_fid")
        assert f"`{name}`" in row and f"{fid['values']['value']:.2f}" in row


def test_table_reflects_a_changed_preset_json(tmp_path):
    name = SHIPPED[0]
    shutil.copytree(ASSETS / name, tmp_path / name)
    path = tmp_path / name / "preset.json"
    cfg = json.loads(path.read_text())
    next(r for r in cfg["metadata"]["metrics"] if r["protocol"] == "digits_fid")["values"]["value"] = 123.456
    path.write_text(json.dumps(cfg))
    assert "123.46" in preset_table(tmp_path) and preset_table(tmp_path) != preset_table()
