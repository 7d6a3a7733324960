"""The preset builder: trains a digits config, records what `tfgan-zoo eval` measures, writes a loadable preset."""

import json
import os

import numpy as np
import pytest

from tfgan_zoo.cli import main as cli_main
from tfgan_zoo.pretrained import PresetError, from_preset, read_preset
from tfgan_zoo.pretrained.build import build_preset, main, paper_of
from tfgan_zoo.registry import get_model_class

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(REPO, "zoo_configs", "dcgan", "dcgan_tiny.yaml")


def test_build_records_exactly_what_tfgan_zoo_eval_measures(tmp_path):
    workdir = tmp_path / "run"
    path = build_preset(TINY, steps=4, name="dcgan_tiny_test", out_dir=tmp_path / "preset", workdir=workdir,
                        num_samples=48, verbose=0)
    cfg = read_preset(path)
    assert cfg["name"] == "dcgan_tiny_test" and cfg["model"] == "dcgan"
    meta = cfg["metadata"]
    assert meta["training"]["steps"] == 4 and meta["training"]["seconds"] > 0 and meta["training"]["batch_size"] == 8
    assert meta["dataset"] == "digits" and meta["resolution"] == 16 and "CC BY 4.0" in meta["license"]
    assert meta["paper"].startswith("Radford") and "train.steps=4" in meta["training"]["overrides"]
    recorded = {r["protocol"]: r["values"] for r in meta["metrics"]}
    assert set(recorded) == {"digits_fid@n=48", "digits_is@n=48", "digits_coverage@n=48"}

    out = tmp_path / "eval.json"  # the same checkpoint through the CLI
    assert cli_main(["eval", "--config", TINY, "--checkpoint", str(workdir / "checkpoints"), "--metrics",
                     "digits_fid,digits_is,digits_coverage", "--num_samples", "48", "--quiet",
                     "--output", str(out)]) == 0
    measured = {r["protocol"]: r["values"] for r in json.loads(out.read_text())["records"]}
    assert measured.keys() == recorded.keys()
    for protocol, values in measured.items():
        for key, value in values.items():
            if isinstance(value, float):
                assert recorded[protocol][key] == pytest.approx(value, rel=1e-6), (protocol, key)

    model = from_preset(path.parent)  # the folder loads and generates like the trained checkpoint
    images = model.generate(4, seed=0)
    assert images.shape == (4, 16, 16, 1) and np.isfinite(images).all()


def test_build_refuses_non_digits_configs_and_oversized_weights(tmp_path, capsys):
    config = os.path.join(REPO, "zoo_configs", "pix2pix", "pix2pix_tiny.yaml")
    assert main(["--config", config, "--steps", "2", "--out_dir", str(tmp_path / "p")]) == 2
    assert "data.source: digits" in capsys.readouterr().err
    assert main(["--config", TINY, "--steps", "2", "--out_dir", str(tmp_path / "big"), "--max_mb", "0.001",
                 "--num_samples", "16", "--verbose", "0"]) == 2
    assert "above max_mb" in capsys.readouterr().err and not (tmp_path / "big").exists()


def test_steps_that_do_not_divide_the_epoch_still_run(tmp_path):
    path = build_preset(TINY, steps=3, out_dir=tmp_path / "p", metrics=["digits_fid"], num_samples=16, verbose=0)
    assert read_preset(path)["metadata"]["training"]["steps"] == 3
    assert read_preset(path)["name"] == "dcgan_tiny"


def test_paper_comes_from_the_class_docstring():
    assert "arXiv:1511.06434" in paper_of(get_model_class("dcgan"))
    assert paper_of(type("NoDoc", (), {})) == ""


