"""Read PyTorch `.pth` state dicts into NumPy without torch and without running pickled code.

`torch.save(state_dict, path)` writes either

* the zip format (torch ≥ 1.6): a zip archive `<root>/data.pkl` (a pickle of the state dict whose tensors refer to
  storages by *persistent id* `('storage', StorageType, key, location, numel)`), `<root>/data/<key>` (each
  storage's raw little-endian bytes), `<root>/version` and optionally `<root>/byteorder`; or
* the legacy format (torch < 1.6, e.g. the 2017–2019 releases): five pickles in a row (magic number, protocol
  version, system info, the state dict, the list of storage keys) followed, for each key, by an 8-byte element
  count and the storage's raw bytes.

Both are read with `RestrictedUnpickler`, whose `find_class` admits only what a state dict of plain tensors needs
(`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` and its relatives, the `torch.*Storage` types) and
refuses every other global with `UnsafeCheckpointError` — so a checkpoint that would call `os.system`,
`builtins.eval`, `subprocess.Popen`, or rebuild a pickled `nn.Module`, is rejected before anything runs. The
allowed "functions" are NumPy re-implementations here, never torch's.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np

#: torch storage type name → NumPy dtype ('bfloat16' is widened to float32 after reading).
STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16",
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class UnsafeCheckpointError(pickle.UnpicklingError):
    """The checkpoint's pickle refers to something a plain state dict never contains."""


class _StorageType:
    """Stands in for `torch.FloatStorage` & co. inside the pickle: only its dtype matters."""

    def __init__(self, name):
        self.name = name
        self.dtype = STORAGE_DTYPES[name]

    def __repr__(self):
        return f"torch.{self.name}"


