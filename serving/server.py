"""The local model server: TF Serving's gRPC and REST APIs over `<base>/<name>/<version>/`.

TensorFlow Serving is the production server; its `tensorflow_model_server` binary is not installable from the package
registries, so this server stands in for it in tests, the demo and local use. It implements

  gRPC  tensorflow.serving.PredictionService/Predict, /GetModelMetadata
        tensorflow.serving.ModelService/GetModelStatus
  REST  GET  /v1/models/<name>[/versions/<v> | /labels/<l>]            model status
        GET  /v1/models/<name>[/versions/<v> | /labels/<l>]/metadata   signature defs
        POST /v1/models/<name>[/versions/<v> | /labels/<l>]:predict    row ("instances") / columnar ("inputs")

with TF Serving's status codes (NOT_FOUND unknown model or version, FAILED_PRECONDITION unknown signature on gRPC
Predict and INVALID_ARGUMENT on REST, INVALID_ARGUMENT bad input name / shape / dtype, RESOURCE_EXHAUSTED over the
request-size limit) and its HTTP mapping of them (400, 404, 429, ...; errors as `{"error": "..."}`).
What it does not do: batching, classify/regress/multi-inference, TFRT, model-config reload over RPC, monitoring.
"""

from __future__ import annotations

import concurrent.futures
import functools
import http.server
import json
import os
import re
import socketserver
import threading
import time
import urllib.parse

import grpc
import tensorflow as tf
from absl import logging
from google.protobuf import json_format
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from tfgan_zoo.export.graph_loader import DEFAULT_SIGNATURE, InvalidInputError, ServingError
from tfgan_zoo.export.saved_model import list_versions
from tfgan_zoo.serving import rest_json
from tfgan_zoo.serving.config import ModelEntry, read_model_config
from tfgan_zoo.serving.manager import ModelManager

DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024
#: how much of an oversized REST body is read (and dropped) so the client gets the 429 rather than a broken pipe
_DRAIN_BYTES = 16 * 1024 * 1024

HTTP_STATUS = {  # TF Serving's ToHTTPStatusCode (model_servers/http_server.cc)
    "OK": 200, "CANCELLED": 499, "UNKNOWN": 500, "INVALID_ARGUMENT": 400, "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404, "ALREADY_EXISTS": 409, "PERMISSION_DENIED": 403, "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400, "ABORTED": 409, "OUT_OF_RANGE": 400, "UNIMPLEMENTED": 501, "INTERNAL": 500,
    "UNAVAILABLE": 503, "DATA_LOSS": 500, "UNAUTHENTICATED": 401,
}


# ----------------------------------------------------------------------------------------------- shared logic
class ServingCore:
    """What the gRPC and REST front ends share: requests in, numpy out, `ServingError` on failure."""

    def __init__(self, manager: ModelManager):
        self.manager = manager
        self.request_count = 0
        self._count_lock = threading.Lock()

    def predict(self, name, version, label, signature, inputs, output_filter=None):
        """Returns (outputs dict, served version, signature name)."""
        if not name:
            raise ServingError("Missing model name in request.", code="INVALID_ARGUMENT")
        signature = signature or DEFAULT_SIGNATURE
        with self.manager.acquire(name, version, label) as sv:
            outputs = sv.model.run(signature, inputs, output_filter)
            served = sv.version
        with self._count_lock:
            self.request_count += 1
        return outputs, served, signature

    def input_specs(self, name, version, label, signature):
        with self.manager.acquire(name, version, label) as sv:
            signature = signature or DEFAULT_SIGNATURE
            if signature not in sv.model.signature_defs:
                msg = f'Serving signature name: "{signature}" not found in signature def'
                raise ServingError(
                    f"{msg}. Available signatures: {', '.join(sv.model.signature_names)}.", code="INVALID_ARGUMENT"
                )
            return sv.model.input_specs(signature)

    def metadata(self, name, version, label):
        with self.manager.acquire(name, version, label) as sv:
            response = get_model_metadata_pb2.GetModelMetadataResponse()
            response.model_spec.name = name
            response.model_spec.version.value = sv.version
            sig_map = get_model_metadata_pb2.SignatureDefMap()
            for key, sig in sv.model.signature_defs.items():
                sig_map.signature_def[key].CopyFrom(sig)
            response.metadata["signature_def"].Pack(sig_map)
            return response

    def status(self, name, version):
        if not name:
            raise ServingError("Missing model name in request.", code="INVALID_ARGUMENT")
        response = get_model_status_pb2.GetModelStatusResponse()
        for v, state, code, message in self.manager.status(name, version):
            s = response.model_version_status.add()
            s.version = v
            s.state = get_model_status_pb2.ModelVersionStatus.State.Value(state)
            s.status.error_code = getattr(grpc.StatusCode, code).value[0]
            s.status.error_message = message
        return response


