"""Running a SavedModel the way TF Serving does: the TF1 graph loader (MetaGraph + checkpoint in a Session).

`tf.saved_model.load` can succeed on a SavedModel that TF Serving's C++ `SavedModelBundle` cannot load (variables that
are captured by a signature but not tracked; docs/FRAMEWORK_NOTES.md#savedmodel-captured-variables).
`GraphSavedModel` loads through `tf.compat.v1.saved_model.loader.load`, the same MetaGraph + variables path, so a test
or the local server that uses it catches that class of bug. It also validates requests against the SignatureDef the
way TF Serving does (strict dtypes, known dimensions), with messages that name the input, the signature and what was
expected.
"""

from __future__ import annotations

import contextlib
import os
import threading

import numpy as np
import tensorflow as tf

DEFAULT_SIGNATURE = "serving_default"


class ServingError(Exception):
    """A request a servable cannot answer; `code` is the gRPC status code name TF Serving uses for it."""

    code = "UNKNOWN"

    def __init__(self, message, code=None):
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self):
        return str(self.args[0]) if self.args else ""


class InvalidInputError(ServingError):
    code = "INVALID_ARGUMENT"


class SignatureNotFoundError(ServingError):
    # TF Serving's Predict answers FAILED_PRECONDITION for an unknown signature key (predict_util.cc).
    code = "FAILED_PRECONDITION"


def _quiet_deprecation():
    """The TF1 loader is deprecated in favour of tf.saved_model.load, but it is the point here: do not log that."""
    try:
        from tensorflow.python.util import deprecation

        return deprecation.silence()
    except (ImportError, AttributeError):
        return contextlib.nullcontext()


def _dims(tensor_info):
    if tensor_info.tensor_shape.unknown_rank:
        return None
    return [int(d.size) for d in tensor_info.tensor_shape.dim]


def _fmt_shape(dims):
    return "[" + ", ".join(str(d) for d in dims) + "]" if dims is not None else "<unknown rank>"


