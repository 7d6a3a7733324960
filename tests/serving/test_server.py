"""The local model server through the official TF Serving stubs and REST: every model, metadata, status, errors."""

import json
import socket
import urllib.request

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

import tfgan_zoo
from tfgan_zoo.export.testing import call_model, example_batch
from tfgan_zoo.serving import PredictClient, RestClient, RestError, metadata_from_json, serve

MODELS = tfgan_zoo.list_models()
MAX_REQUEST_BYTES = 512 * 1024


@pytest.fixture(scope="module")
def server(zoo):
    # The models the error tests use; every other model is exported by the first test that needs it (`served`), so
    # no single setup pays for the whole zoo under one test's timeout.
    zoo.export_all(["dcgan", "cgan", "pix2pix"])
    srv = serve(zoo.base_dir, poll_interval=0, max_request_bytes=MAX_REQUEST_BYTES)
    yield srv
    srv.stop()


@pytest.fixture
def served(zoo, server):
    """`served(name)` -> (model, version dir): exports `name` if this session has not, and has the server load it."""

    def get(name):
        model, path = zoo.get(name)
        if 1 not in server.manager.available_versions(name):
            server.manager.sync()
        assert server.manager.wait_for_version(name, 1, timeout=60), server.manager.status(name)
        return model, path

    return get


@pytest.fixture(scope="module")
def stub(server):
    channel = grpc.insecure_channel(server.grpc_address)
    yield prediction_service_pb2_grpc.PredictionServiceStub(channel)
    channel.close()


def _request(model, signature="serving_default", **inputs):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = signature
    for k, v in inputs.items():
        request.inputs[k].CopyFrom(tf.make_tensor_proto(v))
    return request


def _abort_code(call, *args):
    with pytest.raises(grpc.RpcError) as info:
        call(*args, timeout=10)
    return info.value.code(), info.value.details()