def _version_of(model_spec):
    version = model_spec.version.value if model_spec.HasField("version") else None
    return version, (model_spec.version_label or None)


# ----------------------------------------------------------------------------------------------- gRPC
def _rpc(method):
    """Answers a `ServingError` with its status code and an unexpected exception with INTERNAL (and a log entry)."""

    @functools.wraps(method)
    def handler(self, request, context):
        try:
            return method(self, request, context)
        except ServingError as e:
            code, message = getattr(grpc.StatusCode, e.code, grpc.StatusCode.UNKNOWN), e.message
        except Exception as e:  # noqa: BLE001
            logging.exception("%s failed", method.__name__)
            code, message = grpc.StatusCode.INTERNAL, f"Internal error in {method.__name__}: {e}"
        context.abort(code, message)

    return handler


class _PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, core: ServingCore):
        self.core = core

    @_rpc
    def Predict(self, request, context):
        version, label = _version_of(request.model_spec)
        try:
            inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        except Exception as e:
            raise InvalidInputError(f"Malformed input TensorProto: {e}") from None
        outputs, served, signature = self.core.predict(
            request.model_spec.name, version, label, request.model_spec.signature_name, inputs,
            list(request.output_filter) or None,
        )
        response = predict_pb2.PredictResponse()
        response.model_spec.name = request.model_spec.name
        response.model_spec.version.value = served
        response.model_spec.signature_name = signature
        for key, value in outputs.items():
            response.outputs[key].CopyFrom(tf.make_tensor_proto(value))
        return response

    @_rpc
    def GetModelMetadata(self, request, context):
        if not request.HasField("model_spec"):
            raise ServingError("Missing ModelSpec", code="INVALID_ARGUMENT")
        if not request.metadata_field:
            raise ServingError("GetModelMetadataRequest must specify at least one metadata_field",
                               code="INVALID_ARGUMENT")
        for field in request.metadata_field:
            if field != "signature_def":
                raise ServingError(f"Metadata field {field} is not supported", code="INVALID_ARGUMENT")
        version, label = _version_of(request.model_spec)
        return self.core.metadata(request.model_spec.name, version, label)


class _ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    def __init__(self, core: ServingCore):
        self.core = core

    @_rpc
    def GetModelStatus(self, request, context):
        if not request.HasField("model_spec"):
            raise ServingError("Missing ModelSpec", code="INVALID_ARGUMENT")
        version, label = _version_of(request.model_spec)
        if label:
            entry = self.core.manager.entry(request.model_spec.name)
            if entry is None or label not in entry.labels:
                raise ServingError(f"Unrecognized servable version label: {label}", code="INVALID_ARGUMENT")
            version = entry.labels[label]
        return self.core.status(request.model_spec.name, version)


# ----------------------------------------------------------------------------------------------- REST
_PREDICT_RE = re.compile(r"/v1/models/([^/:]+)(?:/versions/(\d+)|/labels/([^/:]+))?:(classify|regress|predict)",
                         re.IGNORECASE)
_STATUS_RE = re.compile(r"/v1/models(?:/([^/:]+))?(?:/versions/(\d+)|/labels/([^/:]+))?(?:/(metadata))?",
                        re.IGNORECASE)


