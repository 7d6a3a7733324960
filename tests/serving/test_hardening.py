"""Server hardening: per-request limits, malformed requests (negative dimensions, deep JSON, stalled bodies),
server-side batching and the soak script."""

import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from tfgan_zoo.export import export_saved_model
from tfgan_zoo.export.testing import build_tiny, call_model, randomize_generator, repo_root
from tfgan_zoo.serving import PredictClient, serve
from tfgan_zoo.serving.batching import BatchingParameters, parse_batching_parameters, read_batching_parameters

MAX_IMAGES = 8
IMAGE_BYTES = 16 * 16 * 1 * 4  # the tiny dcgan's float32 image
SAMPLE_BYTES = IMAGE_BYTES + 8 * 4  # `sample` also returns the latents
MAX_BYTES = MAX_IMAGES * IMAGE_BYTES  # MAX_IMAGES images fit, MAX_IMAGES `sample` answers (with latents) do not


@pytest.fixture(scope="module")
def model():
    return randomize_generator(build_tiny("dcgan"), seed=3)


@pytest.fixture(scope="module")
def base(model, tmp_path_factory):
    path = tmp_path_factory.mktemp("hardening")
    export_saved_model(model, path, "dcgan")
    return path


@pytest.fixture(scope="module")
def server(base):
    srv = serve(base, poll_interval=0, max_images_per_request=MAX_IMAGES, max_response_bytes=MAX_BYTES,
                max_request_bytes=256 * 1024, rest_read_timeout=0.5)
    yield srv
    srv.stop()


def _grpc_error(call):
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code(), info.value.details()


