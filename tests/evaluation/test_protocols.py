"""Named protocols, evaluate() on zoo models and stand-in generators, the callback and the eval CLI."""

import glob
import json
import os

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tfgan_zoo import tasks
from tfgan_zoo.evaluation import (
    PROTOCOLS,
    EvaluationCallback,
    FeatureNetwork,
    digits_images,
    evaluate,
    get_protocol,
    list_protocols,
)
from tfgan_zoo.evaluation.protocols import resolve_protocol

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tiny(name):
    return os.path.join(REPO, "zoo_configs", name, f"{name}_tiny.yaml")


class Replay:
    """A stand-in generator that returns given images (a 'perfect' or a 'collapsed' generator)."""

    task = tasks.UNCONDITIONAL
    registry_name = "replay"

    def __init__(self, images):
        self.images = images
        self.position = 0

    def generate(self, num_images, seed=None, batch_size=64):
        idx = (self.position + np.arange(num_images)) % len(self.images)  # cycles through the set in order
        self.position += num_images
        return self.images[idx]


class MeanPoolNet(FeatureNetwork):
    """A user-supplied feature network: 4×4 average-pooled pixels (no download, no weights)."""

    name = "mean_pool_4x4"
    input_size = (16, 16)
    channels = 1
    feature_dim = 16
    num_classes = 0

    def _forward(self, x):
        feats = tf.reshape(tf.nn.avg_pool2d(x, 4, 4, "VALID"), [-1, 16])
        return feats, None


@pytest.fixture(scope="module")
def dcgan():
    return tfgan_zoo.build_model(tiny("dcgan"))


def test_protocol_registry_states_counts_and_networks():
    expected = {"fid50k", "fid10k", "kid50k", "is50k", "pr50k3", "swd16k", "digits_fid", "digits_is"}
    assert expected <= set(list_protocols())
    p = get_protocol("fid50k")
    assert (p.metric, p.num_fake, p.feature_net, p.resizer) == ("fid", 50_000, "inception", "graph_bilinear")
    assert "Inception" in p.description and get_protocol("digits_fid").resizer == "tf_bilinear"
    assert resolve_protocol("fid", "digits").name == "digits_fid"
    assert resolve_protocol("fid", "inception").name == "fid50k"
    custom = resolve_protocol("pr50k3", "inception", num_samples=1000)
    assert (custom.name, custom.num_fake, custom.num_real) == ("pr50k3@n=1000", 1000, 1000)
    with pytest.raises(KeyError, match="digits_fid"):
        resolve_protocol("fdi")
    for proto in PROTOCOLS.values():
        assert proto.description and proto.num_fake > 0


def test_evaluate_a_zoo_model_on_digits_protocols(dcgan):
    metrics = ["digits_fid", "digits_kid", "digits_is", "digits_pr", "digits_dc", "digits_coverage"]
    result = evaluate(dcgan, metrics, num_samples=48, progress=False)
    assert {r["protocol"] for r in result.records} == {f"{m}@n=48" for m in metrics}
    for r in result.records:
        assert r["num_fake"] == 48 and r["feature_net"]["name"] == "digits_classifier" and r["model"] == "dcgan"
        assert all(np.isfinite(v) for v in r["values"].values())
    assert result["digits_fid@n=48"] > 0 and 1.0 <= result["digits_is@n=48"] <= 10.0
    assert [r["num_real"] for r in result.records if r["metric"] == "fid"] == [1797]
    assert [r["num_real"] for r in result.records if r["metric"] == "pr"] == [48]
    assert 0.0 <= result["digits_pr@n=48/precision"] <= 1.0
    again = evaluate(dcgan, ["digits_fid"], num_samples=48, progress=False)
    assert again["digits_fid@n=48"] == result["digits_fid@n=48"]  # seeded
    other = evaluate(dcgan, ["digits_fid"], num_samples=48, seed=7, progress=False)
    assert other["digits_fid@n=48"] != result["digits_fid@n=48"]
    json.loads(result.to_json())
    assert "digits_fid@n=48" in result.summary()


def test_digits_protocols_separate_a_perfect_from_a_collapsed_generator():
    real, labels = digits_images(32)
    perfect = evaluate(Replay(real), ["digits_fid", "digits_pr", "digits_coverage", "digits_is"], progress=False)
    collapsed = evaluate(Replay(real[labels == 3][:20]), ["digits_fid", "digits_pr", "digits_coverage", "digits_is"],
                         progress=False)
    assert perfect["digits_fid"] < 1.0 < 50.0 < collapsed["digits_fid"]
    assert perfect["digits_pr/precision"] == 1.0 and perfect["digits_pr/recall"] == 1.0
    assert perfect["digits_coverage/min"] == 1.0
    assert collapsed["digits_coverage/min"] == 0.0 and collapsed["digits_pr/recall"] < 0.1
    assert perfect["digits_is"] > 8.0 and collapsed["digits_is"] < 1.5
    rec = next(r for r in collapsed.records if r["metric"] == "coverage")
    assert rec["generated_class_fraction"][3] > 0.9 and rec["per_class"][3] > rec["per_class"][0]


def test_pixel_protocols_swd_and_parzen():
    real, _ = digits_images(32)
    result = evaluate(Replay(real), ["digits_swd", "digits_parzen"], num_samples=64, progress=False)
    swd = next(r for r in result.records if r["metric"] == "swd")
    assert set(swd["levels"]) == {32, 16} and swd["feature_net"] is None and result["digits_swd@n=64"] > 0
    parzen = next(r for r in result.records if r["metric"] == "parzen")
    assert parzen["num_real"] == 180 and np.isfinite(parzen["values"]["value"]) and parzen["sigma"] > 0


