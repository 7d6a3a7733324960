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

Hardening beyond TF Serving's defaults: per-request limits checked before any work (`max_images_per_request`: the
batch dimension of every input and the `num_images` of `sample` signatures, INVALID_ARGUMENT; `max_response_bytes`:
the size of the answer computed from the output signature, RESOURCE_EXHAUSTED; a decoded TensorProto larger than
`max_request_bytes` or with a negative dimension is refused), memory handed back to the OS after large answers,
REST read timeouts (a stalled request body gets 408 after `rest_read_timeout` s), and JSON nested too deeply for
the parser answered 400. Server-side batching (`serving/batching.py`) follows `--enable_batching`.
What it does not do: classify/regress/multi-inference, TFRT, model-config reload over RPC, monitoring.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import dataclasses
import functools
import http.server
import json
import os
import re
import socketserver
import sys
import threading
import time
import urllib.parse

import grpc
import numpy as np
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
from tfgan_zoo.serving.batching import BatchingParameters, BatchingScheduler, read_batching_parameters
from tfgan_zoo.serving.config import ModelEntry, read_model_config
from tfgan_zoo.serving.manager import DEFAULT_LOAD_RETRY_INTERVAL, DEFAULT_MAX_LOAD_RETRY_INTERVAL, ModelManager

DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_IMAGES_PER_REQUEST = 4096
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
DEFAULT_REST_READ_TIMEOUT = 30.0
#: answers at least this large make the server hand freed memory back to the OS shortly after
_TRIM_AFTER_BYTES = 16 * 1024 * 1024
#: how much of an oversized REST body is read (and dropped) so the client gets the 429 rather than a broken pipe
_DRAIN_BYTES = 16 * 1024 * 1024

HTTP_STATUS = {  # TF Serving's ToHTTPStatusCode (model_servers/http_server.cc)
    "OK": 200, "CANCELLED": 499, "UNKNOWN": 500, "INVALID_ARGUMENT": 400, "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404, "ALREADY_EXISTS": 409, "PERMISSION_DENIED": 403, "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400, "ABORTED": 409, "OUT_OF_RANGE": 400, "UNIMPLEMENTED": 501, "INTERNAL": 500,
    "UNAVAILABLE": 503, "DATA_LOSS": 500, "UNAUTHENTICATED": 401,
}


class LimitError(ServingError):
    """A request over one of the server's per-request limits; `http_status` is the REST answer."""

    def __init__(self, message, code, http_status):
        super().__init__(message, code=code)
        self.http_status = http_status


@dataclasses.dataclass
class RequestLimits:
    """Per-request limits, checked before a request runs.

    Attributes:
        max_images_per_request: the largest batch dimension of any input, and the largest `num_images` of a `sample`
            signature (`--max_images_per_request`); over it: INVALID_ARGUMENT (REST 400).
        max_response_bytes: the largest answer, computed from the output signature and the request's batch size
            (`--max_response_bytes`); over it: RESOURCE_EXHAUSTED (REST 413).
    """

    max_images_per_request: int = DEFAULT_MAX_IMAGES_PER_REQUEST
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def __post_init__(self):
        for name in ("max_images_per_request", "max_response_bytes"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")
            setattr(self, name, int(getattr(self, name)))

    def check(self, model, signature, inputs, output_filter=None) -> int:
        """Raises `LimitError` for a request over a limit; returns the estimated answer size in bytes."""
        specs = model.input_specs(signature)
        n = 0
        for key, value in inputs.items():
            value = np.asarray(value)
            dims = specs.get(key, (None, None))[1]
            if value.ndim == 0 and key == "num_images" and value.dtype.kind in "iu":
                count = int(value)
                if count < 0:
                    raise InvalidInputError(f"num_images must be >= 0, got {count}.")
                n = max(n, count)
            elif value.ndim >= 1 and dims and dims[0] == -1:
                n = max(n, int(value.shape[0]))
        if n > self.max_images_per_request:
            raise LimitError(f"The request asks for {n} images; this server answers at most "
                             f"{self.max_images_per_request} per request (--max_images_per_request). Split it into "
                             "smaller requests or restart the server with a larger --max_images_per_request.",
                             "INVALID_ARGUMENT", 400)
        total = 0
        for key, (dtype, dims) in model.output_specs(signature).items():
            if output_filter and key not in output_filter:
                continue
            itemsize = np.dtype(dtype).itemsize if np.dtype(dtype).kind not in "OSU" else 1
            size = itemsize
            for i, d in enumerate(dims or ()):
                size *= (max(n, 1) if i == 0 else 1) if d < 0 else d
            total += size
        if total > self.max_response_bytes:
            raise LimitError(f"The answer to this request would take about {total} bytes, more than this server's "
                             f"limit of {self.max_response_bytes} bytes per answer (--max_response_bytes). Ask for "
                             "fewer images per request or restart the server with a larger --max_response_bytes.",
                             "RESOURCE_EXHAUSTED", 413)
        return total


class _MemoryTrimmer:
    """Hands freed heap memory back to the OS (glibc `malloc_trim`) shortly after a large answer, so one big request
    does not leave the server's resident memory high. A no-op where malloc_trim does not exist."""

    def __init__(self):
        try:
            self._trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            self._trim = None
        self._wake = threading.Event()
        self._thread = None
        self._lock = threading.Lock()
        self.trims = 0

    def request(self):
        if self._trim is None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="tfgan-zoo-malloc-trim", daemon=True)
                self._thread.start()
        self._wake.set()

    def _loop(self):
        while True:
            self._wake.wait()
            self._wake.clear()
            for delay in (0.5, 2.0):  # after the answer has been serialized and sent, and once more later
                time.sleep(delay)
                self._trim(0)
                self.trims += 1


