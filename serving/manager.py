"""Model lifecycle for the local server: discovery, version policy, loading, warm-up, hot reload, unloading.

Mirrors what TF Serving's ServerCore does over a file system:
  * each model has a base path with integer version subdirectories; non-numeric / hidden entries are ignored;
  * the version policy (latest N, all, specific) picks the versions to serve;
  * a poller (every `poll_interval` s) loads new versions and unloads retired ones; a new version is loaded, warmed
    up with its `assets.extra/tf_serving_warmup_requests` and made available *before* the version it replaces is
    unloaded, and an unloaded version is closed only once its in-flight requests finish, so hot reload drops
    no request;
  * version states are START/LOADING/AVAILABLE/UNLOADING/END as in `GetModelStatus`;
  * a version that fails to load is retried with exponential backoff (`load_retry_interval` doubling up to
    `max_load_retry_interval`), as TF Serving retries loads, and early once its files changed and held still for a
    poll (a copy completed, or a complete copy renamed in place); while it waits its status is LOADING with the last
    error, so a half-copied export is served once it is complete instead of being given up on.

Each version runs through the TF1 graph loader (`GraphSavedModel`), the same MetaGraph + checkpoint path as TF
Serving's C++ SavedModelBundle.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

import tensorflow as tf
from absl import logging

from tfgan_zoo.export.graph_loader import GraphSavedModel, ServingError
from tfgan_zoo.export.saved_model import list_versions, read_warmup_requests
from tfgan_zoo.serving.config import ModelEntry

#: default seconds before the first retry of a failed load; doubled after each failure up to the maximum
DEFAULT_LOAD_RETRY_INTERVAL = 1.0
DEFAULT_MAX_LOAD_RETRY_INTERVAL = 60.0


class ServableVersion:
    """One loaded version; reference-counted so that unloading waits for in-flight requests."""

    def __init__(self, name, version, path, model):
        self.name = name
        self.version = version
        self.path = path
        self.model = model
        self._refs = 0
        self._retired = False
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        with self._lock:
            if self._retired:
                return False
            self._refs += 1
            return True

    def release(self):
        with self._lock:
            self._refs -= 1
            close = self._retired and self._refs == 0
        if close:
            self.model.close()

    def retire(self):
        with self._lock:
            self._retired = True
            close = self._refs == 0
        if close:
            self.model.close()

    @property
    def retired(self):
        return self._retired

    @property
    def in_flight(self):
        return self._refs


def _saved_model_present(path):
    return os.path.exists(os.path.join(path, "saved_model.pb")) or os.path.exists(
        os.path.join(path, "saved_model.pbtxt")
    )


def _fingerprint(path):
    """Names, sizes and modification times of a version directory's files: changes when a copy progresses or a
    complete copy is renamed in place, which makes a failed version worth retrying at once."""
    items = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for f in sorted(files):
            try:
                st = os.stat(os.path.join(root, f))
            except OSError:
                continue
            items.append((os.path.relpath(os.path.join(root, f), path), st.st_size, st.st_mtime_ns))
    try:
        items.append(("", 0, os.stat(path).st_ino))
    except OSError:
        pass
    return tuple(items)


def warm_up(model: GraphSavedModel, path) -> int:
    """Replays the version's warm-up requests (as TF Serving does on load); returns how many ran."""
    n = 0
    for record in read_warmup_requests(path):
        kind = record.WhichOneof("log_type")
        if kind != "predict_log":
            raise ServingError(f"Warm-up record {n} of {path} is a {kind}; only predict_log is supported.",
                               code="UNIMPLEMENTED")
        request = record.predict_log.request
        inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
        model.run(request.model_spec.signature_name or None, inputs, list(request.output_filter) or None)
        n += 1
    return n