class GraphSavedModel:
    """A SavedModel loaded with the TF1 graph loader, runnable by signature name.

    Example:
        >>> sm = GraphSavedModel("/tmp/models/dcgan/1")
        >>> sm.run("serving_default", {"latents": np.zeros((2, 100), np.float32)})["images"].shape
        (2, 16, 16, 3)
    """

    def __init__(self, path, tags=("serve",), intra_op_threads=0, inter_op_threads=0):
        self.path = os.fspath(path)
        self.graph = tf.Graph()
        config = tf.compat.v1.ConfigProto(
            intra_op_parallelism_threads=intra_op_threads, inter_op_parallelism_threads=inter_op_threads
        )
        self.session = tf.compat.v1.Session(graph=self.graph, config=config)
        try:
            with self.graph.as_default(), _quiet_deprecation():
                self.meta_graph = tf.compat.v1.saved_model.loader.load(self.session, list(tags), self.path)
        except Exception:
            self.session.close()
            raise
        self.signature_defs = dict(self.meta_graph.signature_def)
        self._lock = threading.Lock()
        self._closed = False

    # ------------------------------------------------------------------------------------------- introspection
    @property
    def signature_names(self):
        """The serving signatures (without the internal `__saved_model_init_op`)."""
        return sorted(k for k in self.signature_defs if not k.startswith("__"))

    def signature(self, name=None):
        name = name or DEFAULT_SIGNATURE
        if name not in self.signature_defs:
            raise SignatureNotFoundError(
                f'Serving signature key "{name}" not found. Available signatures: {", ".join(self.signature_names)}.'
            )
        return self.signature_defs[name]

    def input_specs(self, signature=None) -> dict:
        """{input name: (numpy dtype, dims with -1 for unknown, None for unknown rank)}."""
        sig = self.signature(signature)
        return {k: (tf.dtypes.as_dtype(v.dtype).as_numpy_dtype, _dims(v)) for k, v in sig.inputs.items()}

    def output_specs(self, signature=None) -> dict:
        sig = self.signature(signature)
        return {k: (tf.dtypes.as_dtype(v.dtype).as_numpy_dtype, _dims(v)) for k, v in sig.outputs.items()}

    # ------------------------------------------------------------------------------------------- validation
    def validate(self, signature, inputs: dict, output_filter=None):
        """Checks a request against the SignatureDef; raises `InvalidInputError` / `SignatureNotFoundError`."""
        name = signature or DEFAULT_SIGNATURE
        sig = self.signature(name)
        expected = set(sig.inputs)
        given = set(inputs)
        if given != expected:
            extra, missing = sorted(given - expected), sorted(expected - given)
            parts = []
            if extra:
                parts.append(f"unknown input(s) {extra}")
            if missing:
                parts.append(f"missing input(s) {missing}")
            raise InvalidInputError(
                f"Signature '{name}' takes inputs {sorted(expected)}: {' and '.join(parts)}."
            )
        for key, value in inputs.items():
            info = sig.inputs[key]
            want = tf.dtypes.as_dtype(info.dtype)
            value = np.asarray(value)
            try:
                got = tf.dtypes.as_dtype(value.dtype)
            except TypeError:
                got = None
            if got != want:
                raise InvalidInputError(
                    f"Input '{key}' of signature '{name}' expects dtype {want.name} but got "
                    f"{got.name if got is not None else value.dtype}."
                )
            dims = _dims(info)
            if dims is None:
                continue
            if value.ndim != len(dims) or any(d >= 0 and d != s for d, s in zip(dims, value.shape)):
                raise InvalidInputError(
                    f"Input '{key}' of signature '{name}' expects shape {_fmt_shape(dims)} (-1 = any) but got "
                    f"{_fmt_shape(list(value.shape))}."
                )
        if output_filter:
            seen = set()
            for alias in output_filter:
                if alias not in sig.outputs:
                    raise InvalidInputError(
                        f"output tensor alias not found in signature: {alias} Outputs expected to be in the set "
                        f"{{{','.join(sorted(sig.outputs))}}}."
                    )
                if alias in seen:
                    raise InvalidInputError(f"duplicate output tensor alias: {alias}")
                seen.add(alias)

    # ------------------------------------------------------------------------------------------- running
    def run(self, signature=None, inputs=None, output_filter=None, validate=True) -> dict:
        """Runs `signature` on `{input name: array}`; returns `{output name: numpy array}`.

        TensorFlow runtime errors (e.g. inconsistent batch sizes between inputs) are raised as `ServingError` with
        the matching gRPC code name.
        """
        name = signature or DEFAULT_SIGNATURE
        inputs = {k: np.asarray(v) for k, v in (inputs or {}).items()}
        if validate:
            self.validate(name, inputs, output_filter)
        sig = self.signature(name)
        aliases = list(output_filter) if output_filter else sorted(sig.outputs)
        fetches = {a: sig.outputs[a].name for a in aliases}
        feeds = {sig.inputs[k].name: v for k, v in inputs.items()}
        if self._closed:
            raise ServingError(f"The SavedModel at {self.path} has been unloaded.", code="UNAVAILABLE")
        try:
            return self.session.run(fetches, feeds)
        except tf.errors.OpError as e:
            raise ServingError(e.message, code=_code_name(e.error_code)) from None

    def close(self):
        with self._lock:
            if not self._closed:
                self._closed = True
                self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_CODE_NAMES = {
    1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
    6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION", 10: "ABORTED",
    11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE", 15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}


def _code_name(code) -> str:
    return _CODE_NAMES.get(int(code), "UNKNOWN")


def run_graph_loader(path, signature=DEFAULT_SIGNATURE, inputs=None) -> dict:
    """Loads `path` with the TF1 graph loader, runs one signature and closes the session."""
    with GraphSavedModel(path) as sm:
        return sm.run(signature, inputs)