def _as_numpy(raw: bytes, dtype, byteorder: str = "little") -> np.ndarray:
    if dtype == "bfloat16":
        halves = np.frombuffer(raw, dtype="<u2" if byteorder == "little" else ">u2").astype(np.uint32)
        return (halves << 16).view(np.float32)
    dt = np.dtype(dtype).newbyteorder("<" if byteorder == "little" else ">")
    return np.frombuffer(raw, dtype=dt).astype(np.dtype(dtype), copy=False)


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    """`torch._utils._rebuild_tensor(_v2)`: a strided view of a storage, copied into a NumPy array."""
    if not isinstance(storage, np.ndarray):
        raise UnsafeCheckpointError(f"A tensor was rebuilt from {type(storage).__name__}, not from a storage.")
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise UnsafeCheckpointError(f"Tensor size {size} and stride {stride} disagree.")
    if any(s < 0 for s in size + stride) or storage_offset < 0:
        raise UnsafeCheckpointError(f"Negative size/stride/offset in a tensor: {size}, {stride}, {storage_offset}.")
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else storage_offset - 1
    if last >= len(storage):
        raise UnsafeCheckpointError(
            f"A tensor of size {size}, stride {stride}, offset {storage_offset} reads past its storage of "
            f"{len(storage)} elements; the checkpoint is corrupt."
        )
    if not all(size):
        return np.zeros(size, storage.dtype)
    if not size:  # a 0-d tensor (e.g. BatchNorm's num_batches_tracked)
        return np.array(storage[storage_offset])
    view = np.lib.stride_tricks.as_strided(
        storage[storage_offset:], shape=size, strides=tuple(s * storage.itemsize for s in stride), writeable=False
    )
    return np.array(view)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_ignored):
    return data


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles a state dict of tensors; any global outside `ALLOWED` raises `UnsafeCheckpointError`.

    Args:
        file: the pickle stream.
        storages: `load_storage(storage_type, key, numel) -> np.ndarray` for persistent ids.
        source: a name for error messages.
    """

    ALLOWED = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        **{("torch", name): _StorageType(name) for name in STORAGE_DTYPES},
    }

    def __init__(self, file, storages, source="checkpoint"):
        super().__init__(file)
        self._storages = storages
        self._source = source

    def find_class(self, module, name):
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in self.ALLOWED if not n.endswith("Storage"))
            raise UnsafeCheckpointError(
                f"{self._source} refers to the global {module}.{name}, which a state dict of tensors never needs; "
                f"refusing to load it (only {allowed} and torch.*Storage types are allowed, and nothing is "
                "executed). If it is a whole pickled model (torch.save(model)), re-save it in PyTorch with "
                "torch.save(model.state_dict(), path) from code you trust."
            ) from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise UnsafeCheckpointError(
                f"{self._source}: unexpected persistent id {pid!r} (expected a tensor storage).")
        storage_type, key, _location, numel = pid[1:5]
        if not isinstance(storage_type, _StorageType):
            raise UnsafeCheckpointError(f"{self._source}: storage of unknown type {storage_type!r}.")
        if self._storages is None:
            raise UnsafeCheckpointError(f"{self._source}: a tensor storage where none may appear.")
        view = pid[5] if len(pid) > 5 else None
        storage = self._storages(storage_type, str(key), int(numel))
        if view is not None:  # legacy format: (view_key, offset, view_size) into the root storage
            _view_key, offset, view_size = view
            storage = storage[int(offset): int(offset) + int(view_size)]
        return storage


def _check_state_dict(obj, source):
    if not isinstance(obj, dict):
        raise ValueError(f"{source} holds a {type(obj).__name__}, not a state dict (a mapping of names to tensors).")
    out = collections.OrderedDict()
    for k, v in obj.items():
        if isinstance(v, dict) and k in ("state_dict", "model", "netG", "generator"):
            raise ValueError(
                f"{source} holds a training checkpoint with an entry {k!r}; extract the generator's state dict "
                f"(e.g. torch.save(ckpt[{k!r}], path)) and convert that."
            )
        if not isinstance(v, np.ndarray):
            raise ValueError(f"{source}: entry {k!r} is a {type(v).__name__}, not a tensor.")
        out[str(k)] = v
    return out


def _load_zip(path: Path, extra_allowed=None) -> dict:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise ValueError(f"{path} is a zip file but not a torch checkpoint (no <root>/data.pkl).")
        root = pkl[0][: -len("data.pkl")]
        byteorder = "little"
        if f"{root}byteorder" in names:
            byteorder = zf.read(f"{root}byteorder").decode().strip()
        cache: dict[str, np.ndarray] = {}

        def storages(storage_type, key, numel):
            if key not in cache:
                name = f"{root}data/{key}"
                if name not in names:
                    raise ValueError(f"{path}: storage {key!r} is missing from the archive.")
                cache[key] = _as_numpy(zf.read(name), storage_type.dtype, byteorder)
            return cache[key]

        unpickler = RestrictedUnpickler(io.BytesIO(zf.read(pkl[0])), storages, str(path))
        if extra_allowed:
            unpickler.ALLOWED = {**unpickler.ALLOWED, **extra_allowed}
        obj = unpickler.load()
    return obj


class _LegacyUnpickler(RestrictedUnpickler):
    """The legacy format's state-dict pickle: storages come after it, so tensors are rebuilt in a second pass."""

    def __init__(self, file, source):
        super().__init__(file, None, source)
        self.wanted: dict[str, _StorageType] = {}
        self.pending: list[tuple] = []
        self.ALLOWED = {**RestrictedUnpickler.ALLOWED, ("torch._utils", "_rebuild_tensor_v2"): self._defer,
                        ("torch._utils", "_rebuild_tensor"): self._defer}

    def _defer(self, storage, offset, size, stride, *_ignored):
        self.pending.append((storage, int(offset), tuple(size), tuple(stride)))
        return _Deferred(len(self.pending) - 1)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise UnsafeCheckpointError(
                f"{self._source}: unexpected persistent id {pid!r} (expected a tensor storage).")
        storage_type, key = pid[1], str(pid[2])
        if not isinstance(storage_type, _StorageType):
            raise UnsafeCheckpointError(f"{self._source}: storage of unknown type {storage_type!r}.")
        self.wanted.setdefault(key, storage_type)
        view = pid[5] if len(pid) > 5 else None
        return (key, None if view is None else (int(view[1]), int(view[2])))


