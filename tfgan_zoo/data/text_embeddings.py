"""Pre-computed text embeddings: `.npy` files and the official char-CNN-RNN pickles, read without running pickled code.

StackGAN's and Reed et al.'s data releases (CUB-200-2011, Oxford-102, MS-COCO) ship each split's caption embeddings
as `char-CNN-RNN-embeddings.pickle`: a pickled numpy array `[N, captions, 1024]` (CUB 10 captions, COCO 5; some
releases pickle a list of per-image `[captions, 1024]` arrays), written by Python 2, so the official loaders call
`pickle.load(f, encoding="latin1")` — which would run any code a tampered file names. `load_embeddings` reads them
with an unpickler that knows only how numpy arrays and dtypes are rebuilt (`numpy.core.multiarray._reconstruct`,
`numpy.dtype`, `numpy.core.multiarray.scalar` and `_codecs.encode` for Python 3 protocol-2 bytes), rebuilds them
itself with `np.frombuffer`, and refuses every other global; nothing from the file is executed.

>>> import io, pickle
>>> arr = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
>>> load_embeddings(io.BytesIO(pickle.dumps(arr, protocol=2))).tolist()
[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]]
"""

from __future__ import annotations

import os
import pickle

import numpy as np


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a global that an array of embeddings never needs."""


class _Marker:
    def __init__(self, name):
        self.name = name


_NDARRAY = _Marker("ndarray")


class _DtypeStub:
    def __init__(self, name, align=False, copy=True):
        if not isinstance(name, str):
            raise UnsafePickleError(f"a numpy dtype from {name!r}: only plain dtype names are allowed.")
        self.name, self.order = name, "="

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) > 1 and state[1] in ("<", ">", "|", "="):
            self.order = state[1]
        if isinstance(state, tuple) and len(state) > 3 and state[3] is not None:
            raise UnsafePickleError("structured (record) dtypes are not embeddings; refusing.")

    def dtype(self):
        dtype = np.dtype(self.name)
        if dtype.kind == "O":
            raise UnsafePickleError("object arrays are not embeddings; refusing.")
        return dtype.newbyteorder(self.order) if self.order in "<>" else dtype


class _ArrayStub:
    def __init__(self, cls=None, shape=(0,), typecode=b"b"):
        if cls is not _NDARRAY:
            raise UnsafePickleError(f"_reconstruct of {cls!r}: only numpy.ndarray is allowed.")
        self.array = None

    def __setstate__(self, state):
        _version, shape, dtype, fortran, raw = state if len(state) == 5 else (None, *state)
        if not isinstance(dtype, _DtypeStub):
            raise UnsafePickleError("an array without a plain dtype.")
        if isinstance(raw, str):  # Python 2's str, read as latin-1
            raw = raw.encode("latin1")
        if not isinstance(raw, (bytes, bytearray)):
            raise UnsafePickleError("an array whose data are not raw bytes (object arrays are refused).")
        array = np.frombuffer(bytes(raw), dtype=dtype.dtype())
        self.array = array.reshape(tuple(shape), order="F" if fortran else "C").copy()


def _scalar(dtype, raw):
    if not isinstance(dtype, _DtypeStub):
        raise UnsafePickleError("a numpy scalar without a plain dtype.")
    raw = raw.encode("latin1") if isinstance(raw, str) else raw
    return np.frombuffer(bytes(raw), dtype=dtype.dtype())[0]


def _encode(text, encoding="latin1"):
    if encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError(f"_codecs.encode with {encoding!r}: only latin1 (protocol-2 bytes) is allowed.")
    return text.encode("latin1")


class EmbeddingUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays (and lists / tuples / dicts of them) and nothing else."""

    ALLOWED = {}
    for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        ALLOWED[(_module, "_reconstruct")] = _ArrayStub
        ALLOWED[(_module, "scalar")] = _scalar
    ALLOWED[("numpy", "ndarray")] = _NDARRAY
    ALLOWED[("numpy", "dtype")] = _DtypeStub
    ALLOWED[("_codecs", "encode")] = _encode

    def __init__(self, file, source="embeddings"):
        super().__init__(file, encoding="latin1")
        self._source = source

    def find_class(self, module, name):
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"{self._source} refers to the global {module}.{name}, which a file of embedding arrays never needs; "
                "refusing to load it (nothing was executed). Only numpy arrays are read; convert other files with "
                "np.save from code you trust."
            ) from None


def _finish(obj):
    if isinstance(obj, _ArrayStub):
        if obj.array is None:
            raise UnsafePickleError("an array whose state was never set.")
        return obj.array
    if isinstance(obj, list):
        return [_finish(o) for o in obj]
    if isinstance(obj, tuple):
        return tuple(_finish(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _finish(v) for k, v in obj.items()}
    if isinstance(obj, (_DtypeStub, _Marker)):
        raise UnsafePickleError("a bare numpy type where an array was expected.")
    return obj


def read_pickle(file, source=None):
    """The object of a pickle of numpy arrays (lists, tuples, dicts, numbers and strings around them)."""
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as f:
            return read_pickle(f, source or os.fspath(file))
    return _finish(EmbeddingUnpickler(file, source or "embeddings").load())


def load_embeddings(path) -> np.ndarray:
    """Caption embeddings `[N, captions, D]` float32 from a `.npy` file or an official `char-CNN-RNN-embeddings.pickle`
    (an array, or a list of per-image `[captions, D]` arrays of one caption count). `[N, D]` reads as one caption."""
    if isinstance(path, (str, os.PathLike)) and os.fspath(path).endswith(".npy"):
        data = np.load(path, allow_pickle=False)
    else:
        data = read_pickle(path)
        if isinstance(data, (list, tuple)):
            shapes = {np.shape(a) for a in data}
            if len(shapes) != 1:
                raise ValueError(f"{path}: per-image embeddings of different shapes {sorted(shapes)[:4]}; expected one "
                                 "[captions, D] shape for every image.")
            data = np.stack([np.asarray(a) for a in data])
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[:, None, :]
    if data.ndim != 3 or not np.issubdtype(data.dtype, np.floating):
        raise ValueError(f"{path}: expected float embeddings [N, captions, D] (or [N, D]); got {data.dtype} "
                         f"{data.shape}.")
    return data.astype(np.float32)