# ----------------------------------------------------------------------------------------------- shared logic
class ServingCore:
    """What the gRPC and REST front ends share: requests in, numpy out, `ServingError` on failure."""

    def __init__(self, manager: ModelManager, limits: RequestLimits | None = None,
                 batching: BatchingParameters | None = None):
        self.manager = manager
        self.limits = limits or RequestLimits()
        self.batching = BatchingScheduler(batching) if batching is not None else None
        self.request_count = 0
        self._count_lock = threading.Lock()
        self._trimmer = _MemoryTrimmer()

    def predict(self, name, version, label, signature, inputs, output_filter=None):
        """Returns (outputs dict, served version, signature name)."""
        if not name:
            raise ServingError("Missing model name in request.", code="INVALID_ARGUMENT")
        signature = signature or DEFAULT_SIGNATURE
        inputs = {k: np.asarray(v) for k, v in inputs.items()}
        with self.manager.acquire(name, version, label) as sv:
            sv.model.validate(signature, inputs, output_filter)
            answer_bytes = self.limits.check(sv.model, signature, inputs, output_filter)
            if self.batching is not None:
                outputs = self.batching.run(sv, signature, inputs, output_filter)
            else:
                outputs = sv.model.run(signature, inputs, output_filter, validate=False)
            served = sv.version
        with self._count_lock:
            self.request_count += 1
        if answer_bytes >= _TRIM_AFTER_BYTES:
            self._trimmer.request()
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


def _check_tensor_proto(key, proto, max_bytes):
    """Refuses, before decoding, a TensorProto with a negative or unknown dimension (tf.make_ndarray would silently
    infer one) or one that would decode to more than `max_bytes` (a single `float_val` broadcast to a huge shape)."""
    if proto.tensor_shape.unknown_rank:
        raise InvalidInputError(f"Input '{key}': the TensorProto has an unknown rank; send a fully defined shape.")
    dims = [d.size for d in proto.tensor_shape.dim]
    if any(d < 0 for d in dims):
        raise InvalidInputError(f"Input '{key}': the TensorProto has a negative dimension in its shape {dims}; "
                                "every dimension must be >= 0.")
    try:
        itemsize = tf.dtypes.as_dtype(proto.dtype).size
    except TypeError:
        itemsize = 1
    count = 1
    for d in dims:
        count *= d
    if count * max(itemsize, 1) > max_bytes:
        raise LimitError(f"Input '{key}' of shape {dims} would decode to {count * max(itemsize, 1)} bytes, more than "
                         f"the server's limit of {max_bytes} bytes per request (--max_request_bytes).",
                         "RESOURCE_EXHAUSTED", 413)


class _PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, core: ServingCore, max_request_bytes=DEFAULT_MAX_REQUEST_BYTES):
        self.core = core
        self.max_request_bytes = int(max_request_bytes)

    @_rpc
    def Predict(self, request, context):
        version, label = _version_of(request.model_spec)
        for key, proto in request.inputs.items():
            _check_tensor_proto(key, proto, self.max_request_bytes)
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

    def setup(self):
        self.timeout = self.server.read_timeout  # socket timeout: a stalled client cannot hold a thread forever
        super().setup()

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
        self._reply(getattr(e, "http_status", None) or HTTP_STATUS.get(e.code, 500), body)

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
        if not n:
            return b""
        chunks, remaining = [], n
        try:
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        except TimeoutError:
            self.close_connection = True
            got = n - remaining
            raise LimitError(f"Timed out after {self.server.read_timeout:g} s reading the request body ({got} "
                             f"of {n} bytes received). Send the whole body promptly, or raise the server's "
                             "--rest_read_timeout_seconds.", "DEADLINE_EXCEEDED", 408) from None
        if remaining:
            self.close_connection = True
            raise InvalidInputError(f"The request body ended after {n - remaining} of the {n} bytes its "
                                    "Content-Length announced.")
        return b"".join(chunks)

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
        except RecursionError:
            self._error(InvalidInputError("The JSON request is nested too deeply; tensors have at most a few "
                                          "dimensions."))
        except Exception as e:  # noqa: BLE001
            logging.exception("REST POST failed")
            self._error(ServingError(f"Internal error: {e}", code="INTERNAL"))