@pytest.mark.parametrize("name", MODELS)
def test_grpc_predict_equals_in_process(served, server, name):
    model, _ = served(name)
    inputs = example_batch(model, batch=3, seed=2)
    with PredictClient(server.grpc_address, name, timeout=30) as client:
        out = client.predict(inputs)
        assert set(out) == set(model.task.output_names)
        np.testing.assert_allclose(out[model.task.output_names[0]], call_model(model, inputs), atol=1e-6)
        spec = client.last_response.model_spec
        assert (spec.name, spec.version.value, spec.signature_name) == (name, 1, "serving_default")
        if model.task.image_input:
            labels = {"target_labels": inputs["target_labels"]} if "target_labels" in inputs else {}
            np.testing.assert_allclose(client.translate(inputs["images"], **labels),
                                       model.translate(inputs["images"], *labels.values()), atol=1e-6)
        elif getattr(model.task, "few_shot", False):  # content + K class images: the user API is translate
            np.testing.assert_allclose(model.translate(inputs["content_images"], inputs["class_images"]),
                                       out["images"], atol=1e-6)
        elif getattr(model.task, "semantic", False):  # label maps (+ style): the user API is synthesize
            maps = {k: v for k, v in inputs.items() if k in ("labels", "instances")}
            style = {"latents": inputs["latents"]} if "latents" in inputs else {}
            np.testing.assert_allclose(model.synthesize(maps["labels"], maps.get("instances"), **style), out["images"],
                                       atol=1e-6)
            again = client.predict(inputs, signature="synthesize")
            np.testing.assert_allclose(again["images"], out["images"], atol=1e-6)
        elif getattr(model.task, "text", False):  # plain sentences: the tokenizer runs inside the SavedModel
            text = ["a thick seven", "a thin 2"]
            got = client.predict({"text": np.asarray(text, object), "seed": np.int32(5)},
                                 signature="generate_from_text")
            np.testing.assert_allclose(got["images"], model.generate_from_text(text, seed=5), atol=1e-5)
        elif model.task.labels:
            labels = np.array([2, 0, 1])
            np.testing.assert_allclose(client.generate(seed=5, labels=labels),
                                       model.generate(3, seed=5, labels=labels), atol=1e-6)
            np.testing.assert_allclose(client.generate(latents=inputs["latents"], labels=inputs["labels"]),
                                       out["images"], atol=0)
        elif model.task.two_domain:  # a generator of pairs: `sample_pair` gives both domains
            pair = client.predict({"seed": np.int32(5), "num_images": np.int32(2)}, signature="sample_pair")
            for got, expected in zip((pair["images_a"], pair["images_b"]), model.generate(2, seed=5)):
                np.testing.assert_allclose(got, expected, atol=1e-6)
        else:
            np.testing.assert_allclose(client.generate(seed=5, num_images=2), model.generate(2, seed=5), atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_rest_predict_row_and_columnar_equal_in_process(served, server, name):
    model, _ = served(name)
    inputs = example_batch(model, batch=2, seed=3)
    ref = call_model(model, inputs)
    client = RestClient(server.rest_address, name)
    for fmt in ("columnar", "row"):
        out = client.predict(inputs, format=fmt)
        if len(model.task.output_names) == 1:
            (images,) = out.values()  # a single output: TF Serving's JSON does not name it
        else:
            assert set(out) == set(model.task.output_names)
            images = out[model.task.output_names[0]]
        np.testing.assert_allclose(images, ref, atol=1e-6, err_msg=fmt)


@pytest.mark.parametrize("name", MODELS)
def test_metadata_and_status(served, server, name):
    model, path = served(name)
    with PredictClient(server.grpc_address, name) as client:
        meta = client.metadata()
        assert set(meta) == set(model.serving_signatures())
        for endpoint, (_, specs) in model.serving_signatures().items():
            want = {s.name: {"dtype": s.dtype.name, "shape": [-1 if d is None else d for d in s.shape.as_list()]}
                    for s in specs}
            assert meta[endpoint]["inputs"] == want
            assert meta[endpoint]["method_name"] == "tensorflow/serving/predict"
        assert client.status() == [{"version": 1, "state": "AVAILABLE", "error_code": "OK", "error_message": ""}]
    rest = RestClient(server.rest_address, name)
    assert metadata_from_json(rest.metadata()) == meta
    assert rest.metadata()["model_spec"] == {"name": name, "signature_name": "", "version": "1"}
    assert rest.status() == {"model_version_status": [
        {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}
    assert RestClient(server.rest_address, name, version=1).status()["model_version_status"][0]["version"] == "1"


def test_raw_stubs_metadata_and_status(server):
    channel = grpc.insecure_channel(server.grpc_address)
    request = get_model_metadata_pb2.GetModelMetadataRequest()
    request.model_spec.name = "dcgan"
    request.metadata_field.append("signature_def")
    response = prediction_service_pb2_grpc.PredictionServiceStub(channel).GetModelMetadata(request, timeout=10)
    sig_map = get_model_metadata_pb2.SignatureDefMap()
    assert response.metadata["signature_def"].Unpack(sig_map)
    assert {"serving_default", "sample"} <= set(sig_map.signature_def)
    assert response.model_spec.version.value == 1
    status_request = get_model_status_pb2.GetModelStatusRequest()
    status_request.model_spec.name = "pix2pix"
    status = model_service_pb2_grpc.ModelServiceStub(channel).GetModelStatus(status_request, timeout=10)
    assert [(s.version, s.state) for s in status.model_version_status] == [
        (1, get_model_status_pb2.ModelVersionStatus.AVAILABLE)]
    channel.close()


# --------------------------------------------------------------------------------------------------- errors
def test_grpc_error_codes(zoo, server, stub):
    model, _ = zoo.get("dcgan")
    z = example_batch(model)["latents"]
    cases = {
        "unknown model": (_request("nope", latents=z), grpc.StatusCode.NOT_FOUND, "Servable not found"),
        "missing name": (_request("", latents=z), grpc.StatusCode.INVALID_ARGUMENT, "Missing model name"),
        "unknown signature": (_request("dcgan", "nope", latents=z), grpc.StatusCode.FAILED_PRECONDITION,
                              'Serving signature key "nope" not found'),
        "wrong input name": (_request("dcgan", z=z), grpc.StatusCode.INVALID_ARGUMENT, "unknown input(s) ['z']"),
        "missing input": (_request("cgan", latents=example_batch(zoo.get("cgan")[0])["latents"]),
                          grpc.StatusCode.INVALID_ARGUMENT, "missing input(s) ['labels']"),
        "wrong shape": (_request("dcgan", latents=z[:, :3]), grpc.StatusCode.INVALID_ARGUMENT,
                        f"expects shape [-1, {model.latent_dim}]"),
        "wrong rank": (_request("dcgan", latents=z[0]), grpc.StatusCode.INVALID_ARGUMENT, "expects shape"),
        "wrong dtype": (_request("dcgan", latents=z.astype(np.float64)), grpc.StatusCode.INVALID_ARGUMENT,
                        "expects dtype float32 but got float64"),
        "int labels as float": (_request("cgan", latents=example_batch(zoo.get("cgan")[0])["latents"],
                                         labels=np.zeros(3, np.float32)),
                                grpc.StatusCode.INVALID_ARGUMENT,
                                "'labels' of signature 'serving_default' expects dtype int32"),
        "mismatched batch": (_request("cgan", latents=np.zeros((3, zoo.get("cgan")[0].latent_dim), np.float32),
                                      labels=np.zeros(2, np.int32)), grpc.StatusCode.INVALID_ARGUMENT, ""),
    }
    request = _request("dcgan", latents=z)
    request.model_spec.version.value = 9
    cases["unknown version"] = (request, grpc.StatusCode.NOT_FOUND, "Specific(dcgan, 9)")
    request = _request("dcgan", latents=z)
    request.output_filter.append("nope")
    cases["bad output filter"] = (request, grpc.StatusCode.INVALID_ARGUMENT, "output tensor alias not found")
    request = _request("dcgan", latents=z)
    request.model_spec.version_label = "stable"
    cases["unknown label"] = (request, grpc.StatusCode.INVALID_ARGUMENT, "Unrecognized servable version label")
    for what, (request, code, text) in cases.items():
        got_code, details = _abort_code(stub.Predict, request)
        assert got_code == code, (what, got_code, details)
        assert text in details, (what, details)
    # The server keeps serving after every error.
    ok = stub.Predict(_request("dcgan", latents=z), timeout=10)
    np.testing.assert_allclose(tf.make_ndarray(ok.outputs["images"]), call_model(model, {"latents": z}), atol=1e-6)


def test_grpc_metadata_and_status_errors(server, stub):
    request = get_model_metadata_pb2.GetModelMetadataRequest()
    request.model_spec.name = "nope"
    request.metadata_field.append("signature_def")
    assert _abort_code(stub.GetModelMetadata, request)[0] == grpc.StatusCode.NOT_FOUND
    request.model_spec.name = "dcgan"
    del request.metadata_field[:]
    code, details = _abort_code(stub.GetModelMetadata, request)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "metadata_field" in details
    request.metadata_field.append("something_else")
    assert _abort_code(stub.GetModelMetadata, request)[0] == grpc.StatusCode.INVALID_ARGUMENT
    with grpc.insecure_channel(server.grpc_address) as channel:
        model_stub = model_service_pb2_grpc.ModelServiceStub(channel)
        status_request = get_model_status_pb2.GetModelStatusRequest()
        status_request.model_spec.name = "nope"
        code, details = _abort_code(model_stub.GetModelStatus, status_request)
        assert code == grpc.StatusCode.NOT_FOUND and "Could not find any versions of model nope" in details
        status_request.model_spec.name = "dcgan"
        status_request.model_spec.version.value = 4
        code, details = _abort_code(model_stub.GetModelStatus, status_request)
        assert code == grpc.StatusCode.NOT_FOUND and "Could not find version 4 of model dcgan" in details


def test_oversized_grpc_request_is_resource_exhausted(zoo, server, stub):
    model, _ = zoo.get("dcgan")
    big = np.zeros((MAX_REQUEST_BYTES // (4 * model.latent_dim) + 16, model.latent_dim), np.float32)
    code, details = _abort_code(stub.Predict, _request("dcgan", latents=big))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED, details
    assert stub.Predict(_request("dcgan", latents=big[:2]), timeout=10).outputs["images"].tensor_shape.dim[0].size == 2


def _post(server, path, body, headers=None):
    req = urllib.request.Request(f"{server.rest_url}{path}", data=body, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_rest_error_codes(zoo, server):
    model, _ = zoo.get("dcgan")
    z = example_batch(model)["latents"].tolist()
    d = model.latent_dim
    cases = [
        ("/v1/models/nope:predict", {"inputs": z}, 404, "Servable not found"),
        ("/v1/models/dcgan/versions/3:predict", {"inputs": z}, 404, "Specific(dcgan, 3)"),
        ("/v1/models/dcgan:predict", {"signature_name": "nope", "inputs": z}, 400, '"nope" not found'),
        ("/v1/models/dcgan:predict", {"inputs": {"z": z}}, 400, "unknown input(s) ['z']"),
        ("/v1/models/dcgan:predict", {"inputs": [[0.5] * (d + 1)]}, 400, f"expects shape [-1, {d}]"),
        ("/v1/models/dcgan:predict", {"instances": [[0.5] * d, [0.5] * (d - 1)]}, 400, "rectangular"),
        ("/v1/models/dcgan:predict", {"inputs": [["a"] * d]}, 400, "strings"),
        ("/v1/models/dcgan:predict", {"instances": z, "inputs": z}, 400, "only one of 'inputs' or 'instances'"),
        ("/v1/models/dcgan:predict", {"signature": "x"}, 400, "Missing 'inputs' or 'instances' key"),
        ("/v1/models/cgan:predict", {"inputs": {"latents": [[0.0] * zoo.get("cgan")[0].latent_dim], "labels": [1.5]}},
         400, "non-integers"),
        ("/v1/models/dcgan:classify", {"inputs": z}, 501, "not supported"),
        ("/v1/models/dcgan/labels/stable:predict", {"inputs": z}, 400, "Unrecognized servable version label"),
    ]
    for path, body, status, text in cases:
        code, doc = _post(server, path, json.dumps(body).encode())
        assert code == status, (path, body, code, doc)
        assert text in doc["error"], (path, doc)
    code, doc = _post(server, "/v1/models/dcgan:predict", b"{not json")
    assert code == 400 and "JSON Parse error" in doc["error"]
    code, doc = _post(server, "/v1/models/dcgan:predict", b"[1, 2]")
    assert code == 400 and "JSON object" in doc["error"]
    with pytest.raises(RestError) as info:
        RestClient(server.rest_address, "nope").status()
    assert info.value.status == 404 and "Could not find any versions of model nope" in info.value.message
    with pytest.raises(RestError) as info:
        RestClient(server.rest_address, "dcgan", version=5).metadata()
    assert info.value.status == 404
    # Still serving.
    out = RestClient(server.rest_address, "dcgan").predict({"latents": np.asarray(z, np.float32)})
    np.testing.assert_allclose(out["output"], call_model(model, {"latents": np.asarray(z, np.float32)}), atol=1e-6)


def test_rest_oversized_body_is_429_and_connection_survives(server):
    code, doc = _post(server, "/v1/models/dcgan:predict", b"0" * (MAX_REQUEST_BYTES + 1))
    assert code == 429 and "exceeds" in doc["error"]
    assert RestClient(server.rest_address, "dcgan").status()["model_version_status"][0]["state"] == "AVAILABLE"


def test_rest_row_format_with_several_outputs(zoo, server):
    """The `sample` signature returns images and latents: row answers are one object per example."""
    model, _ = zoo.get("cgan")
    code, doc = _post(server, "/v1/models/cgan:predict",
                      json.dumps({"signature_name": "sample", "inputs": {"seed": 4, "labels": [1, 2]}}).encode())
    assert code == 200, doc
    np.testing.assert_allclose(np.asarray(doc["outputs"]["images"], np.float32),
                               model.generate(2, seed=4, labels=[1, 2]), atol=1e-6)
    code, doc = _post(server, "/v1/models/cgan:predict", json.dumps({
        "instances": [{"latents": [0.1] * model.latent_dim, "labels": 3}]}).encode())
    assert code == 200
    assert np.asarray(doc["predictions"]).shape == (1, model.image_size, model.image_size, model.channels)


def test_concurrent_clients(zoo, server):
    """8 clients x 6 requests each, in parallel: all succeed with the right images."""
    import concurrent.futures

    model, _ = zoo.get("dcgan")
    inputs = [example_batch(model, batch=2, seed=s) for s in range(8)]
    refs = [call_model(model, x) for x in inputs]

    def worker(i):
        with PredictClient(server.grpc_address, "dcgan", timeout=30) as client:
            return [float(np.abs(client.predict(inputs[i])["images"] - refs[i]).max()) for _ in range(6)]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        errors = [e for errs in pool.map(worker, range(8)) for e in errs]
    assert len(errors) == 48 and max(errors) <= 1e-6


def test_binds_loopback_only(server):
    host, port = server.grpc_address.rsplit(":", 1)
    assert host == "127.0.0.1" and server.rest_address.startswith("127.0.0.1:")
    with socket.create_connection((host, int(port)), timeout=5):
        pass
