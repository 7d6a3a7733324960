"""Soak test of the local model server: concurrent valid clients, bad requests and version changes, for a bounded time.

    python benchmarks/serving_soak.py                      # 60 s, 4 valid clients, a new version every 5 s
    python benchmarks/serving_soak.py --seconds 300 --clients 8 --batching serving/batching_parameters.txt

It exports a tiny DCGAN, serves it in this process (hot reload every 0.2 s), and for `--seconds` runs
  * valid clients (gRPC `serving_default` and `sample`, REST columnar), each answer checked for shape and finiteness;
    every `--large_every` s one of them asks for a large allowed `sample` (`--large_images` images);
  * a bad-request client cycling through: unknown model, wrong dtype, over the image limit, over the answer-byte
    limit, a negative TensorProto dimension, an unknown signature, deeply nested JSON, a stalled REST body; each must
    get its expected status code;
  * a version changer: every `--version_every` s it exports a new version, waits until it serves, and deletes the
    previous one from disk (the versions are exported before the soak starts and copied in, hidden then renamed,
    so the memory measured is the server's and not the exporter's).
It prints (and returns from `run`) the number of valid requests and of failed ones (must be 0), the count per error
kind, the server's resident memory (RSS) at start, after warm-up, middle, end and peak, and RSS around one large
allowed request made at the end (before, right after, 3 s later: memory handed back).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss_mb() -> float:
    """Resident memory of this process (the server runs in it), MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class _Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.valid = 0
        self.failures = []
        self.bad = 0
        self.errors = collections.Counter()
        self.wrong = []

    def ok(self):
        with self.lock:
            self.valid += 1

    def fail(self, what):
        with self.lock:
            self.valid += 1
            self.failures.append(what)

    def bad_answer(self, kind, got, expected):
        with self.lock:
            self.bad += 1
            self.errors[got] += 1
            if got != expected:
                self.wrong.append(f"{kind}: got {got}, expected {expected}")


def _post(url, body, timeout=30):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _valid_client(server, tally, stop, index, large_images, large_every, shape):
    import grpc

    from tfgan_zoo.serving import PredictClient

    rng = np.random.default_rng(index)
    url = f"{server.rest_url}/v1/models/dcgan:predict"
    next_large = time.monotonic() + large_every * (index + 1) / 2
    with PredictClient(server.grpc_address, "dcgan", timeout=60) as client:
        i = 0
        while not stop.is_set():
            i += 1
            kind = ("grpc", "sample", "rest")[i % 3]
            n = int(rng.integers(1, 5))
            try:
                if index == 0 and large_every and time.monotonic() >= next_large:
                    next_large = time.monotonic() + large_every
                    images = client.generate(seed=i, num_images=large_images)
                    n = large_images
                elif kind == "grpc":
                    latents = rng.standard_normal((n, shape[1])).astype(np.float32)
                    images = client.predict({"latents": latents})["images"]
                elif kind == "sample":
                    images = client.generate(seed=i, num_images=n)
                else:
                    body = json.dumps({"inputs": rng.standard_normal((n, shape[1])).tolist()}).encode()
                    status, doc = _post(url, body)
                    if status != 200:
                        tally.fail(f"REST {status}: {doc.get('error')}")
                        continue
                    images = np.asarray(doc["outputs"], np.float32)
                if images.shape != (n, *shape[2:]) or not np.all(np.isfinite(images)):
                    tally.fail(f"{kind}: answer of shape {images.shape}")
                else:
                    tally.ok()
            except grpc.RpcError as e:
                tally.fail(f"{kind}: {e.code().name}: {e.details()}")
            except Exception as e:  # noqa: BLE001  counted as a failure, never fatal to the soak
                tally.fail(f"{kind}: {e!r}")


