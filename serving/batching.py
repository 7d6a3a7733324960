"""Server-side request batching for the local server, configured like TF Serving's `--enable_batching`.

Concurrent requests to the same model version, signature and output filter are merged along dimension 0 into one
session run of at most `max_batch_size` examples and the outputs are split back, so 8 clients sending batch-1 requests
cost about one batch-8 call instead of eight batch-1 calls. The parameters come from a text-format
`tensorflow.serving.BatchingParameters` file (`serving/batching_parameters.txt`):

  max_batch_size        largest merged batch; a larger single request runs on its own, unbatched
  batch_timeout_micros  how long the first request of a batch waits for others before the batch runs
  max_enqueued_batches  batches waiting to run (per model version and signature); beyond it UNAVAILABLE
  num_batch_threads     batches that run at the same time (per model version and signature)
  allowed_batch_sizes   merged batches are padded (with copies of their first example) up to the next allowed size

What is batched: requests whose every input has a batch dimension (`-1` first in the SignatureDef) and the same
size along it. The `sample` signatures (scalar `seed` / `num_images`) cannot be merged that way; TF Serving fails
them under batching, this server runs them unbatched.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading

import numpy as np

from tfgan_zoo.export.graph_loader import ServingError

_FIELDS = ("max_batch_size", "batch_timeout_micros", "max_enqueued_batches", "num_batch_threads")


@dataclasses.dataclass
class BatchingParameters:
    """TF Serving's `BatchingParameters` (the fields the local server honours); defaults are TF Serving's, except
    `num_batch_threads`, which defaults to the number of CPUs."""

    max_batch_size: int = 1000
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = 1000000
    num_batch_threads: int = dataclasses.field(default_factory=lambda: os.cpu_count() or 1)
    allowed_batch_sizes: tuple = ()
    pad_variable_length_inputs: bool = False

    def __post_init__(self):
        for name in _FIELDS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < (0 if name == "batch_timeout_micros"
                                                                                 else 1):
                raise ValueError(f"Batching parameter {name} must be a positive integer, got {value!r}.")
        self.allowed_batch_sizes = tuple(int(v) for v in self.allowed_batch_sizes)
        if self.allowed_batch_sizes:
            sizes = self.allowed_batch_sizes
            if list(sizes) != sorted(set(sizes)) or sizes[0] < 1:
                raise ValueError(f"allowed_batch_sizes must be increasing positive integers, got {list(sizes)}.")
            if sizes[-1] != self.max_batch_size:
                raise ValueError(f"The last allowed_batch_sizes entry ({sizes[-1]}) must equal max_batch_size "
                                 f"({self.max_batch_size}), as TF Serving requires.")

    def padded_size(self, n):
        for size in self.allowed_batch_sizes:
            if size >= n:
                return size
        return n


_SCALAR_RE = re.compile(r"^(\w+)\s*\{\s*value\s*:\s*(\S+?)\s*\}$")
_FIELD_RE = re.compile(r"^(\w+)\s*:\s*(\S+)$")


def parse_batching_parameters(text: str, source="<string>") -> BatchingParameters:
    """Reads a text-format `BatchingParameters` (`max_batch_size { value: 64 }`, `allowed_batch_sizes: 8`, ...)."""
    values, allowed = {}, []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _SCALAR_RE.match(line)
        field, value = (m.group(1), m.group(2)) if m else (None, None)
        if m is None:
            m = _FIELD_RE.match(line)
            if m is None:
                raise ValueError(f"{source}:{lineno}: cannot parse {raw.strip()!r}; expected `field {{ value: N }}` "
                                 "or `field: value` (text-format tensorflow.serving.BatchingParameters).")
            field, value = m.group(1), m.group(2)
        try:
            if field in _FIELDS:
                values[field] = int(value)
            elif field == "allowed_batch_sizes":
                allowed.append(int(value))
            elif field == "pad_variable_length_inputs":
                if value not in ("true", "false"):
                    raise ValueError(value)
                values[field] = value == "true"
            elif field == "thread_pool_name":
                continue
            else:
                raise ValueError(f"{source}:{lineno}: unknown or unsupported batching parameter {field!r}; the local "
                                 f"server knows {', '.join(_FIELDS)}, allowed_batch_sizes, pad_variable_length_inputs.")
        except ValueError as e:
            if "batching parameter" in str(e):
                raise
            raise ValueError(f"{source}:{lineno}: bad value {value!r} for {field}.") from None
    try:
        return BatchingParameters(**values, allowed_batch_sizes=tuple(allowed))
    except ValueError as e:
        raise ValueError(f"{source}: {e}") from None


def read_batching_parameters(path) -> BatchingParameters:
    with open(path) as f:
        return parse_batching_parameters(f.read(), source=os.fspath(path))


class _Batch:
    def __init__(self):
        self.tasks = []  # input dicts
        self.size = 0
        self.closed = threading.Event()  # no more tasks join
        self.done = threading.Event()
        self.results = None  # list of output dicts, one per task
        self.error = None


class Batcher:
    """Merges concurrent `submit` calls into calls of `run_fn` (a dict of arrays in, a dict of arrays out).

    The first request of a batch leads it: it waits up to `batch_timeout_micros` (or until the batch is full), runs
    the merged batch on its own thread and hands each request its slice. No thread is kept per batcher.
    """

    def __init__(self, run_fn, params: BatchingParameters, on_batch=None):
        self.run_fn = run_fn
        self.params = params
        self.on_batch = on_batch  # called with the number of requests of each merged batch that ran
        self._lock = threading.Lock()
        self._open = None
        self._pending = 0  # batches formed and not run yet (the open one included)
        self._running = threading.BoundedSemaphore(params.num_batch_threads)
        self.batches_run = 0
        self.requests_batched = 0

    @staticmethod
    def batch_size(inputs):
        """The shared dimension-0 size of `inputs`, or None when they do not share one."""
        sizes = {np.shape(v)[0] if np.ndim(v) else None for v in inputs.values()}
        return sizes.pop() if len(sizes) == 1 else None

    def submit(self, inputs: dict) -> dict:
        n = self.batch_size(inputs)
        if n is None or n == 0 or n > self.params.max_batch_size:
            return self.run_fn(inputs)
        leader = False
        with self._lock:
            batch = self._open
            if batch is not None and batch.size + n > self.params.max_batch_size:
                batch.closed.set()  # full for this request: it runs as it is, this request starts the next one
                self._open = batch = None
            if batch is None:
                if self._pending >= self.params.max_enqueued_batches:
                    raise ServingError(f"The batch queue is full ({self.params.max_enqueued_batches} batches "
                                       "waiting; max_enqueued_batches); retry later.", code="UNAVAILABLE")
                batch = self._open = _Batch()
                self._pending += 1
                leader = True
            index = len(batch.tasks)
            batch.tasks.append(inputs)
            batch.size += n
            if batch.size >= self.params.max_batch_size:
                batch.closed.set()
                self._open = None
        if leader:
            batch.closed.wait(self.params.batch_timeout_micros / 1e6)
            with self._lock:
                if self._open is batch:
                    self._open = None
                batch.closed.set()
            try:
                with self._running:
                    self._run(batch)
            finally:
                with self._lock:
                    self._pending -= 1
                batch.done.set()
        else:
            batch.done.wait()
        if batch.error is not None:
            raise batch.error
        return batch.results[index]

    def _run(self, batch):
        try:
            sizes = [self.batch_size(t) for t in batch.tasks]
            total = sum(sizes)
            padded = self.params.padded_size(total)
            merged = {}
            for key in batch.tasks[0]:
                parts = [np.asarray(t[key]) for t in batch.tasks]
                if padded > total:
                    parts.append(np.repeat(parts[0][:1], padded - total, axis=0))
                merged[key] = np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
            outputs = self.run_fn(merged)
            for key, value in outputs.items():
                if np.ndim(value) == 0 or np.shape(value)[0] != padded:
                    raise ServingError(f"Output '{key}' has shape {list(np.shape(value))}, not a batch of {padded}: "
                                       "this signature cannot be batched; serve it without --enable_batching.",
                                       code="INTERNAL")
            results, start = [], 0
            for size in sizes:
                results.append({k: np.asarray(v[start:start + size]) for k, v in outputs.items()})
                start += size
            batch.results = results
            with self._lock:
                self.batches_run += 1
                self.requests_batched += len(batch.tasks)
            if self.on_batch is not None:
                self.on_batch(len(batch.tasks))
        except Exception as e:  # noqa: BLE001  every request of the batch gets the error
            batch.error = e if isinstance(e, ServingError) else ServingError(f"Batched run failed: {e}",
                                                                             code="INTERNAL")


class BatchingScheduler:
    """One `Batcher` per (model, version, signature, output filter); created on first use, dropped with the version."""

    def __init__(self, params: BatchingParameters):
        self.params = params
        self._lock = threading.Lock()
        self._batchers = {}  # key -> (ServableVersion, Batcher)
        self._counts = {"batches": 0, "batched_requests": 0, "unbatched_requests": 0}

    def batchable(self, model, signature, inputs) -> bool:
        specs = model.input_specs(signature)
        if not specs:
            return False
        for key, (_, dims) in specs.items():
            if not dims or dims[0] != -1:
                return False
        return Batcher.batch_size(inputs) is not None

    def run(self, sv, signature, inputs, output_filter=None) -> dict:
        """Runs a (validated) request on `sv`, merged with concurrent ones when the signature allows it."""
        if not self.batchable(sv.model, signature, inputs):
            with self._lock:
                self._counts["unbatched_requests"] += 1
            return sv.model.run(signature, inputs, output_filter, validate=False)
        key = (sv.name, sv.version, signature, tuple(output_filter or ()))
        with self._lock:
            held = self._batchers.get(key)
            if held is None or held[0] is not sv:
                for k in [k for k, (s, _) in self._batchers.items() if s.retired]:
                    del self._batchers[k]
                batcher = Batcher(lambda x: sv.model.run(signature, x, output_filter, validate=False), self.params,
                                  on_batch=self._count_batch)
                self._batchers[key] = (sv, batcher)
            else:
                batcher = held[1]
        return batcher.submit(inputs)

    def _count_batch(self, n_requests):
        with self._lock:
            self._counts["batches"] += 1
            self._counts["batched_requests"] += n_requests

    def stats(self) -> dict:
        """{"batches": session runs of merged batches, "batched_requests": requests they answered,
        "unbatched_requests": requests run on their own (signatures without a batch dimension)}."""
        with self._lock:
            return dict(self._counts)


__all__ = ["BatchingParameters", "Batcher", "BatchingScheduler", "parse_batching_parameters",
           "read_batching_parameters"]
