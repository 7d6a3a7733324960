"""TFLite / LiteRT: fixed-batch builtin-ops conversion per model and quantization mode, verified in the interpreter.

Tolerances are max |TFLite - SavedModel| on images in [-1, 1] from generators with randomized weights (outputs with
std 0.06-0.3). Measured on the tiny models: float32 <= 2e-5 (BigGAN-deep's long residual chains; most <= 3e-7),
dynamic <= 0.01, float16 <= 5e-4, int8 (conv generators) <= 0.034 with PSNR >= 48 dB. The bounds below leave about
3x headroom. Models whose quantization loses more (conditional/self-modulated batch norm, self-attention) declare their
own bounds with the measured figures on the class (`tflite_quantization_bounds`).
"""

import numpy as np
import pytest

import tfgan_zoo
from tfgan_zoo.export import (
    ExportError,
    TFLiteRunner,
    convert_tflite,
    export_onnx,
    onnx_available,
    sample_inputs,
    tflite_report,
    verify_onnx,
    verify_tflite,
)
from tfgan_zoo.export.testing import build_tiny, has_conv_generator

MODELS = tfgan_zoo.list_models()
MAX_ABS_ERROR = {"none": 1e-4, "dynamic": 0.03, "float16": 2e-3, "int8": 0.1}
MIN_PSNR_DB = {"none": 100.0, "dynamic": 45.0, "float16": 65.0, "int8": 35.0}


def _calibration(model, path, n=64):
    """int8 calibration data: image inputs need real-looking images; noise inputs come from the export's metadata."""
    if getattr(model.task, "few_shot", False):  # the fixed-shape TFLite model takes K = batch size (1) class images
        batch = sample_inputs(path, batch_size=n, seed=11)[0]
        return {**batch, "class_images": batch["class_images"][:, :1]}
    if model.task.image_input:
        return sample_inputs(path, batch_size=n, seed=11)[0]  # the images and any other input (target labels)
    return None


def _bounds(model, mode):
    """(max abs error, min PSNR) for `mode`: the zoo's defaults unless the model's class declares its own, with why."""
    declared = type(model).tflite_quantization_bounds.get(mode)
    if declared is None:
        return MAX_ABS_ERROR[mode], MIN_PSNR_DB[mode]
    assert len(declared.get("why", "")) > 40, f"{type(model).__name__} must say why its {mode} bounds are looser"
    return declared["max_abs_error"], declared["min_psnr_db"]


@pytest.mark.parametrize("name", MODELS)
def test_tflite_float32_and_dynamic(zoo, name, tmp_path):
    model, path = zoo.get(name)
    for mode in ("none", "dynamic"):
        out = convert_tflite(path, tmp_path / f"{name}_{mode}.tflite", mode, batch_size=2)
        report = tflite_report(out, path, num_batches=2, latency_runs=3)
        assert report["batch_size"] == 2
        max_err, min_psnr = _bounds(model, mode)
        assert report["max_abs_error"] <= max_err, (mode, report)
        assert report["psnr_db"] >= min_psnr, (mode, report)
    runner = TFLiteRunner(out)
    for detail in runner.input_details.values():  # fixed batch, no dynamic dimension left
        assert list(detail["shape_signature"]) == list(detail["shape"]) and detail["shape"][0] == 2


@pytest.mark.parametrize("name", [n for n in MODELS if has_conv_generator(build_tiny(n))])
def test_tflite_int8_for_conv_generators(zoo, name, tmp_path):
    model, path = zoo.get(name)
    out = convert_tflite(path, tmp_path / f"{name}_int8.tflite", "int8", _calibration(model, path), batch_size=1)
    report = tflite_report(out, path, num_batches=4, latency_runs=3)
    max_err, min_psnr = _bounds(model, "int8")
    assert report["max_abs_error"] <= max_err, report
    assert report["psnr_db"] >= min_psnr, report
    assert report["max_abs_error"] > 0.0  # really quantized


def test_tflite_float16_and_int8_io(zoo, tmp_path):
    model, path = zoo.get("dcgan")
    f16 = convert_tflite(path, tmp_path / "f16.tflite", "float16", batch_size=4)
    assert verify_tflite(f16, path, atol=MAX_ABS_ERROR["float16"]) > 0.0  # fp16 weights: close, not identical
    i8 = convert_tflite(path, tmp_path / "i8io.tflite", "int8", batch_size=1, int8_io=True)
    runner = TFLiteRunner(i8)
    assert runner.input_details["latents"]["dtype"] == np.int8
    assert runner.output_details["images"]["dtype"] == np.int8
    assert verify_tflite(i8, path) <= MAX_ABS_ERROR["int8"]  # the runner (de)quantizes at the edges


def test_conditional_tflite_keeps_names_and_labels(zoo, tmp_path):
    model, path = zoo.get("cgan")
    out = convert_tflite(path, tmp_path / "cgan.tflite", "none", batch_size=3)
    runner = TFLiteRunner(out)
    assert set(runner.input_details) == {"latents", "labels"}
    assert runner.input_details["labels"]["dtype"] == np.int32
    rng = np.random.default_rng(0)
    z = rng.uniform(-1, 1, (3, model.latent_dim)).astype(np.float32)
    labels = np.array([0, 3, 9], np.int32)
    got = runner(latents=z, labels=labels)["images"]
    np.testing.assert_allclose(got, model((z, labels)).numpy(), atol=1e-5)


def test_image_input_int8_needs_real_data(zoo, tmp_path):
    _, path = zoo.get("pix2pix")
    with pytest.raises(ValueError, match="real images"):
        convert_tflite(path, tmp_path / "p.tflite", "int8")


def test_bad_arguments(zoo, tmp_path):
    _, path = zoo.get("gan")
    with pytest.raises(ValueError, match="quantization"):
        convert_tflite(path, tmp_path / "x.tflite", "int4")
    with pytest.raises(ValueError, match="no signature"):
        convert_tflite(path, tmp_path / "x.tflite", signature="nope")
    with pytest.raises(ValueError, match="representative_data"):
        convert_tflite(path, tmp_path / "x.tflite", "int8", representative_data={"z": np.zeros((4, 8), np.float32)})
    assert issubclass(ExportError, RuntimeError)


@pytest.mark.skipif(not onnx_available(), reason="optional: tf2onnx and onnxruntime are not installed")
def test_onnx_export(zoo, tmp_path):
    _, path = zoo.get("dcgan")
    out = export_onnx(path, tmp_path / "dcgan.onnx")
    assert verify_onnx(out, path) < 1e-4


def test_mixed_precision_export_serves_but_tflite_says_why(tmp_path):
    import keras

    from tfgan_zoo.export import GraphSavedModel, export_saved_model
    from tfgan_zoo.export.testing import call_model, example_batch, randomize_generator

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = randomize_generator(build_tiny("dcgan"), seed=8)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    path = export_saved_model(model, tmp_path)
    inputs = example_batch(model)
    with GraphSavedModel(path) as graph:
        out = graph.run("serving_default", inputs)["images"]
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, call_model(model, inputs), atol=1e-3)
    with pytest.raises(ExportError, match="mixed_float16 model"):
        convert_tflite(path, tmp_path / "mp.tflite")
