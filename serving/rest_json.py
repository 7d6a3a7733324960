"""TF Serving's REST predict JSON formats, both directions.

Request (https://www.tensorflow.org/tfx/serving/api_rest):
  * row ("instances"): a list with one entry per example; each entry is the value of the single input, or an object
    `{input_name: value}` holding every input. Entries are stacked along a new batch dimension.
  * columnar ("inputs"): the value of the single input, or `{input_name: value}` with whole (batched) tensors.
Response: row requests get `{"predictions": ...}` (a list per example; objects when there are several outputs),
columnar ones `{"outputs": ...}` (a value, or an object when there are several outputs).
"""

from __future__ import annotations

import base64
import json

import numpy as np

from tfgan_zoo.export.graph_loader import InvalidInputError


def parse_body(body: bytes) -> dict:
    try:
        doc = json.loads(body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InvalidInputError(f"JSON Parse error: {e}") from None
    except RecursionError:
        raise InvalidInputError("JSON Parse error: the document is nested too deeply; tensors have at most a few "
                                "dimensions.") from None
    if not isinstance(doc, dict):
        raise InvalidInputError("JSON Value: the request body must be a JSON object, got " f"{type(doc).__name__}.")
    return doc


def _decode_b64(value):
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [_decode_b64(v) for v in value]
    return value


def to_array(value, dtype, name) -> np.ndarray:
    """A JSON value as an array of the signature's dtype; refuses lossy conversions (1.5 for an int input)."""
    dtype = np.dtype(dtype)
    if dtype.kind in ("S", "O", "U"):
        return np.asarray(_decode_b64(value), dtype=object)
    try:
        raw = np.asarray(value)
    except RecursionError:
        raise InvalidInputError(f"Input '{name}': the JSON value is nested too deeply.") from None
    except ValueError as e:  # ragged lists
        raise InvalidInputError(f"Input '{name}': the JSON value is not a rectangular tensor ({e}).") from None
    if raw.dtype == object:
        raise InvalidInputError(f"Input '{name}': the JSON value is not a rectangular tensor of numbers.")
    if raw.dtype.kind in ("U", "S"):
        raise InvalidInputError(f"Input '{name}' expects {dtype.name} values but the JSON holds strings.")
    if dtype.kind in ("i", "u"):
        if raw.dtype.kind == "f":
            if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
                raise InvalidInputError(f"Input '{name}' expects {dtype.name} values but the JSON holds non-integers.")
        if raw.size:
            info = np.iinfo(dtype)
            if raw.min() < info.min or raw.max() > info.max:
                raise InvalidInputError(f"Input '{name}': value out of range for {dtype.name}.")
    if dtype.kind == "b" and raw.dtype.kind != "b":
        raise InvalidInputError(f"Input '{name}' expects booleans.")
    return raw.astype(dtype)


def request_to_inputs(doc: dict, input_specs: dict):
    """Turns a predict request document into `({name: array}, format)`; format is "row" or "columnar".

    Args:
        input_specs: {input name: (numpy dtype, dims)} of the requested signature.
    """
    has_rows, has_cols = "instances" in doc, "inputs" in doc
    if has_rows == has_cols:
        raise InvalidInputError(
            "Missing 'inputs' or 'instances' key" if not has_rows
            else "Not formatted correctly expecting only one of 'inputs' or 'instances' keys exists"
        )
    names = sorted(input_specs)
    if has_cols:
        value = doc["inputs"]
        if isinstance(value, dict) and set(value) != {"b64"}:
            named = value
        else:
            if len(names) != 1:
                raise InvalidInputError(
                    f"The signature takes several inputs {names}: 'inputs' must be an object naming each of them."
                )
            named = {names[0]: value}
        _check_names(named, names)
        return {k: to_array(v, input_specs[k][0], k) for k, v in named.items()}, "columnar"
    rows = doc["instances"]
    if not isinstance(rows, list) or not rows:
        raise InvalidInputError("'instances' must be a non-empty list with one entry per example.")
    columns = {n: [] for n in names}
    for i, row in enumerate(rows):
        if isinstance(row, dict) and not (len(names) == 1 and set(row) == {"b64"}):
            _check_names(row, names, where=f"instances[{i}]")
            for n in names:
                columns[n].append(row[n])
        else:
            if len(names) != 1:
                raise InvalidInputError(
                    f"instances[{i}] must be an object with the inputs {names} of this signature."
                )
            columns[names[0]].append(row)
    return {k: to_array(v, input_specs[k][0], k) for k, v in columns.items()}, "row"


def _check_names(named, names, where="inputs"):
    extra, missing = sorted(set(named) - set(names)), sorted(set(names) - set(named))
    if extra or missing:
        parts = ([f"unknown input(s) {extra}"] if extra else []) + ([f"missing input(s) {missing}"] if missing else [])
        raise InvalidInputError(f"{where}: the signature takes inputs {names}: {' and '.join(parts)}.")


def _jsonable(array):
    array = np.asarray(array)
    if array.dtype.kind in ("S", "O"):
        return [_jsonable(x) for x in array] if array.ndim else {"b64": base64.b64encode(bytes(array.item())).decode()}
    return array.tolist()


def outputs_to_body(outputs: dict, fmt: str) -> bytes:
    if fmt == "row":
        names = sorted(outputs)
        sizes = {np.asarray(outputs[n]).shape[0] if np.ndim(outputs[n]) else None for n in names}
        if len(names) == 1:
            doc = {"predictions": _jsonable(outputs[names[0]])}
        else:
            if None in sizes or len(sizes) != 1:
                raise InvalidInputError(
                    "Output tensors do not share a batch dimension, so they cannot be returned in the row format; "
                    "use the columnar format ('inputs')."
                )
            n = sizes.pop()
            cols = {k: _jsonable(v) for k, v in outputs.items()}
            doc = {"predictions": [{k: cols[k][i] for k in names} for i in range(n)]}
    else:
        if len(outputs) == 1:
            doc = {"outputs": _jsonable(next(iter(outputs.values())))}
        else:
            doc = {"outputs": {k: _jsonable(v) for k, v in outputs.items()}}
    return json.dumps(doc, allow_nan=True, separators=(",", ":")).encode("utf-8")