def test_conditional_build_records_class_accuracy_and_a_fid_curve(tmp_path):
    config = os.path.join(REPO, "zoo_configs", "cgan", "cgan_tiny.yaml")
    path = build_preset(config, steps=4, out_dir=tmp_path / "p", metrics=["digits_fid"], num_samples=40, verbose=0,
                        eval_every=2, curve_samples=32)
    meta = read_preset(path)["metadata"]
    recorded = {r["protocol"]: r["values"] for r in meta["metrics"]}
    assert set(recorded) == {"digits_fid@n=40", "digits_class_accuracy@n=40"}
    assert 0.0 <= recorded["digits_class_accuracy@n=40"]["value"] <= 1.0
    curve = meta["training"]["digits_fid_curve"]
    assert curve["protocol"] == "digits_fid@n=32" and [s for s, _ in curve["points"]] == [2, 4]
    assert all(np.isfinite(v) and v > 0 for _, v in curve["points"])


def test_add_metrics_appends_records_and_keeps_the_weights(tmp_path, capsys):
    config = os.path.join(REPO, "zoo_configs", "cgan", "cgan_tiny.yaml")
    path = build_preset(config, steps=2, out_dir=tmp_path / "p", metrics=["digits_fid"], num_samples=20, verbose=0)
    before = read_preset(path)
    path.write_text(json.dumps({**json.loads(path.read_text()), "metadata": {
        **before["metadata"], "metrics": [r for r in before["metadata"]["metrics"] if "class" not in r["protocol"]]}}))
    assert main(["--add_metrics", str(path.parent), "--metrics", "digits_class_accuracy", "--num_samples", "20"]) == 0
    after = read_preset(path)
    assert after["weights"] == before["weights"]
    assert [r["protocol"] for r in after["metadata"]["metrics"]] == ["digits_fid@n=20", "digits_class_accuracy@n=20"]
    assert "digits_class_accuracy@n=20" in capsys.readouterr().out
    assert main(["--add_metrics", str(tmp_path / "nothing_here"), "--metrics", "digits_fid"]) == 2
    assert "error" in capsys.readouterr().err


def test_a_preset_over_the_size_limit_after_training_is_kept_not_lost(tmp_path):
    import tfgan_zoo
    from tfgan_zoo.pretrained.build import PresetError

    config = tfgan_zoo.load_config(TINY)
    estimate_mb = 4 * sum(int(np.prod(w.shape)) for w in tfgan_zoo.build_model(config).weights) / 1e6
    # passes the parameter-count check before training; the HDF5 file (names, layout) is larger than that
    with pytest.raises(PresetError, match="above max_mb") as info:
        build_preset(TINY, steps=2, out_dir=tmp_path / "p", metrics=["digits_fid"], num_samples=16, verbose=0,
                     workdir=tmp_path / "run", max_mb=estimate_mb * 1.001)
    message = str(info.value)
    staged = message.split("The finished preset is kept in ")[1].split(" ")[0]
    assert (tmp_path / "run" / "checkpoints").is_dir() and str(tmp_path / "run") in message
    assert read_preset(os.path.join(staged, "preset.json"))["name"] == "dcgan_tiny"
    assert not (tmp_path / "p").exists()


def test_translation_presets_share_one_judged_builder(tmp_path):
    """Two-domain, multi-domain and few-shot presets are built by `build_judged_preset`: trained, judged next to the
    untrained model of the same seed, written with the family's training extras."""
    from tfgan_zoo.pretrained import build_few_shot, build_multi_domain
    from tfgan_zoo.pretrained.build import build_two_domain_preset

    path = build_two_domain_preset(os.path.join(REPO, "zoo_configs", "cyclegan", "cyclegan_tiny.yaml"), steps=2,
                                   out_dir=tmp_path / "p", verbose=0)
    cfg = read_preset(path.parent)
    record = cfg["metadata"]["metrics"][0]
    assert record["protocol"] == "translation_report" and record["values"].keys() == record["untrained"].keys()
    assert set(cfg["metadata"]["training"]["cycle_loss"]) and cfg["metadata"]["dataset"] == "digits_printed"
    assert cfg["training_optimizers"]["generator"]["class_name"] == "Adam"
    np.testing.assert_allclose(from_preset(path.parent).translate(np.zeros((1, 32, 32, 1), np.float32)).shape,
                               (1, 32, 32, 1))
    with pytest.raises(PresetError, match="built on data.source digits_attributes"):
        build_multi_domain.build_multi_domain_preset(os.path.join(REPO, "zoo_configs", "cyclegan",
                                                                  "cyclegan_tiny.yaml"), steps=1)
    with pytest.raises(PresetError, match="built on data.source typeface_digits"):
        build_few_shot.build_few_shot_preset(os.path.join(REPO, "zoo_configs", "cyclegan", "cyclegan_tiny.yaml"))