class _RestServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):  # the client went away or stalled
            logging.debug("REST connection from %s dropped: %s", client_address, sys.exc_info()[1])
            return
        super().handle_error(request, client_address)


# ----------------------------------------------------------------------------------------------- the server
class ModelServer:
    """A running local model server; `stop()` shuts it down cleanly (it is also a context manager).

    Attributes:
        grpc_address: "host:port" for `grpc.insecure_channel` / `PredictClient`.
        rest_address: "host:port" of the REST API (None when REST is off); `rest_url` is "http://host:port".
        manager: the `ModelManager` (versions, states).
        core: the `ServingCore`; `core.batching.stats()` counts merged batches when batching is on.
    """

    def __init__(self, manager: ModelManager, host="127.0.0.1", grpc_port=0, rest_port=0,
                 max_request_bytes=DEFAULT_MAX_REQUEST_BYTES, max_workers=16, limits: RequestLimits | None = None,
                 batching: BatchingParameters | None = None, rest_read_timeout=DEFAULT_REST_READ_TIMEOUT):
        if rest_read_timeout is not None and rest_read_timeout <= 0:
            raise ValueError(f"rest_read_timeout must be > 0 seconds (or None for none), got {rest_read_timeout}.")
        self.manager = manager
        self.core = ServingCore(manager, limits=limits, batching=batching)
        self.rest_read_timeout = rest_read_timeout
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
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
            _PredictionServicer(self.core, self.max_request_bytes), self._grpc)
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
            self._rest.read_timeout = self.rest_read_timeout
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
          intra_op_threads=0, max_images_per_request=DEFAULT_MAX_IMAGES_PER_REQUEST,
          max_response_bytes=DEFAULT_MAX_RESPONSE_BYTES, rest_read_timeout=DEFAULT_REST_READ_TIMEOUT,
          batching=None, load_retry_interval=DEFAULT_LOAD_RETRY_INTERVAL,
          max_load_retry_interval=DEFAULT_MAX_LOAD_RETRY_INTERVAL) -> ModelServer:
    """Starts the local model server and returns it once the models found at start are loaded.

    Args:
        base_dir: `<base>/<name>/<version>/` (every model under it, new ones picked up as they appear) or one model's
            `<name>/<version>/` directory (served as `model_name` or the directory name).
        host: bind address; 127.0.0.1 by default (nothing outside the machine can reach it).
        grpc_port, rest_port: 0 picks a free port; `rest_port=None` turns REST off.
        model_config_file: a TF Serving `models.config` (instead of or on top of `base_dir`).
        poll_interval: seconds between checks for new versions (0: no hot reload).
        max_request_bytes: larger gRPC messages / REST bodies are refused with RESOURCE_EXHAUSTED.
        max_images_per_request, max_response_bytes: per-request limits (`RequestLimits`), checked before any work.
        rest_read_timeout: seconds a REST connection may stall while the server reads from it (None: forever).
        batching: `BatchingParameters` (or the path of a batching parameters file) to merge concurrent requests;
            None: no batching.
        load_retry_interval, max_load_retry_interval: backoff of failed version loads (`ModelManager`).

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
    if batching is not None and not isinstance(batching, BatchingParameters):
        batching = read_batching_parameters(batching)
    limits = RequestLimits(max_images_per_request, max_response_bytes)
    manager = ModelManager(entries, poll_interval=poll_interval, discover_dir=discover, warmup=warmup,
                           intra_op_threads=intra_op_threads, load_retry_interval=load_retry_interval,
                           max_load_retry_interval=max_load_retry_interval)
    server = ModelServer(manager, host=host, grpc_port=grpc_port, rest_port=rest_port,
                         max_request_bytes=max_request_bytes, max_workers=max_workers, limits=limits,
                         batching=batching, rest_read_timeout=rest_read_timeout)
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


__all__ = ["serve", "ModelServer", "ServingCore", "RequestLimits", "LimitError", "wait_until_serving", "HTTP_STATUS"]
