"""SavedModel export for every registered model: outputs, both loaders, warm-up file, layout, versions."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import tfgan_zoo
from tfgan_zoo.export import (
    ExportError,
    GraphSavedModel,
    export_saved_model,
    list_versions,
    next_version,
    read_export_metadata,
    read_warmup_requests,
)
from tfgan_zoo.export.testing import build_tiny, call_model, example_batch, randomize_generator
from tfgan_zoo.serving.manager import warm_up
from tfgan_zoo.training.distribute import mirrored_strategy

MODELS = tfgan_zoo.list_models()


def _checkpoint_variable_shapes(version_dir):
    """Shapes of the distinct variables stored in the SavedModel's checkpoint."""
    keys = tf.train.list_variables(os.path.join(version_dir, "variables", "variables"))
    return sorted(tuple(shape) for key, shape in keys if key.startswith("_all_variables/"))


@pytest.mark.parametrize("name", MODELS)
def test_saved_model_outputs_equal_call(zoo, name):
    model, path = zoo.get(name)
    loaded = tf.saved_model.load(path)
    specs = model.serving_signatures()
    assert set(specs) <= set(loaded.signatures), sorted(loaded.signatures)
    # Named inputs with the serving_signatures dtypes/shapes.
    for endpoint, (_, in_specs) in specs.items():
        got = loaded.signatures[endpoint].structured_input_signature[1]
        assert {s.name: (s.dtype, s.shape.as_list()) for s in in_specs} == {
            k: (v.dtype, v.shape.as_list()) for k, v in got.items()
        }
    inputs = example_batch(model, batch=3)
    ref = call_model(model, inputs)
    assert ref.std() > 0.02, "randomized generator should give non-trivial images"
    out = loaded.signatures["serving_default"](**{k: tf.constant(v) for k, v in inputs.items()})
    names = model.task.output_names  # ("images",); a generator of pairs: ("images_a", "images_b")
    assert set(out) == set(names)
    np.testing.assert_allclose(out[names[0]].numpy(), ref, atol=1e-6, rtol=0)
    assert all(out[k].dtype == tf.float32 and out[k].shape == out[names[0]].shape for k in names)


#: models with a `sample(seed, ...)` signature; CoGAN's `sample_pair` is tested in tests/models/test_cogan.py (a
#: few-shot translator's inputs are images too: it has only `serving_default`; a semantic synthesizer's are label maps;
#: a text-to-image model's `sample(seed, embeddings)` is tested in tests/models/test_gan_cls.py)
@pytest.mark.parametrize("name", [n for n in MODELS if not (tfgan_zoo.registry.task_of(n).image_input
                                                            or tfgan_zoo.registry.task_of(n).two_domain
                                                            or getattr(tfgan_zoo.registry.task_of(n), "few_shot",
                                                                       False)
                                                            or getattr(tfgan_zoo.registry.task_of(n), "semantic",
                                                                       False)
                                                            or getattr(tfgan_zoo.registry.task_of(n), "text", False))])
def test_sample_signature_is_deterministic_and_equals_generate(zoo, name):
    model, path = zoo.get(name)
    sample = tf.saved_model.load(path).signatures["sample"]
    if model.task.labels:
        labels = np.array([0, 1, 1], np.int32)
        out = sample(seed=tf.constant(7), labels=tf.constant(labels))
        ref = model.generate(3, seed=7, labels=labels)
        again = sample(seed=tf.constant(7), labels=tf.constant(labels))
    else:
        out = sample(seed=tf.constant(7), num_images=tf.constant(3))
        ref = model.generate(3, seed=7)
        again = sample(seed=tf.constant(7), num_images=tf.constant(3))
    np.testing.assert_allclose(out["images"].numpy(), ref, atol=1e-6)
    np.testing.assert_array_equal(out["images"].numpy(), again["images"].numpy())
    assert out["latents"].shape == (3, model.latent_dim)