def test_a_float16_build_records_the_metrics_of_the_weights_it_ships(tmp_path):
    assert main(["--config", TINY, "--steps", "2", "--out_dir", str(tmp_path / "p"), "--metrics", "digits_fid",
                 "--num_samples", "24", "--verbose", "0", "--weights_dtype", "float16"]) == 0
    cfg = read_preset(tmp_path / "p")
    assert cfg["weights"]["dtype"] == "float16"
    out = tmp_path / "eval.json"  # the shipped (float16-rounded) weights measured again through the CLI
    loaded = from_preset(tmp_path / "p")
    loaded.save_weights(str(tmp_path / "shipped.weights.h5"))
    assert cli_main(["eval", "--config", TINY, "--checkpoint", str(tmp_path / "shipped.weights.h5"), "--metrics",
                     "digits_fid", "--num_samples", "24", "--quiet", "--output", str(out)]) == 0
    measured = json.loads(out.read_text())["records"][0]["values"]["value"]
    assert cfg["metadata"]["metrics"][0]["values"]["value"] == pytest.approx(measured, rel=1e-6)


def test_store_as_float16_halves_a_preset_and_measures_it_again(tmp_path, capsys):
    from tfgan_zoo.pretrained.build import store_as

    path = build_preset(TINY, steps=2, out_dir=tmp_path / "p", metrics=["digits_fid"], num_samples=24, verbose=0)
    before = read_preset(path)
    assert before["weights"]["dtype"] == "float32"
    entry = store_as(path.parent, "float16")
    after = read_preset(path)
    assert entry == after["weights"] and entry["dtype"] == "float16" and entry["sha256"] != before["weights"]["sha256"]
    assert entry["bytes"] < before["weights"]["bytes"]
    kept = after["metadata"]["metrics_before_store_as"]
    assert kept["weights_dtype"] == "float32" and kept["sha256"] == before["weights"]["sha256"]
    assert kept["values"]["digits_fid@n=24"] == before["metadata"]["metrics"][0]["values"]
    assert [r["protocol"] for r in after["metadata"]["metrics"]] == ["digits_fid@n=24"]  # measured again
    loaded = from_preset(path.parent)  # loads, sha256 verified against the rewritten entry
    assert np.isfinite(loaded.generate(2, seed=0)).all()
    assert store_as(path.parent, "float16") == entry  # already float16: nothing to do
    with pytest.raises(PresetError, match="cannot bring back"):
        store_as(path.parent, "float32")
    assert main(["--store_as", "float16", str(tmp_path / "missing")]) == 2


def test_judged_preset_main_passes_its_options_to_the_builder_in_order():
    from tfgan_zoo.pretrained.build import judged_preset_main

    calls = []
    argv = ["--config", "c.yaml", "--steps", "5", "--weights_dtype", "float16"]
    assert judged_preset_main(lambda *args: calls.append(args), "a builder", argv) == 0
    assert calls == [("c.yaml", 5, None, None, 0.8, 2, "float16")]
    with pytest.raises(SystemExit):  # bfloat16 is not a storage dtype presets know
        judged_preset_main(lambda *args: calls.append(args), "a builder", ["--config", "c", "--weights_dtype", "bf16"])
    assert len(calls) == 1