def _bad_requests(server, tally, stop, over_bytes_images):
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    channel = grpc.insecure_channel(server.grpc_address)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    url = f"{server.rest_url}/v1/models/dcgan:predict"

    def grpc_call(model="dcgan", signature="", **inputs):
        request = predict_pb2.PredictRequest()
        request.model_spec.name = model
        request.model_spec.signature_name = signature
        for k, v in inputs.items():
            request.inputs[k].CopyFrom(v if isinstance(v, tensor_proto_type) else tf.make_tensor_proto(v))
        try:
            stub.Predict(request, timeout=30)
            return "OK"
        except grpc.RpcError as e:
            return e.code().name

    tensor_proto_type = type(tf.make_tensor_proto(0))

    def negative_dim():
        proto = tf.make_tensor_proto(np.zeros((2, 8), np.float32))
        proto.tensor_shape.dim[0].size = -1
        return grpc_call(latents=proto)

    def stalled_body():
        host, port = server.rest_address.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(b"POST /v1/models/dcgan:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{")
            reply = sock.recv(64)
        return "HTTP " + reply.split(b" ")[1].decode() if reply.startswith(b"HTTP/1.1") else repr(reply[:20])

    depth = 50_000
    cases = [
        ("unknown model", lambda: grpc_call(model="nope", latents=np.zeros((1, 8), np.float32)), "NOT_FOUND"),
        ("wrong dtype", lambda: grpc_call(latents=np.zeros((1, 8), np.float64)), "INVALID_ARGUMENT"),
        ("over the image limit", lambda: grpc_call(signature="sample", seed=np.int32(0),
                                                   num_images=np.int32(3_000_000)), "INVALID_ARGUMENT"),
        ("over the answer-byte limit", lambda: grpc_call(signature="sample", seed=np.int32(0),
                                                         num_images=np.int32(over_bytes_images)),
         "RESOURCE_EXHAUSTED"),
        ("negative dimension", negative_dim, "INVALID_ARGUMENT"),
        ("unknown signature", lambda: grpc_call(signature="nope", latents=np.zeros((1, 8), np.float32)),
         "FAILED_PRECONDITION"),
        ("deep JSON", lambda: "HTTP %d" % _post(url, ("[" * depth + "]" * depth).encode())[0], "HTTP 400"),
        ("stalled REST body", stalled_body, "HTTP 408"),
    ]
    i = 0
    try:
        while not stop.is_set():
            kind, call, expected = cases[i % len(cases)]
            i += 1
            try:
                got = call()
            except Exception as e:  # noqa: BLE001
                got = f"exception {type(e).__name__}"
            tally.bad_answer(kind, got, expected)
            stop.wait(0.05)
    finally:
        channel.close()


def _version_changer(server, base, staged, stop, every, counts, log):
    from tfgan_zoo.export.saved_model import list_versions

    path = os.path.join(base, "dcgan")
    while not stop.wait(every):
        try:
            # a new version: one of the staged exports, copied under a hidden name and renamed into place (as an
            # export does), so the memory measured is the server's, not the exporter's
            new = list_versions(path)[-1] + 1
            tmp = os.path.join(path, f".incoming-{new}")
            shutil.copytree(staged[counts["exported"] % len(staged)], tmp)
            os.rename(tmp, os.path.join(path, str(new)))
            counts["exported"] += 1
            if not server.manager.wait_for_version("dcgan", new, timeout=60):
                log.append(f"version {new} was not served within 60 s")
                continue
            for old in list_versions(path):
                if old < new:
                    shutil.rmtree(os.path.join(path, str(old)))
                    counts["removed"] += 1
        except Exception as e:  # noqa: BLE001
            log.append(f"version change failed: {e!r}")


class _RssMonitor(threading.Thread):
    def __init__(self, every=0.5):
        super().__init__(name="soak-rss", daemon=True)
        self.every, self.samples, self._halt = every, [], threading.Event()

    def run(self):
        while not self._halt.wait(self.every):
            self.samples.append(rss_mb())

    def stop(self):
        self._halt.set()
        self.join(timeout=5)


def _large_request_memory(server, images, settle=3.0):
    """RSS before one large allowed `sample` request, right after it, and `settle` s later (memory handed back)."""
    import gc

    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    request = predict_pb2.PredictRequest()
    request.model_spec.name, request.model_spec.signature_name = "dcgan", "sample"
    request.inputs["seed"].CopyFrom(tf.make_tensor_proto(np.int32(0)))
    request.inputs["num_images"].CopyFrom(tf.make_tensor_proto(np.int32(images)))
    before = rss_mb()
    with grpc.insecure_channel(server.grpc_address, options=[("grpc.max_receive_message_length", -1)]) as channel:
        response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=300)
        assert response.outputs["images"].tensor_shape.dim[0].size == images
        del response  # the client shares this process: keep only the server's memory in the figures
    gc.collect()
    after = rss_mb()
    time.sleep(settle)
    return {"images": images, "before": round(before, 1), "right_after": round(after, 1),
            f"after_{settle:g}s": round(rss_mb(), 1)}