@pytest.mark.parametrize("name", MODELS)
def test_graph_loader_runs_every_signature(zoo, name):
    """The TF1 graph loader (TF Serving's C++ path) loads the export and agrees with tf.saved_model.load."""
    model, path = zoo.get(name)
    loaded = tf.saved_model.load(path)
    with GraphSavedModel(path) as graph:
        for endpoint in model.serving_signatures():
            inputs = example_batch(model, endpoint, batch=2, seed=1)
            got = graph.run(endpoint, inputs)
            ref = loaded.signatures[endpoint](**{k: tf.constant(v) for k, v in inputs.items()})
            assert set(got) == set(ref)
            for key in ref:
                np.testing.assert_allclose(got[key], ref[key].numpy(), atol=1e-6, err_msg=f"{endpoint}/{key}")
        np.testing.assert_allclose(graph.run("serving_default", example_batch(model))[model.task.output_names[0]],
                                   call_model(model, example_batch(model)), atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_warmup_file_parses_and_replays(zoo, name):
    model, path = zoo.get(name)
    logs = read_warmup_requests(path)
    by_signature = {log.predict_log.request.model_spec.signature_name: log.predict_log.request for log in logs}
    assert set(by_signature) == set(model.serving_signatures()) | {"serving_default"}
    for endpoint, (_, specs) in model.serving_signatures().items():
        request = by_signature[endpoint]
        assert request.model_spec.name == name
        assert {k: tf.dtypes.as_dtype(v.dtype) for k, v in request.inputs.items()} == {s.name: s.dtype for s in specs}
    with GraphSavedModel(path) as graph:
        assert warm_up(graph, path) == len(logs)


@pytest.mark.parametrize("name", MODELS)
def test_only_the_inference_generator_is_exported(zoo, name):
    model, path = zoo.get(name)
    # Every float variable of the inference generator, and nothing else. Two kinds of state are used only in
    # training and so are not in the serving graph: RNG seed states of training-only dropout, and the power-iteration
    # vectors of spectral normalization (`vector_u`; at inference the stored normalized kernel is used as is).
    expected = sorted(
        tuple(v.shape)
        for v in model.inference_generator.variables
        if "float" in str(v.dtype) and not v.path.endswith("/vector_u")
    )
    assert _checkpoint_variable_shapes(path) == expected
    meta = read_export_metadata(path)
    assert meta["model"] == name and meta["task"] == model.task.name
    assert meta["inference_generator"] == model.inference_generator.name
    assert set(meta["signatures"]) >= set(model.serving_signatures())


def test_ema_generator_is_the_one_exported(tmp_path):
    model = build_tiny("dcgan", ema_decay=0.9)
    assert model.inference_generator is model.generator_ema
    randomize_generator(model, seed=3)  # EMA weights now differ from the raw generator's
    path = export_saved_model(model, tmp_path)
    inputs = example_batch(model)
    out = tf.saved_model.load(path).signatures["serving_default"](latents=tf.constant(inputs["latents"]))["images"]
    np.testing.assert_allclose(out.numpy(), call_model(model, inputs), atol=1e-6)
    raw = model.generator(inputs["latents"], training=False).numpy()
    assert np.abs(out.numpy() - raw).max() > 1e-2
    assert len(_checkpoint_variable_shapes(path)) == len(
        [v for v in model.generator_ema.variables if "float" in str(v.dtype)])


def test_signatures_using_other_variables_are_refused(tmp_path):
    model = build_tiny("dcgan")
    original = model.serving_signatures

    def leaky():
        sigs = dict(original())
        fn, specs = sigs["serving_default"]
        sigs["serving_default"] = (
            lambda latents: {"images": fn(latents)["images"], "score": model.discriminator(fn(latents)["images"])},
            specs,
        )
        return sigs

    model.serving_signatures = leaky
    with pytest.raises(ExportError, match="outside the inference generator"):
        export_saved_model(model, tmp_path)
    assert not os.path.exists(tmp_path / "dcgan"), "a refused export must leave nothing behind"


def test_uint8_outputs_in_graph(tmp_path):
    model = randomize_generator(build_tiny("dcgan"), seed=5)
    both = export_saved_model(model, tmp_path, output_dtype="both")
    only = export_saved_model(model, tmp_path, output_dtype="uint8")
    inputs = example_batch(model)
    ref = call_model(model, inputs)
    expected = np.round(np.clip((ref + 1.0) * 127.5, 0, 255)).astype(np.uint8)
    out = tf.saved_model.load(both).signatures["serving_default"](latents=tf.constant(inputs["latents"]))
    assert out["images_uint8"].dtype == tf.uint8 and out["images"].dtype == tf.float32
    assert np.abs(out["images_uint8"].numpy().astype(int) - expected.astype(int)).max() <= 1
    out = tf.saved_model.load(only).signatures["sample"](seed=tf.constant(1), num_images=tf.constant(2))
    assert out["images"].dtype == tf.uint8 and out["latents"].dtype == tf.float32
    with GraphSavedModel(only) as graph:
        assert graph.run("serving_default", inputs)["images"].dtype == np.uint8
    assert read_export_metadata(only)["output_dtype"] == "uint8"


def test_versions_layout_and_overwrite(tmp_path):
    model = build_tiny("gan")
    assert next_version(tmp_path / "gan") == 1
    first = export_saved_model(model, tmp_path)
    second = export_saved_model(model, tmp_path)
    assert first.endswith(os.path.join("gan", "1")) and second.endswith(os.path.join("gan", "2"))
    os.makedirs(tmp_path / "gan" / "notes")
    os.makedirs(tmp_path / "gan" / ".tmp-9-x")
    assert list_versions(tmp_path / "gan") == [1, 2]
    with pytest.raises(FileExistsError, match="already exists"):
        export_saved_model(model, tmp_path, version=2)
    custom = export_saved_model(model, tmp_path, model_name="gan_digits", version=7)
    assert custom.endswith(os.path.join("gan_digits", "7"))
    export_saved_model(model, tmp_path, version=2, overwrite=True)
    for version_dir in (first, second, custom):
        assert {"saved_model.pb", "variables", "assets.extra"} <= set(os.listdir(version_dir))
    with pytest.raises(ValueError, match="Unknown signature"):
        export_saved_model(model, tmp_path, signatures=["nope"])
    with pytest.raises(ValueError, match="output_dtype"):
        export_saved_model(model, tmp_path, output_dtype="int4")


@pytest.mark.slow  # a TensorFlow subprocess: about 10 s on 2 cores
def test_saved_model_cli_run(zoo, tmp_path):
    """`saved_model_cli run`, the reference TF1-loader tool, runs the export and gets the in-process images."""
    model, path = zoo.get("dcgan")
    inputs = example_batch(model, batch=2)
    np.save(tmp_path / "z.npy", inputs["latents"])
    proc = subprocess.run(
        [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "run", "--dir", path, "--tag_set", "serve",
         "--signature_def", "serving_default", "--inputs", f"latents={tmp_path / 'z.npy'}", "--outdir",
         str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "out" / "images.npy"), call_model(model, inputs), atol=1e-6)


def test_metadata_json_is_valid(zoo):
    model, path = zoo.get("cgan")
    with open(os.path.join(path, "assets.extra", "tfgan_zoo.json")) as f:
        meta = json.load(f)
    assert meta["num_classes"] == model.num_classes and meta["latent_dim"] == model.latent_dim
    assert meta["signatures"]["serving_default"]["inputs"]["labels"] == {"dtype": "int32", "shape": [-1]}
    assert meta["signatures"]["serving_default"]["outputs"]["images"]["shape"][1:] == [
        model.image_size, model.image_size, model.channels]


def test_export_of_a_model_built_under_mirrored_strategy(tmp_path, two_cpus):
    """Variables are MirroredVariables; the export still holds only the generator and loads in the graph loader."""
    with mirrored_strategy(two_cpus).scope():
        model = randomize_generator(build_tiny("dcgan"), seed=9)
    path = export_saved_model(model, tmp_path)
    inputs = example_batch(model)
    with GraphSavedModel(path) as graph:
        np.testing.assert_allclose(graph.run("serving_default", inputs)["images"], call_model(model, inputs), atol=1e-6)
    assert len(_checkpoint_variable_shapes(path)) == len(
        [v for v in model.inference_generator.variables if "float" in str(v.dtype)])