class _RestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tfgan-zoo-model-server"

    def log_message(self, fmt, *args):  # quiet by default; the logger has it at debug level
        logging.debug("REST %s - %s", self.address_string(), fmt % args)

    def _reply(self, status, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, e: ServingError):
        body = json.dumps({"error": e.message}).encode("utf-8")
        self._reply(HTTP_STATUS.get(e.code, 500), body)

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            raise ServingError("Chunked request bodies are not supported; send a Content-Length.",
                               code="INVALID_ARGUMENT")
        n = int(length) if length and length.isdigit() else 0
        limit = self.server.max_request_bytes
        if n > limit:
            # Read and discard a moderately oversized body before answering, so that the client has sent it all and
            # reads the 429 (closing mid-upload makes the client's send fail with a broken pipe instead). Beyond
            # _DRAIN_BYTES the connection is closed without reading.
            self.close_connection = True
            if n <= limit + _DRAIN_BYTES:
                remaining = n
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 1 << 16))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            raise ServingError(f"Request body of {n} bytes exceeds the server's limit of {limit} bytes.",
                               code="RESOURCE_EXHAUSTED")
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        core = self.server.core
        path = urllib.parse.urlsplit(self.path).path
        try:
            m = _STATUS_RE.fullmatch(path)
            if not m:
                raise ServingError(f"Malformed request: GET {path}",
                                   code="INVALID_ARGUMENT" if path.lower().startswith("/v1/") else "NOT_FOUND")
            name, version, label, sub = m.groups()
            name = urllib.parse.unquote(name) if name else name
            if not name:
                raise ServingError("Missing model name in request.", code="INVALID_ARGUMENT")
            version = int(version) if version else None
            label = urllib.parse.unquote(label) if label else None
            if sub:
                response = core.metadata(name, version, label)
                spec = json_format.MessageToDict(response.model_spec, preserving_proto_field_name=True,
                                                 always_print_fields_with_no_presence=True)
                sig_map = get_model_metadata_pb2.SignatureDefMap()
                response.metadata["signature_def"].Unpack(sig_map)
                sigs = json_format.MessageToDict(sig_map, preserving_proto_field_name=True,
                                                 always_print_fields_with_no_presence=True)
                body = {"model_spec": spec, "metadata": {"signature_def": sigs}}
            else:
                if label:
                    entry = core.manager.entry(name)
                    if entry is None or label not in entry.labels:
                        raise ServingError(f"Unrecognized servable version label: {label}", code="INVALID_ARGUMENT")
                    version = entry.labels[label]
                body = json_format.MessageToDict(core.status(name, version), preserving_proto_field_name=True,
                                                 always_print_fields_with_no_presence=True)
            self._reply(200, json.dumps(body, indent=1).encode("utf-8"))
        except ServingError as e:
            self._error(e)
        except Exception as e:  # noqa: BLE001  never drop the connection without an answer
            logging.exception("REST GET failed")
            self._error(ServingError(f"Internal error: {e}", code="INTERNAL"))

    def do_POST(self):
        core = self.server.core
        path = urllib.parse.urlsplit(self.path).path
        try:
            body = self._read_body()
            m = _PREDICT_RE.fullmatch(path)
            if not m:
                raise ServingError(f"Malformed request: POST {path}",
                                   code="INVALID_ARGUMENT" if path.lower().startswith("/v1/") else "NOT_FOUND")
            name, version, label, method = m.groups()
            name = urllib.parse.unquote(name)
            version = int(version) if version else None
            label = urllib.parse.unquote(label) if label else None
            if method.lower() != "predict":
                raise ServingError(f"{method} is not supported by this server: the zoo's signatures are predict "
                                   "signatures; use :predict.", code="UNIMPLEMENTED")
            doc = rest_json.parse_body(body)
            signature = doc.get("signature_name") or DEFAULT_SIGNATURE
            if not isinstance(signature, str):
                raise InvalidInputError("'signature_name' must be a string.")
            specs = core.input_specs(name, version, label, signature)
            inputs, fmt = rest_json.request_to_inputs(doc, specs)
            outputs, _, _ = core.predict(name, version, label, signature, inputs)
            self._reply(200, rest_json.outputs_to_body(outputs, fmt))
        except ServingError as e:
            self._error(e)
        except Exception as e:  # noqa: BLE001
            logging.exception("REST POST failed")
            self._error(ServingError(f"Internal error: {e}", code="INTERNAL"))


class _RestServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