def run(seconds=60.0, workdir=None, clients=4, version_every=5.0, large_images=50000, large_every=5.0,
        batching=None, staged_versions=3, settle=3.0) -> dict:
    """Runs the soak for `seconds`; returns the report (see the module docstring)."""
    from tfgan_zoo.export import export_saved_model
    from tfgan_zoo.export.testing import build_tiny, randomize_generator
    from tfgan_zoo.serving import serve

    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="tfgan_zoo_soak_")
    base = os.path.join(workdir, "models")
    model = randomize_generator(build_tiny("dcgan"), seed=1)
    export_saved_model(model, base, "dcgan")
    staged = []  # the versions the changer rotates in, exported before the soak starts
    for i in range(staged_versions):
        randomize_generator(model, seed=2 + i)
        staged.append(export_saved_model(model, os.path.join(workdir, "staged"), "dcgan", version=i + 1))
    latent_dim = int(model.latent_dim)
    shape = (None, latent_dim, *[int(d) for d in model.inference_generator.output.shape[1:]])
    sample_bytes = 4 * (int(np.prod(shape[2:])) + latent_dim)
    # The large request fits both limits exactly; `large_images + 1` images are over the byte limit only.
    max_images = 2 * large_images
    max_response = sample_bytes * large_images
    server = serve(base, poll_interval=0.2, max_images_per_request=max_images, max_response_bytes=max_response,
                   rest_read_timeout=1.0, batching=batching, load_retry_interval=0.5, max_load_retry_interval=5.0)
    tally, stop, counts, log = _Tally(), threading.Event(), {"exported": 0, "removed": 0}, []
    rss = {"start": round(rss_mb(), 1)}
    monitor = _RssMonitor()
    threads = [threading.Thread(target=_valid_client, name=f"soak-valid-{i}", daemon=True,
                                args=(server, tally, stop, i, large_images, large_every, shape))
               for i in range(clients)]
    threads.append(threading.Thread(target=_bad_requests, name="soak-bad", daemon=True,
                                    args=(server, tally, stop, large_images + 1)))
    changer_stop = threading.Event()
    changer = threading.Thread(target=_version_changer, name="soak-versions", daemon=True,
                               args=(server, base, staged, changer_stop, version_every, counts, log))
    start = time.monotonic()
    try:
        monitor.start()
        for t in threads:
            t.start()
        changer.start()
        time.sleep(min(seconds / 4, 10.0))
        rss["after_warmup"] = round(rss_mb(), 1)
        time.sleep(max(0.0, seconds / 2 - (time.monotonic() - start)))
        rss["middle"] = round(rss_mb(), 1)
        time.sleep(max(0.0, seconds - (time.monotonic() - start)))
    finally:
        stop.set()
        changer_stop.set()
        for t in threads:
            t.join(timeout=60)
        changer.join(timeout=120)
        elapsed = time.monotonic() - start
        time.sleep(settle)  # let the server hand back what the last large answers used
        rss["end"] = round(rss_mb(), 1)
        monitor.stop()
        rss["peak"] = round(max(monitor.samples + [rss["end"]]), 1)
        try:
            large = _large_request_memory(server, large_images, settle) if large_images else None
        except Exception as e:  # noqa: BLE001  report it; the server must still be stopped
            large = {"error": repr(e)[:300]}
        stats = server.core.batching.stats() if server.core.batching is not None else None
        server.stop()
        if own:
            shutil.rmtree(workdir, ignore_errors=True)
    report = {
        "seconds": round(elapsed, 1),
        "valid_requests": tally.valid,
        "failed_valid_requests": len(tally.failures),
        "failures": tally.failures[:20],
        "valid_per_second": round(tally.valid / elapsed, 1),
        "bad_requests": tally.bad,
        "errors": dict(sorted(tally.errors.items())),
        "bad_requests_answered_wrongly": len(tally.wrong),
        "wrong_answers": tally.wrong[:20],
        "versions_exported": counts["exported"],
        "versions_removed": counts["removed"],
        "version_log": log,
        "rss_mib": rss,
        "rss_growth_after_warmup_mib": round(rss["end"] - rss["after_warmup"], 1),
        "large_request_rss_mib": large,
        "batching": stats,
    }
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="How long to drive the server (default 60).")
    parser.add_argument("--clients", type=int, default=4, help="Concurrent valid clients.")
    parser.add_argument("--version_every", type=float, default=5.0, help="Seconds between version changes.")
    parser.add_argument("--large_images", type=int, default=50000,
                        help="Images of the periodic large (allowed) `sample` request.")
    parser.add_argument("--large_every", type=float, default=5.0, help="Seconds between large requests.")
    parser.add_argument("--batching", default=None, help="A batching parameters file: soak with batching on.")
    parser.add_argument("--out", default=None, help="Also write the report as JSON here.")
    args = parser.parse_args(argv)
    report = run(args.seconds, clients=args.clients, version_every=args.version_every, large_images=args.large_images,
                 large_every=args.large_every, batching=args.batching)
    print(json.dumps(report, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    ok = report["failed_valid_requests"] == 0 and report["bad_requests_answered_wrongly"] == 0
    print(f"{report['valid_requests']} valid requests, {report['failed_valid_requests']} failed; "
          f"{report['bad_requests']} bad requests, {report['bad_requests_answered_wrongly']} answered wrongly; "
          f"{report['versions_exported']} versions exported, {report['versions_removed']} removed; "
          f"RSS MiB {report['rss_mib']}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