def test_conditional_model_is_sampled_with_balanced_labels():
    cgan = tfgan_zoo.build_model(tiny("cgan"))
    calls = []
    original = cgan.generate

    def spy(n, seed=None, labels=None, batch_size=64):
        calls.append(np.asarray(labels))
        return original(n, seed=seed, labels=labels, batch_size=batch_size)

    cgan.generate = spy
    result = evaluate(cgan, ["coverage"], num_samples=40, feature_net="digits", batch_size=16, progress=False)
    labels = np.concatenate(calls)
    assert len(labels) == 40 and np.bincount(labels, minlength=10).tolist() == [4] * 10
    assert "digits_coverage@n=40/mean" in result


def test_user_feature_network_and_missing_real_images():
    real, _ = digits_images(16)
    model = Replay(real)
    with pytest.raises(ValueError, match="real_images"):
        evaluate(model, ["fid"], num_samples=64, feature_net=MeanPoolNet(), progress=False)
    result = evaluate(model, ["fid", "kid"], num_samples=64, real_images=real, feature_net=MeanPoolNet(),
                      progress=False)
    rec = result.records[0]
    assert rec["protocol"] == "fid50k@n=64" and rec["feature_net"]["name"] == "mean_pool_4x4"
    assert rec["num_real"] == len(real)
    noise = np.random.default_rng(0).uniform(-1, 1, size=real.shape).astype(np.float32)
    worse = evaluate(Replay(noise), ["fid"], num_samples=64, real_images=real, feature_net=MeanPoolNet(),
                     progress=False)
    assert 0 <= result["fid50k@n=64"] < 0.1 * worse["fid50k@n=64"]


def test_image_to_image_models_are_refused_with_a_pointer():
    class Translator:
        task = tasks.IMAGE_TO_IMAGE

        def generate(self, n, seed=None):
            raise AssertionError("not called")

    with pytest.raises(ValueError, match="metric functions"):
        evaluate(Translator(), ["digits_fid"], num_samples=4, progress=False)


def test_evaluation_callback_logs_every_n_steps(dcgan, tmp_path):
    model = tfgan_zoo.build_model(tiny("dcgan"))
    model.compile()
    images, _ = digits_images(16)
    ds = tf.data.Dataset.from_tensor_slices(images[:64]).batch(8, drop_remainder=True).repeat()
    cb = EvaluationCallback("digits_fid", every_n_steps=2, num_samples=32, summary_writer=str(tmp_path / "tb"))
    history = model.fit(ds, steps_per_epoch=4, epochs=1, callbacks=[cb], verbose=0)
    key = "digits_fid@n=32"
    assert [s for s, _ in cb.history[key]] == [2, 4]
    assert history.history[key][-1] == cb.history[key][-1][1]
    tags = set()
    for path in glob.glob(str(tmp_path / "tb" / "events.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            tags |= {v.tag for v in event.summary.value}
    assert f"eval/{key}" in tags


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_eval_cli_writes_records(dcgan, tmp_path, capsys):
    from tfgan_zoo.cli import main

    weights = tmp_path / "dcgan_tiny.weights.h5"
    tfgan_zoo.build_model(tiny("dcgan")).save_weights(str(weights))
    out = tmp_path / "eval.json"
    rc = main(["eval", "--config", tiny("dcgan"), "--checkpoint", str(weights), "--metrics", "fid,is,pr",
               "--num_samples", "40", "--output", str(out), "--quiet"])
    assert rc == 0
    payload = json.loads(out.read_text())
    assert [r["protocol"] for r in payload["records"]] == ["digits_fid@n=40", "digits_is@n=40", "digits_pr@n=40"]
    assert "digits_fid@n=40" in capsys.readouterr().out
    rc = main(["eval", "--config", tiny("dcgan"), "--checkpoint", str(weights), "--feature_net",
               str(tmp_path / "missing" / "classify_image_graph_def.pb")])
    assert rc == 2 and "inception-2015-12-05.tgz" in capsys.readouterr().err


def test_parser_registers_eval():
    import argparse

    from tfgan_zoo.evaluation.cli_commands import add_eval_parser, run_eval

    parser = argparse.ArgumentParser()
    add_eval_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", "--config", "c.yaml", "--checkpoint", "x", "--metrics", "fid,kid"])
    assert args.func is run_eval and args.metrics == "fid,kid" and args.num_samples is None


class _LabelledReplay:
    """A conditional 'generator' that returns real digits of the class asked for (or of a fixed wrong class)."""

    task = tasks.CLASS_CONDITIONAL
    num_classes = 10

    def __init__(self, images, labels, shift=0):
        self.by_class = {c: images[labels == c] for c in range(10)}
        self.shift = shift

    def generate(self, n, seed=None, labels=None, batch_size=64):
        rng = np.random.default_rng(seed)
        out = [self.by_class[(int(c) + self.shift) % 10] for c in labels]
        return np.stack([x[rng.integers(len(x))] for x in out])


def test_class_accuracy_of_conditional_samples():
    real, labels = digits_images(32)
    right = evaluate(_LabelledReplay(real, labels), ["digits_class_accuracy"], num_samples=200, progress=False)
    wrong = evaluate(_LabelledReplay(real, labels, shift=1), ["class_accuracy"], num_samples=200,
                     feature_net="digits", progress=False)
    assert right["digits_class_accuracy@n=200"] > 0.9 and right["digits_class_accuracy@n=200/min"] > 0.5
    assert wrong["digits_class_accuracy@n=200"] < 0.05
    rec = right.records[0]
    assert sorted(rec["per_class"]) == list(range(10)) and rec["num_real"] == 0
    with pytest.raises(ValueError, match="unconditional"):
        evaluate(Replay(real), ["digits_class_accuracy"], num_samples=16, progress=False)