def _post(server, doc_bytes):
    req = urllib.request.Request(f"{server.rest_url}/v1/models/dcgan:predict", data=doc_bytes,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


# ----------------------------------------------------------------------------------------------- limits
def test_image_limit_refused_before_any_work(server):
    with PredictClient(server.grpc_address, "dcgan", timeout=30) as client:
        start = time.perf_counter()
        code, details = _grpc_error(lambda: client.generate(seed=0, num_images=3_000_000))
        assert time.perf_counter() - start < 5  # refused, not computed (3M images would take minutes)
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert "3000000 images" in details and "--max_images_per_request" in details and str(MAX_IMAGES) in details
        code, details = _grpc_error(lambda: client.predict({"latents": np.zeros((MAX_IMAGES + 1, 8), np.float32)}))
        assert code == grpc.StatusCode.INVALID_ARGUMENT and "--max_images_per_request" in details
        code, details = _grpc_error(lambda: client.generate(seed=0, num_images=-1))
        assert code == grpc.StatusCode.INVALID_ARGUMENT and "num_images must be >= 0" in details
        # at the limit it works (the serving_default answer is MAX_IMAGES * IMAGE_BYTES, under the byte limit)
        assert client.predict({"latents": np.zeros((MAX_IMAGES, 8), np.float32)})["images"].shape[0] == MAX_IMAGES
    assert server.core.request_count >= 1
    status, doc = _post(server, json.dumps({"signature_name": "sample",
                                            "inputs": {"seed": 1, "num_images": 3_000_000}}).encode())
    assert status == 400 and "--max_images_per_request" in doc["error"]


def test_response_byte_limit(server, model):
    with PredictClient(server.grpc_address, "dcgan", timeout=30) as client:
        images = client.generate(seed=4, num_images=7)  # 7 * SAMPLE_BYTES fit
        np.testing.assert_allclose(images, model.generate(7, seed=4), atol=1e-6)
        code, details = _grpc_error(lambda: client.generate(seed=4, num_images=8))
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "--max_response_bytes" in details and str(8 * SAMPLE_BYTES) in details and str(MAX_BYTES) in details
        # an output filter shrinks the answer: 8 images without the latents fit
        out = client.predict({"seed": np.int32(4), "num_images": np.int32(8)}, signature="sample",
                             output_filter=["images"])
        assert out["images"].shape[0] == 8
    doc = {"signature_name": "sample", "inputs": {"seed": 1, "num_images": 8}}
    status, doc = _post(server, json.dumps(doc).encode())
    assert status == 413 and "--max_response_bytes" in doc["error"]


# ----------------------------------------------------------------------------------------------- malformed input
def _stub_predict(server, proto, timeout=30):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "dcgan"
    request.inputs["latents"].CopyFrom(proto)
    with grpc.insecure_channel(server.grpc_address) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        return _grpc_error(lambda: stub.Predict(request, timeout=timeout))


def test_tensor_proto_with_negative_dimension_is_refused(server):
    proto = tf.make_tensor_proto(np.zeros((2, 8), np.float32))
    proto.tensor_shape.dim[0].size = -1  # tf.make_ndarray would infer 2 and run it
    code, details = _stub_predict(server, proto)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "negative dimension" in details


def test_tensor_proto_broadcast_to_a_huge_shape_is_refused(server):
    proto = tf.make_tensor_proto(np.float32(0.5))
    proto.tensor_shape.dim.add().size = 20000
    proto.tensor_shape.dim.add().size = 8  # one float_val broadcast to 640 KB, over the 256 KiB request limit
    code, details = _stub_predict(server, proto)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max_request_bytes" in details


def test_deeply_nested_json_is_400(server):
    depth = 100_000
    body = ('{"inputs": ' + "[" * depth + "]" * depth + "}").encode()
    status, doc = _post(server, body)
    assert status == 400 and "nested too deeply" in doc["error"]
    status, doc = _post(server, ('{"inputs": ' + "[" * 200 + "0.5" + "]" * 200 + "}").encode())
    assert status == 400, doc  # parses, but is no tensor the signature takes


def test_stalled_rest_body_times_out_and_the_server_keeps_serving(server, model):
    host, port = server.rest_address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(b"POST /v1/models/dcgan:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"inputs\": [")
        start = time.perf_counter()
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(4096)  # raises socket.timeout after 15 s if the server waits forever
            if not chunk:
                break
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
        assert time.perf_counter() - start < 10
    status, doc = _post(server, json.dumps({"inputs": np.zeros((1, 8)).tolist()}).encode())
    assert status == 200 and np.asarray(doc["outputs"]).shape == (1, 16, 16, 1)


# ----------------------------------------------------------------------------------------------- batching
def test_batching_parameters_file():
    params = read_batching_parameters(os.path.join(repo_root(), "serving", "batching_parameters.txt"))
    assert (params.max_batch_size, params.batch_timeout_micros, params.max_enqueued_batches,
            params.num_batch_threads) == (64, 2000, 64, 4)
    assert params.allowed_batch_sizes == (1, 8, 16, 32, 64) and params.padded_size(3) == 8
    with pytest.raises(ValueError, match="max_batch_sise"):
        parse_batching_parameters("max_batch_sise { value: 8 }")
    with pytest.raises(ValueError, match="must equal max_batch_size"):
        parse_batching_parameters("max_batch_size { value: 8 }\nallowed_batch_sizes: 4")


@pytest.mark.parametrize("allowed", [(), (4, 16)])
def test_concurrent_requests_are_merged_and_equal_unbatched(base, model, allowed):
    params = BatchingParameters(max_batch_size=16, batch_timeout_micros=300_000, max_enqueued_batches=8,
                                num_batch_threads=1, allowed_batch_sizes=allowed)
    n_clients = 8
    latents = np.random.default_rng(0).standard_normal((n_clients, 8)).astype(np.float32)
    expected = call_model(model, {"latents": latents})
    results, errors = {}, []
    srv = serve(base, poll_interval=0, rest_port=None, batching=params)
    try:
        barrier = threading.Barrier(n_clients)

        def client(i):
            try:
                with PredictClient(srv.grpc_address, "dcgan", timeout=60) as c:
                    barrier.wait(timeout=30)
                    results[i] = c.predict({"latents": latents[i:i + 1]})["images"]
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(n_clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
        with PredictClient(srv.grpc_address, "dcgan", timeout=60) as c:  # `sample` has no batch dimension: unbatched
            np.testing.assert_allclose(c.generate(seed=2, num_images=3), model.generate(3, seed=2), atol=1e-5)
        stats = srv.core.batching.stats()
    finally:
        srv.stop()
    assert not errors, errors
    for i in range(n_clients):
        np.testing.assert_allclose(results[i], expected[i:i + 1], atol=1e-5)
    assert stats["batched_requests"] == n_clients and stats["unbatched_requests"] >= 1
    assert stats["batches"] < n_clients, stats  # merged: fewer session runs than requests


# ----------------------------------------------------------------------------------------------- soak
def test_soak_script_bounded_run(tmp_path):
    sys.path.insert(0, repo_root())
    try:
        from benchmarks import serving_soak
    finally:
        sys.path.remove(repo_root())
    report = serving_soak.run(seconds=5, workdir=str(tmp_path), clients=3, version_every=1.5, large_images=2000,
                              large_every=2.0, staged_versions=1, settle=0.5)
    assert report["valid_requests"] > 20
    assert report["failed_valid_requests"] == 0, report["failures"][:5]
    assert report["versions_exported"] >= 1 and report["versions_removed"] >= 1, report["version_log"]
    assert report["bad_requests"] > 0 and set(report["errors"]) >= {"INVALID_ARGUMENT", "NOT_FOUND"}
    assert report["bad_requests_answered_wrongly"] == 0, report["wrong_answers"][:5]


# ----------------------------------------------------------------------------------------------- CLI
def test_serve_cli_hardening_flags(base, tmp_path):
    import argparse

    from tfgan_zoo.serving.cli_commands import add_serve_parser, run_serve

    parser = argparse.ArgumentParser()
    add_serve_parser(parser.add_subparsers())
    defaults = parser.parse_args(["serve", "--model_base_path", str(base)])
    assert (defaults.max_images_per_request, defaults.max_response_bytes, defaults.rest_read_timeout_seconds) == (
        4096, 256 * 1024 * 1024, 30.0)
    assert not defaults.enable_batching and defaults.batching_parameters_file is None
    params_file = os.path.join(repo_root(), "serving", "batching_parameters.txt")
    args = parser.parse_args(["serve", "--model_base_path", str(base), "--port", "0", "--rest_api_port", "0",
                              "--file_system_poll_wait_seconds", "0", "--max_images_per_request", "3",
                              "--max_response_bytes", "100000", "--rest_read_timeout_seconds", "2",
                              "--batching_parameters_file", params_file, "--load_retry_interval_seconds", "0.5",
                              "--max_load_retry_interval_seconds", "4"])
    server = run_serve(args, block=False)
    try:
        assert (server.core.limits.max_images_per_request, server.core.limits.max_response_bytes) == (3, 100000)
        assert server.core.batching.params.max_batch_size == 64
        assert (server.manager.load_retry_interval, server.manager.max_load_retry_interval) == (0.5, 4.0)
        with PredictClient(server.grpc_address, "dcgan", timeout=30) as client:
            code, details = _grpc_error(lambda: client.generate(seed=0, num_images=4))
            assert code == grpc.StatusCode.INVALID_ARGUMENT and "at most 3" in details
    finally:
        server.stop()
    bad = tmp_path / "batching.txt"
    bad.write_text("max_batch_size { value: 0 }\n")
    args = parser.parse_args(["serve", "--model_base_path", str(base), "--batching_parameters_file", str(bad)])
    with pytest.raises(SystemExit, match="max_batch_size must be a positive integer"):
        run_serve(args, block=False)