class ModelManager:
    """Serves the versions of a set of models chosen by their policies; thread-safe.

    Args:
        entries: `ModelEntry`s (from a model config or `entries_from_dir`).
        poll_interval: seconds between file-system polls (TF Serving's `--file_system_poll_wait_seconds`);
            0 disables polling (no hot reload).
        discover_dir: also serve, with the latest policy, any model directory that appears under this directory.
        warmup: replay warm-up requests on load.
        load_retry_interval: seconds before a failed load is retried; doubled after each further failure, up to
            `max_load_retry_interval`. A version is never given up on while it is on disk and wanted, and it is
            retried early when its files changed and then held still for one poll.
    """

    def __init__(self, entries=(), poll_interval=1.0, discover_dir=None, warmup=True, intra_op_threads=0,
                 load_retry_interval=DEFAULT_LOAD_RETRY_INTERVAL,
                 max_load_retry_interval=DEFAULT_MAX_LOAD_RETRY_INTERVAL):
        if load_retry_interval < 0 or max_load_retry_interval < load_retry_interval:
            raise ValueError(f"load_retry_interval ({load_retry_interval}) must be >= 0 and <= "
                             f"max_load_retry_interval ({max_load_retry_interval}).")
        self.load_retry_interval = float(load_retry_interval)
        self.max_load_retry_interval = float(max_load_retry_interval)
        self._entries = {e.name: e for e in entries}
        self.poll_interval = float(poll_interval)
        self.discover_dir = os.fspath(discover_dir) if discover_dir else None
        self.warmup = warmup
        self.intra_op_threads = intra_op_threads
        self._serving: dict = {}  # name -> {version: ServableVersion}; replaced, never mutated in place
        self._states: dict = {}  # name -> {version: [state, error_code, error_message]}
        # (name, version) -> [failed attempts, monotonic time of the next retry, fingerprint at the last failure,
        #                     fingerprint at the last poll]
        self._attempts: dict = {}
        self._lock = threading.RLock()
        self._sync_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self.load_count = 0

    # ------------------------------------------------------------------------------------------- lifecycle
    def start(self):
        self.sync()
        if self.poll_interval > 0:
            self._thread = threading.Thread(target=self._poll_loop, name="tfgan-zoo-model-poller", daemon=True)
            self._thread.start()
        return self

    def _poll_loop(self):
        while not self._stop.wait(self.poll_interval):
            try:
                self.sync()
            except Exception:  # never let the poller die
                logging.exception("Model poll failed")

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        with self._lock:
            serving, self._serving = self._serving, {}
            for name, versions in serving.items():
                for v, sv in versions.items():
                    self._set_state(name, v, "END")
                    sv.retire()

    # ------------------------------------------------------------------------------------------- state
    def _set_state(self, name, version, state, code="OK", message=""):
        with self._lock:
            self._states.setdefault(name, {})[version] = [state, code, message]

    def model_names(self):
        with self._lock:
            return sorted(set(self._entries) | set(self._serving))

    def entry(self, name):
        with self._lock:
            return self._entries.get(name)

    def _discover(self):
        if not self.discover_dir or not os.path.isdir(self.discover_dir):
            return
        for name in sorted(os.listdir(self.discover_dir)):
            path = os.path.join(self.discover_dir, name)
            if name.startswith(".") or name in self._entries or not os.path.isdir(path):
                continue
            if list_versions(path):
                with self._lock:
                    self._entries[name] = ModelEntry(name=name, base_path=path)
                logging.info("Discovered model %s at %s", name, path)

    def sync(self):
        """One poll: discover models, load the versions the policies want, retire the others."""
        with self._sync_lock:
            self._discover()
            with self._lock:
                entries = list(self._entries.values())
            for entry in entries:
                self._sync_model(entry)

    def _sync_model(self, entry: ModelEntry):
        on_disk = [v for v in list_versions(entry.base_path)
                   if _saved_model_present(os.path.join(entry.base_path, str(v)))]
        wanted = set(entry.select(on_disk))
        with self._lock:
            current = dict(self._serving.get(entry.name, {}))
        # Load first (availability-preserving), newest first so that "latest" switches as early as possible.
        for version in sorted(wanted - set(current), reverse=True):
            failed = self._attempts.get((entry.name, version))
            if failed is not None and time.monotonic() < failed[1]:
                # Backing off. Retry early only when the files changed since the failure and then held still for
                # one poll (a copy that completed, or a complete copy renamed in place; not one still in progress).
                fp = _fingerprint(os.path.join(entry.base_path, str(version)))
                settled = fp != failed[2] and fp == failed[3]
                failed[3] = fp
                if not settled:
                    continue
            sv = self._load(entry, version)
            if sv is not None:
                with self._lock:
                    versions = dict(self._serving.get(entry.name, {}))
                    versions[version] = sv
                    self._serving = {**self._serving, entry.name: versions}
                current[version] = sv
        # Then unload what the policy no longer wants (or what disappeared from disk), but, like TF Serving's
        # availability-preserving policy, keep the old versions while no wanted version could be loaded (a broken
        # new export does not take the model down). A version deleted from disk is always unloaded.
        wanted_up = any(v in current for v in wanted)
        retire = [v for v in current if v not in wanted and (wanted_up or v not in on_disk)]
        for key in [k for k in self._attempts if k[0] == entry.name and k[1] not in wanted]:
            del self._attempts[key]  # gone from disk or no longer wanted: forget its failures
            state = self._states.get(entry.name, {}).get(key[1])
            if state is not None and state[0] == "LOADING":
                self._set_state(entry.name, key[1], "END", state[1], state[2])
        if retire:
            with self._lock:
                versions = {v: sv for v, sv in self._serving.get(entry.name, {}).items() if v not in retire}
                self._serving = {**self._serving, entry.name: versions}
            for v in retire:
                self._set_state(entry.name, v, "UNLOADING")
                current[v].retire()
                self._set_state(entry.name, v, "END")
                logging.info("Unloaded %s version %d", entry.name, v)

    def _load(self, entry, version):
        path = os.path.join(entry.base_path, str(version))
        self._set_state(entry.name, version, "LOADING")
        start = time.perf_counter()
        model = None
        try:
            model = GraphSavedModel(path, intra_op_threads=self.intra_op_threads)
            n = warm_up(model, path) if self.warmup else 0
        except Exception as e:
            if model is not None:
                model.close()
            previous = self._attempts.get((entry.name, version))
            attempts = (previous[0] if previous else 0) + 1
            delay = min(self.max_load_retry_interval, self.load_retry_interval * 2 ** (attempts - 1))
            fp = _fingerprint(path)
            self._attempts[(entry.name, version)] = [attempts, time.monotonic() + delay, fp, fp]
            message = (f"Failed to load {entry.name} version {version} from {path} (attempt {attempts}; retrying in "
                       f"{delay:g} s, or sooner once its files change): {str(e).strip()[:2000]}")
            code = getattr(e, "code", "UNKNOWN") if isinstance(e, ServingError) else "UNKNOWN"
            if code == "OK":
                code = "UNKNOWN"
            self._set_state(entry.name, version, "LOADING", code, message)
            logging.error("%s", message)
            return None
        self._attempts.pop((entry.name, version), None)
        self._set_state(entry.name, version, "AVAILABLE")
        self.load_count += 1
        logging.info("Loaded %s version %d in %.2f s (%d warm-up requests)", entry.name, version,
                 time.perf_counter() - start, n)
        return ServableVersion(entry.name, version, path, model)

    # ------------------------------------------------------------------------------------------- lookups
    def _resolve(self, name, version=None, label=None):
        with self._lock:
            entry = self._entries.get(name)
            versions = self._serving.get(name, {})
        served = ", ".join(self.model_names()) or "none"
        if version is not None and label:
            raise ServingError(
                f"Both model version ({version}) and model version label ({label}) cannot be supplied.",
                code="INVALID_ARGUMENT",
            )
        if label:
            if entry is None or label not in entry.labels:
                known = sorted(entry.labels) if entry is not None else []
                raise ServingError(
                    f"Unrecognized servable version label: {label} (labels of {name}: {known or 'none'})",
                    code="INVALID_ARGUMENT",
                )
            version = entry.labels[label]
        if version is not None:
            sv = versions.get(int(version))
            if sv is None:
                available = sorted(versions)
                raise ServingError(
                    f"Servable not found for request: Specific({name}, {version}) "
                    f"(available versions: {available or 'none'}; models served: {served})",
                    code="NOT_FOUND",
                )
            return sv
        if not versions:
            raise ServingError(
                f"Servable not found for request: Latest({name}) (models served: {served})", code="NOT_FOUND"
            )
        return versions[max(versions)]

    @contextlib.contextmanager
    def acquire(self, name, version=None, label=None):
        """Context manager yielding an available `ServableVersion`; it stays loaded while held."""
        for _ in range(5):
            sv = self._resolve(name, version, label)
            if sv.acquire():
                break
        else:  # retired between lookup and acquire five times in a row: a reload storm
            raise ServingError(f"Model {name} is reloading; retry.", code="UNAVAILABLE")
        try:
            yield sv
        finally:
            sv.release()

    def status(self, name, version=None) -> list:
        """[(version, state, error_code, error_message)], newest first, as GetModelStatus reports them."""
        with self._lock:
            states = dict(self._states.get(name, {}))
        if version is not None:
            if int(version) not in states:
                raise ServingError(f"Could not find version {version} of model {name}", code="NOT_FOUND")
            return [(int(version), *states[int(version)])]
        if not states:
            raise ServingError(f"Could not find any versions of model {name}", code="NOT_FOUND")
        return [(v, *states[v]) for v in sorted(states, reverse=True)]

    def load_attempts(self, name, version) -> int:
        """Failed load attempts of a version not loaded yet (0 once it loads)."""
        failed = self._attempts.get((name, int(version)))
        return failed[0] if failed else 0

    def available_versions(self, name) -> list:
        with self._lock:
            return sorted(self._serving.get(name, {}))

    def wait_for_version(self, name, version, timeout=30.0) -> bool:
        """Blocks until `name` serves `version` (True) or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if version in self.available_versions(name):
                return True
            time.sleep(0.05)
        return False