class _Deferred(int):
    """Index of a tensor whose storage bytes follow the pickle (legacy format)."""


def _load_legacy(path: Path, extra_allowed=None) -> dict:
    f = io.BytesIO(path.read_bytes())

    def plain_pickle():  # magic number, protocol version, sys info, storage keys: no globals allowed at all
        unpickler = RestrictedUnpickler(f, None, str(path))
        unpickler.ALLOWED = {}
        return unpickler.load()

    try:
        magic = plain_pickle()
    except (pickle.UnpicklingError, EOFError, ValueError) as e:
        if isinstance(e, UnsafeCheckpointError):
            raise
        raise ValueError(f"{path} is not a torch checkpoint (neither the zip nor the legacy format).") from None
    if magic != LEGACY_MAGIC:
        raise ValueError(f"{path} is not a torch checkpoint (neither the zip nor the legacy format).")
    plain_pickle()  # protocol version
    plain_pickle()  # sys info
    unpickler = _LegacyUnpickler(f, str(path))
    if extra_allowed:
        unpickler.ALLOWED = {**unpickler.ALLOWED, **extra_allowed}
    obj = unpickler.load()
    keys = plain_pickle()
    arrays = {}
    for key in keys:
        key = str(key)
        if key not in unpickler.wanted:
            raise ValueError(f"{path}: storage {key!r} is not referred to by any tensor.")
        dtype = unpickler.wanted[key].dtype
        (count,) = struct.unpack("<q", f.read(8))
        itemsize = 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize
        raw = f.read(count * itemsize)
        if count < 0 or len(raw) != count * itemsize:
            raise ValueError(f"{path} is truncated (storage {key!r}).")
        arrays[key] = _as_numpy(raw, dtype)

    def resolve(value):
        if isinstance(value, dict):  # a checkpoint of several state dicts (e.g. {"g_ema": ..., "d": ...})
            return type(value)((k, resolve(v)) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return type(value)(resolve(v) for v in value)
        if not isinstance(value, _Deferred):
            return value
        (key, view), offset, size, stride = unpickler.pending[value]
        if key not in arrays:
            raise ValueError(f"{path}: storage {key!r} is missing.")
        array = arrays[key] if view is None else arrays[key][view[0]: view[0] + view[1]]
        return _rebuild_tensor(array, offset, size, stride)

    if not isinstance(obj, dict):
        return obj
    return collections.OrderedDict((k, resolve(v)) for k, v in obj.items())


class TrainingArguments:
    """Stands in for the `argparse.Namespace` of training options some checkpoints store (`ckpt["args"]`): its
    attributes are set from the pickled state, nothing runs."""

    def __repr__(self):
        return f"TrainingArguments({vars(self)})"


def load_torch_checkpoint(path):
    """Reads a whole `torch.save` checkpoint without torch: nested dicts and lists of tensors (as NumPy arrays),
    numbers and strings, e.g. `{"g_ema": state_dict, "d": state_dict, "latent_avg": tensor, "args": Namespace}`.

    Unlike `load_torch_state_dict` it does not require a flat state dict. The same restrictions apply (only tensor
    rebuilding, storages, OrderedDict and, for stored training options, `argparse.Namespace` — read into a plain
    `TrainingArguments` object — are allowed; nothing is executed).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}.")
    extra = {("argparse", "Namespace"): TrainingArguments}
    return _load_zip(path, extra) if zipfile.is_zipfile(path) else _load_legacy(path, extra)


def load_torch_state_dict(path) -> "collections.OrderedDict[str, np.ndarray]":
    """Reads a PyTorch state dict (`torch.save(model.state_dict(), path)`) as `{name: np.ndarray}`.

    Args:
        path: a `.pth`/`.pt` file in torch's zip or legacy format.

    Raises:
        UnsafeCheckpointError: the pickle needs anything beyond plain tensors (nothing is executed).
        ValueError: the file is not a torch checkpoint or does not hold a state dict.
        FileNotFoundError: no such file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}.")
    obj = _load_zip(path) if zipfile.is_zipfile(path) else _load_legacy(path)
    return _check_state_dict(obj, str(path))
