"""Clients for TF Serving's APIs: gRPC on the official `tensorflow-serving-api` stubs, and REST.

Both work unchanged against TensorFlow Serving (`tensorflow/serving` image) and the local server.

    >>> client = PredictClient("127.0.0.1:8500", "dcgan")
    >>> images = client.generate(seed=0, num_images=4)          # `sample` signature, float [-1, 1] or uint8
    >>> images = client.generate(latents=z)                      # `serving_default`
    >>> client.status()
    [{'version': 1, 'state': 'AVAILABLE', 'error_code': 'OK', 'error_message': ''}]
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import grpc
import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

DEFAULT_SIGNATURE = "serving_default"
_STATE_NAMES = {v: k for k, v in get_model_status_pb2.ModelVersionStatus.State.items()}
_CODE_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}


def _signature_dict(sig):
    def info(ti):
        shape = None if ti.tensor_shape.unknown_rank else [int(d.size) for d in ti.tensor_shape.dim]
        dtype = tf.dtypes.as_dtype(ti.dtype).name if ti.dtype else "invalid"
        return {"dtype": dtype, "shape": shape}

    return {
        "inputs": {k: info(v) for k, v in sig.inputs.items()},
        "outputs": {k: info(v) for k, v in sig.outputs.items()},
        "method_name": sig.method_name,
    }


def _generate_inputs(latents, labels, seed, num_images) -> tuple[dict, str]:
    """(inputs, signature) of a `generate` request: `serving_default` with latents (+ labels), or `sample` with a
    seed and `num_images` (unconditional) or labels (conditional)."""
    labels = None if labels is None else np.asarray(labels, np.int32).reshape(-1)
    if latents is not None:
        inputs = {"latents": np.asarray(latents, np.float32)}
        if labels is not None:
            inputs["labels"] = labels
        return inputs, DEFAULT_SIGNATURE
    if seed is None:
        raise ValueError("generate() needs latents (serving_default) or seed (sample).")
    inputs = {"seed": np.asarray(seed, np.int32)}
    if labels is not None:
        inputs["labels"] = labels
    elif num_images is None:
        raise ValueError("generate(seed=...) needs num_images (or labels for a conditional model).")
    else:
        inputs["num_images"] = np.asarray(num_images, np.int32)
    return inputs, "sample"


def _images_of(outputs, output):
    if output not in outputs:
        raise KeyError(f"The response has no output {output!r}; it has {sorted(outputs)}.")
    return outputs[output]


class PredictClient:
    """gRPC client for one served model, on the official PredictionService / ModelService stubs.

    Args:
        address: "host:port" of TF Serving's gRPC port (8500) or the local server's `grpc_address`.
        model_name: the served model name.
        signature: default signature for `predict`.
        version / version_label: pin a version (default: the latest available).
        timeout: per-call deadline in seconds.

    RPC failures raise `grpc.RpcError` with TF Serving's status code (`e.code()`) and message (`e.details()`).
    """

    def __init__(self, address, model_name, signature=DEFAULT_SIGNATURE, version=None, version_label=None,
                 timeout=30.0, channel=None):
        self.address = address
        self.model_name = model_name
        self.signature = signature
        self.version = version
        self.version_label = version_label
        self.timeout = timeout
        self._own_channel = channel is None
        self.channel = channel or grpc.insecure_channel(
            address, options=[("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
        )
        self.predict_stub = prediction_service_pb2_grpc.PredictionServiceStub(self.channel)
        self.model_stub = model_service_pb2_grpc.ModelServiceStub(self.channel)
        self._metadata = None
        self.last_response = None

    # ------------------------------------------------------------------------------------------- plumbing
    def _spec(self, spec, signature=None, version=None):
        spec.name = self.model_name
        version = self.version if version is None else version
        if version is not None:
            spec.version.value = int(version)
        elif self.version_label:
            spec.version_label = self.version_label
        if signature is not None:
            spec.signature_name = signature

    def predict_request(self, inputs, signature=None, output_filter=None, version=None):
        request = predict_pb2.PredictRequest()
        self._spec(request.model_spec, signature or self.signature, version)
        for name, value in inputs.items():
            request.inputs[name].CopyFrom(tf.make_tensor_proto(np.asarray(value)))
        request.output_filter.extend(output_filter or [])
        return request

    def predict(self, inputs, signature=None, output_filter=None, version=None, cast=False) -> dict:
        """Predict on `{input_name: array}`; returns `{output_name: numpy array}`.

        Arrays are sent with their own dtype (the server is strict, like TF Serving); `cast=True` first casts them
        to the signature's dtypes (one GetModelMetadata call, cached).
        """
        signature = signature or self.signature
        if cast:
            sig = self.metadata().get(signature)
            if sig is None:
                raise KeyError(f"{self.model_name} has no signature {signature!r}; it has {sorted(self.metadata())}.")
            inputs = {k: np.asarray(v, sig["inputs"][k]["dtype"]) if k in sig["inputs"] else v
                      for k, v in inputs.items()}
        response = self.predict_stub.Predict(self.predict_request(inputs, signature, output_filter, version),
                                             timeout=self.timeout)
        self.last_response = response
        return {k: tf.make_ndarray(v) for k, v in response.outputs.items()}

    # ------------------------------------------------------------------------------------------- task helpers
    def generate(self, latents=None, labels=None, seed=None, num_images=None, output="images") -> np.ndarray:
        """Images from a noise → image model.

        With `latents` ([N, latent_dim]; plus `labels` [N] for conditional models) this calls `serving_default`;
        with `seed` it calls the `sample` signature (`num_images` for unconditional models, `labels` for conditional
        ones), which draws the latents in the graph with stateless RNG: the same seed gives the same images.
        """
        inputs, signature = _generate_inputs(latents, labels, seed, num_images)
        return _images_of(self.predict(inputs, signature), output)

    def translate(self, images, output="images", target_labels=None) -> np.ndarray:
        """Translates source images ([N, H, W, C] float in [-1, 1]) with an image-to-image model; a multi-domain
        translator also takes `target_labels` ([N, label_dim] float)."""
        return _images_of(self.predict(_translate_inputs(images, target_labels), DEFAULT_SIGNATURE), output)

    # ------------------------------------------------------------------------------------------- metadata, status
    def metadata_response(self, version=None):
        request = get_model_metadata_pb2.GetModelMetadataRequest()
        self._spec(request.model_spec, None, version)
        request.metadata_field.append("signature_def")
        return self.predict_stub.GetModelMetadata(request, timeout=self.timeout)

    def metadata(self, version=None, refresh=False) -> dict:
        """{signature: {"inputs": {name: {"dtype", "shape"}}, "outputs": {...}, "method_name"}}, without the internal
        `__saved_model_init_op` entry."""
        if self._metadata is None or refresh or version is not None:
            response = self.metadata_response(version)
            sig_map = get_model_metadata_pb2.SignatureDefMap()
            response.metadata["signature_def"].Unpack(sig_map)
            parsed = {k: _signature_dict(v) for k, v in sig_map.signature_def.items() if not k.startswith("__")}
            if version is not None:
                return parsed
            self._metadata = parsed
        return self._metadata

    def status_response(self, version=None):
        request = get_model_status_pb2.GetModelStatusRequest()
        self._spec(request.model_spec, None, version)
        return self.model_stub.GetModelStatus(request, timeout=self.timeout)

    def status(self, version=None) -> list:
        """[{"version", "state", "error_code", "error_message"}] for the model's versions."""
        response = self.status_response(version)
        return [
            {
                "version": int(s.version),
                "state": _STATE_NAMES.get(s.state, str(s.state)),
                "error_code": _CODE_NAMES.get(s.status.error_code, str(s.status.error_code)),
                "error_message": s.status.error_message,
            }
            for s in response.model_version_status
        ]

    def close(self):
        if self._own_channel:
            self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ----------------------------------------------------------------------------------------------- REST