# ----------------------------------------------------------------------------------------------- the server
class ModelServer:
    """A running local model server; `stop()` shuts it down cleanly (it is also a context manager).

    Attributes:
        grpc_address: "host:port" for `grpc.insecure_channel` / `PredictClient`.
        rest_address: "host:port" of the REST API (None when REST is off); `rest_url` is "http://host:port".
        manager: the `ModelManager` (versions, states).
    """

    def __init__(self, manager: ModelManager, host="127.0.0.1", grpc_port=0, rest_port=0,
                 max_request_bytes=DEFAULT_MAX_REQUEST_BYTES, max_workers=16):
        self.manager = manager
        self.core = ServingCore(manager)
        self.host = host
        self.max_request_bytes = int(max_request_bytes)
        self._requested = (grpc_port, rest_port)
        self._max_workers = max_workers
        self._grpc = None
        self._rest = None
        self._rest_thread = None
        self.grpc_address = None
        self.rest_address = None
        self._stopped = threading.Event()

    @property
    def rest_url(self):
        return f"http://{self.rest_address}" if self.rest_address else None

    def start(self):
        self.manager.start()
        grpc_port, rest_port = self._requested
        options = [
            ("grpc.max_receive_message_length", self.max_request_bytes),
            ("grpc.max_send_message_length", -1),
            ("grpc.so_reuseport", 0),
        ]
        self._grpc = grpc.server(
            concurrent.futures.ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="tfgan-zoo-grpc"),
            options=options,
        )
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(_PredictionServicer(self.core), self._grpc)
        model_service_pb2_grpc.add_ModelServiceServicer_to_server(_ModelServicer(self.core), self._grpc)
        bound = self._grpc.add_insecure_port(f"{self.host}:{int(grpc_port)}")
        if not bound:
            self.manager.stop()
            raise OSError(f"Could not bind the gRPC port {self.host}:{grpc_port}.")
        self._grpc.start()
        self.grpc_address = f"{self.host}:{bound}"
        if rest_port is not None:
            try:
                self._rest = _RestServer((self.host, int(rest_port)), _RestHandler)
            except OSError:
                self.stop()
                raise
            self._rest.core = self.core
            self._rest.max_request_bytes = self.max_request_bytes
            self._rest_thread = threading.Thread(target=self._rest.serve_forever, kwargs={"poll_interval": 0.2},
                                                 name="tfgan-zoo-rest", daemon=True)
            self._rest_thread.start()
            self.rest_address = f"{self.host}:{self._rest.server_address[1]}"
        logging.info("Serving %s: gRPC on %s, REST on %s", ", ".join(self.manager.model_names()) or "no model yet",
                 self.grpc_address, self.rest_address or "off")
        return self

    def stop(self, grace=2.0):
        """Stops accepting requests, lets in-flight ones finish (up to `grace` s), unloads every model."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._rest is not None:
            self._rest.shutdown()
            self._rest.server_close()
            if self._rest_thread is not None:
                self._rest_thread.join(timeout=10)
        if self._grpc is not None:
            self._grpc.stop(grace).wait(grace + 5)
        self.manager.stop()

    def wait(self):
        """Blocks until `stop()` is called (from a signal handler or another thread)."""
        while not self._stopped.wait(0.5):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"ModelServer(grpc={self.grpc_address}, rest={self.rest_address}, models={self.manager.model_names()})"


def _entries_for(base_dir, model_name=None):
    """A base dir is either one model (it holds version dirs) or a directory of models."""
    base_dir = os.path.abspath(os.fspath(base_dir))
    if not os.path.isdir(base_dir):
        raise FileNotFoundError(f"Model base path {base_dir} does not exist.")
    if list_versions(base_dir):
        return [ModelEntry(name=model_name or os.path.basename(base_dir.rstrip(os.sep)), base_path=base_dir)], None
    if model_name:
        path = os.path.join(base_dir, model_name)
        return [ModelEntry(name=model_name, base_path=path)], None
    return [], base_dir


def serve(base_dir=None, host="127.0.0.1", grpc_port=0, rest_port=0, model_name=None, model_config_file=None,
          poll_interval=1.0, max_request_bytes=DEFAULT_MAX_REQUEST_BYTES, warmup=True, max_workers=16,
          intra_op_threads=0) -> ModelServer:
    """Starts the local model server and returns it once the models found at start are loaded.

    Args:
        base_dir: `<base>/<name>/<version>/` (every model under it, new ones picked up as they appear) or one model's
            `<name>/<version>/` directory (served as `model_name` or the directory name).
        host: bind address; 127.0.0.1 by default (nothing outside the machine can reach it).
        grpc_port, rest_port: 0 picks a free port; `rest_port=None` turns REST off.
        model_config_file: a TF Serving `models.config` (instead of or on top of `base_dir`).
        poll_interval: seconds between checks for new versions (0: no hot reload).
        max_request_bytes: larger gRPC messages / REST bodies are refused with RESOURCE_EXHAUSTED.

    Example:
        >>> server = serve("/tmp/models")
        >>> client = PredictClient(server.grpc_address, "dcgan")
        >>> images = client.generate(latents=np.zeros((2, 100), np.float32))
        >>> server.stop()
    """
    entries, discover = [], None
    if model_config_file:
        entries = read_model_config(model_config_file)
    if base_dir is not None:
        more, discover = _entries_for(base_dir, model_name)
        known = {e.name for e in entries}
        entries += [e for e in more if e.name not in known]
    if not entries and discover is None:
        raise ValueError("serve() needs base_dir or model_config_file.")
    manager = ModelManager(entries, poll_interval=poll_interval, discover_dir=discover, warmup=warmup,
                           intra_op_threads=intra_op_threads)
    server = ModelServer(manager, host=host, grpc_port=grpc_port, rest_port=rest_port,
                         max_request_bytes=max_request_bytes, max_workers=max_workers)
    return server.start()


def wait_until_serving(address, model_name, timeout=30.0) -> bool:
    """Polls GetModelStatus until `model_name` has an AVAILABLE version (True) or `timeout` passes (False)."""
    from tfgan_zoo.serving.client import PredictClient

    deadline = time.monotonic() + timeout
    with PredictClient(address, model_name, timeout=5.0) as client:
        while time.monotonic() < deadline:
            try:
                if any(s["state"] == "AVAILABLE" for s in client.status()):
                    return True
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    return False


__all__ = ["serve", "ModelServer", "ServingCore", "wait_until_serving", "HTTP_STATUS"]
