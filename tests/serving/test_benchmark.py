"""The export/serving benchmark (`python -m tfgan_zoo.serving.benchmark`) keeps running: one tiny model, every path."""

from tests.conftest import tiny_config_path
from tfgan_zoo.serving import benchmark


def test_benchmark_times_every_serving_path_and_tflite(tmp_path):
    result = benchmark.bench_model(tiny_config_path("dcgan"), str(tmp_path), batches=(1,), runs=2,
                                   tflite_modes=("none",))
    paths = [row["path"] for row in result["serving"]]
    assert len(paths) == 4 and any("gRPC" in p for p in paths) and any("REST" in p for p in paths), paths
    assert all(row["batch"] == 1 and row["images_per_s"] > 0 for row in result["serving"])
    (tflite,) = result["tflite"]
    assert "error" not in tflite and tflite["max_abs_error"] < 1e-4, tflite
    assert "| gRPC local server (official stubs) | 1 |" in benchmark.to_markdown([result])