class RestError(RuntimeError):
    """A non-200 REST answer: `status` (HTTP code) and `message` (TF Serving's `{"error": ...}`)."""

    def __init__(self, status, message):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class RestClient:
    """Client for TF Serving's REST API (`/v1/models/...`), on the standard library.

    Args:
        address: "host:port" (REST port, 8501 for TF Serving) or "http://host:port".
    """

    def __init__(self, address, model_name, version=None, version_label=None, timeout=30.0):
        self.base_url = address if "://" in address else f"http://{address}"
        self.base_url = self.base_url.rstrip("/")
        self.model_name = model_name
        self.version = version
        self.version_label = version_label
        self.timeout = timeout

    def model_url(self, version=None):
        url = f"{self.base_url}/v1/models/{self.model_name}"
        version = self.version if version is None else version
        if version is not None:
            url += f"/versions/{int(version)}"
        elif self.version_label:
            url += f"/labels/{self.version_label}"
        return url

    def request(self, method, url, body=None):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode("utf-8"))
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            raw = e.read().decode("utf-8", "replace")
            try:
                message = json.loads(raw).get("error", raw)
            except (json.JSONDecodeError, AttributeError):
                message = raw
            raise RestError(e.code, message) from None

    def status(self, version=None) -> dict:
        return self.request("GET", self.model_url(version))

    def metadata(self, version=None) -> dict:
        return self.request("GET", self.model_url(version) + "/metadata")

    def predict(self, inputs, signature=None, format="columnar", version=None):
        """Predict with JSON. `inputs`: {name: array} (columnar) or, for `format="row"`, the same dict, split into
        one instance per example. Returns {output name: numpy array} (float32 for float outputs)."""
        inputs = {k: np.asarray(v) for k, v in inputs.items()}
        if format == "columnar":
            body = {"inputs": {k: v.tolist() for k, v in inputs.items()}}
        elif format == "row":
            n = {len(v) for v in inputs.values() if v.ndim}
            if len(n) != 1:
                raise ValueError("The row format needs inputs sharing a batch dimension.")
            n = n.pop()
            body = {"instances": [{k: v[i].tolist() for k, v in inputs.items()} for i in range(n)]}
        else:
            raise ValueError(f"format must be 'columnar' or 'row', got {format!r}.")
        if signature:
            body["signature_name"] = signature
        doc = self.request("POST", self.model_url(version) + ":predict", body)
        return self._outputs(doc)

    @staticmethod
    def _outputs(doc):
        if "outputs" in doc:
            out = doc["outputs"]
            named = out if isinstance(out, dict) else {"output": out}
        else:
            preds = doc["predictions"]
            if preds and isinstance(preds[0], dict):
                named = {k: [p[k] for p in preds] for k in preds[0]}
            else:
                named = {"output": preds}
        result = {}
        for k, v in named.items():
            arr = np.asarray(v)
            result[k] = arr.astype(np.float32) if arr.dtype.kind == "f" else arr
        return result

    def generate(self, latents=None, labels=None, seed=None, num_images=None, output="images", format="columnar"):
        """As `PredictClient.generate`, over REST."""
        inputs, signature = _generate_inputs(latents, labels, seed, num_images)
        # the sample signature's scalar inputs only fit the columnar ("inputs") request format
        out = self.predict(inputs, signature, format if signature == DEFAULT_SIGNATURE else "columnar")
        return out.get(output, out.get("output"))

    def translate(self, images, output="images", format="columnar", target_labels=None):
        out = self.predict(_translate_inputs(images, target_labels), DEFAULT_SIGNATURE, format)
        return out.get(output, out.get("output"))


def _translate_inputs(images, target_labels=None) -> dict:
    inputs = {"images": np.asarray(images, np.float32)}
    if target_labels is not None:
        inputs["target_labels"] = np.asarray(target_labels, np.float32)
    return inputs


def metadata_from_json(doc) -> dict:
    """Parses a REST `/metadata` answer into the same dict as `PredictClient.metadata()`."""
    sig_map = get_model_metadata_pb2.SignatureDefMap()
    json_format.ParseDict(doc["metadata"]["signature_def"], sig_map)
    return {k: _signature_dict(v) for k, v in sig_map.signature_def.items() if not k.startswith("__")}
