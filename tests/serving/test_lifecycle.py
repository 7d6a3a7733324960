"""Server lifecycle: hot reload under load, version policies and labels from models.config, failed loads, shutdown,
and the `serve` CLI command."""

import argparse
import os
import shutil
import socket
import threading
import time

import grpc
import numpy as np
import pytest

from tfgan_zoo.export import WARMUP_FILE, export_saved_model
from tfgan_zoo.export.testing import build_tiny, call_model, example_batch, randomize_generator
from tfgan_zoo.serving import ModelEntry, PredictClient, RestClient, serve, write_model_config
from tfgan_zoo.serving.cli_commands import add_serve_parser, run_serve


def _two_versions(base, name="dcgan"):
    m1 = randomize_generator(build_tiny(name), seed=1)
    m2 = randomize_generator(build_tiny(name), seed=2)
    return m1, m2, export_saved_model(m1, base, name)


def test_hot_reload_while_requests_flow(tmp_path):
    m1, m2, _ = _two_versions(tmp_path)
    inputs = example_batch(m1, batch=2)
    ref = {1: call_model(m1, inputs), 2: call_model(m2, inputs)}
    server = serve(tmp_path, poll_interval=0.1, rest_port=None)
    failures, seen, stop = [], [], threading.Event()

    def worker():
        with PredictClient(server.grpc_address, "dcgan", timeout=20) as client:
            for _ in range(2000):  # bounded; stopped earlier by the event
                if stop.is_set():
                    return
                try:
                    images = client.predict(inputs)["images"]
                    version = client.last_response.model_spec.version.value
                    seen.append(version)
                    if np.abs(images - ref[version]).max() > 1e-6:
                        failures.append(f"version {version} answered with other images")
                except grpc.RpcError as e:
                    failures.append(f"{e.code()}: {e.details()}")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60  # generous for a loaded CI machine; exits as soon as done
        while 1 not in seen and time.monotonic() < deadline:
            time.sleep(0.02)
        export_saved_model(m2, tmp_path, "dcgan")  # version 2 appears while requests flow
        while seen.count(2) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        status = PredictClient(server.grpc_address, "dcgan").status()
        server.stop()
    assert not failures, failures[:5]
    assert seen.count(1) > 0 and seen.count(2) >= 20, (seen.count(1), seen.count(2))
    # A clean switch: once version 2 answered, version 1 finishes at most the requests already in flight.
    assert seen[seen.index(2):].count(1) <= len(threads)
    assert [(s["version"], s["state"]) for s in status] == [(2, "AVAILABLE"), (1, "END")]


def test_model_config_policies_and_labels(tmp_path):
    m1, m2, _ = _two_versions(tmp_path / "models")
    export_saved_model(m2, tmp_path / "models", "dcgan")
    gan = build_tiny("gan")
    export_saved_model(gan, tmp_path / "models", "gan")
    config = write_model_config(tmp_path / "models.config", [
        ModelEntry("dcgan", "models/dcgan", policy="specific", versions=(1, 2), labels={"stable": 1, "canary": 2}),
        ModelEntry("gan", "models/gan", policy="all"),
    ])
    inputs = example_batch(m1)
    server = serve(model_config_file=config, poll_interval=0.1)
    try:
        for label, model in (("stable", m1), ("canary", m2)):
            with PredictClient(server.grpc_address, "dcgan", version_label=label) as client:
                np.testing.assert_allclose(client.predict(inputs)["images"], call_model(model, inputs), atol=1e-6)
            out = RestClient(server.rest_address, "dcgan", version_label=label).predict(inputs)
            np.testing.assert_allclose(out["output"], call_model(model, inputs), atol=1e-6)
        with PredictClient(server.grpc_address, "dcgan") as client:  # latest of the pinned versions
            client.predict(inputs)
            assert client.last_response.model_spec.version.value == 2
            assert [s["version"] for s in client.status()] == [2, 1]
        export_saved_model(m1, tmp_path / "models", "dcgan")  # version 3: not in the specific policy
        export_saved_model(gan, tmp_path / "models", "gan")  # version 2 of gan: the "all" policy serves both
        assert server.manager.wait_for_version("gan", 2, timeout=60)
        assert server.manager.available_versions("gan") == [1, 2]
        assert server.manager.available_versions("dcgan") == [1, 2]
        with PredictClient(server.grpc_address, "dcgan", version=3) as client:
            with pytest.raises(grpc.RpcError) as info:
                client.predict(inputs)
            assert info.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        server.stop()


def test_broken_new_version_is_reported_and_the_old_one_keeps_serving(tmp_path):
    m1, m2, _ = _two_versions(tmp_path)
    server = serve(tmp_path, poll_interval=0, rest_port=None)  # polls only when told (manager.sync())
    try:
        bad = export_saved_model(m2, tmp_path, "dcgan")
        with open(os.path.join(bad, WARMUP_FILE), "wb") as f:
            f.write(b"this is not a TFRecord of PredictionLogs")
        server.manager.sync()
        with PredictClient(server.grpc_address, "dcgan") as client:
            status = {s["version"]: s for s in client.status()}
            # retried with backoff, so LOADING (not given up on), with the last error
            assert status[2]["state"] == "LOADING" and status[2]["error_code"] != "OK"
            assert "Failed to load dcgan version 2" in status[2]["error_message"]
            assert "retrying in" in status[2]["error_message"]
            assert status[1]["state"] == "AVAILABLE"
            inputs = example_batch(m1)
            np.testing.assert_allclose(client.predict(inputs)["images"], call_model(m1, inputs), atol=1e-6)
            assert client.last_response.model_spec.version.value == 1
            shutil.rmtree(bad)  # removed from disk: a later good version 3 replaces version 1
            export_saved_model(m2, tmp_path, "dcgan", version=3)
            server.manager.sync()
            np.testing.assert_allclose(client.predict(inputs)["images"], call_model(m2, inputs), atol=1e-6)
            assert client.last_response.model_spec.version.value == 3
            states = {s["version"]: s["state"] for s in client.status()}
            assert states[1] == "END" and states[2] == "END"  # the removed broken version is no longer retried
            assert server.manager.load_attempts("dcgan", 2) == 0
    finally:
        server.stop()


def test_half_copied_version_is_retried_with_backoff_and_served_once_complete(tmp_path):
    """A non-atomic copy (saved_model.pb first, variables much later) fails to load for a while; it is retried with
    backoff (not blacklisted after 3 attempts) and served once the copy is complete."""
    m1, m2, _ = _two_versions(tmp_path / "models")
    staged = export_saved_model(m2, tmp_path / "staging", "dcgan", version=2)
    server = serve(tmp_path / "models", poll_interval=0.05, rest_port=None, load_retry_interval=0.1,
                   max_load_retry_interval=0.4)
    try:
        target = tmp_path / "models" / "dcgan" / "2"
        os.makedirs(target)
        shutil.copy(os.path.join(staged, "saved_model.pb"), target)  # the copy has started...
        started = time.monotonic()
        deadline = time.monotonic() + 60
        while server.manager.load_attempts("dcgan", 2) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(max(0.0, 3.2 - (time.monotonic() - started)))  # well past the old 3-attempt blacklist
        attempts = server.manager.load_attempts("dcgan", 2)
        assert 4 <= attempts <= 15, attempts  # retried, but backing off (a retry per poll would be ~60)
        with PredictClient(server.grpc_address, "dcgan") as client:
            status = {s["version"]: s for s in client.status()}
            assert status[2]["state"] == "LOADING" and "Failed to load dcgan version 2" in status[2]["error_message"]
            assert status[1]["state"] == "AVAILABLE"
            inputs = example_batch(m1)
            client.predict(inputs)
            assert client.last_response.model_spec.version.value == 1  # the old version serves meanwhile
            assert time.monotonic() - started > 3  # the copy stayed incomplete for longer than 3 s
            for entry in os.listdir(staged):  # ...and completes (variables, assets) seconds later
                src = os.path.join(staged, entry)
                if os.path.isdir(src):
                    shutil.copytree(src, target / entry)
                elif entry != "saved_model.pb":
                    shutil.copy(src, target)
            assert server.manager.wait_for_version("dcgan", 2, timeout=30)
            np.testing.assert_allclose(client.predict(inputs)["images"], call_model(m2, inputs), atol=1e-6)
            assert client.last_response.model_spec.version.value == 2
            assert {s["version"]: s["error_code"] for s in client.status()}[2] == "OK"
    finally:
        server.stop()


def _port_open(address):
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def test_serve_cli_and_clean_shutdown(tmp_path):
    model = randomize_generator(build_tiny("gan"), seed=4)
    export_saved_model(model, tmp_path / "models")
    parser = argparse.ArgumentParser()
    add_serve_parser(parser.add_subparsers())
    args = parser.parse_args(["serve", "--model_base_path", str(tmp_path / "models" / "gan"), "--port", "0",
                              "--rest_api_port", "0", "--file_system_poll_wait_seconds", "0"])
    assert args.func is run_serve and args.host == "127.0.0.1"
    server = run_serve(args, block=False)
    assert server.rest_address is None  # --rest_api_port 0 disables REST, as in TF Serving
    inputs = example_batch(model)
    with PredictClient(server.grpc_address, "gan") as client:  # a single-model base path is served by its dir name
        np.testing.assert_allclose(client.predict(inputs)["images"], call_model(model, inputs), atol=1e-6)
    loaded = list(server.manager._serving["gan"].values())
    assert len(loaded) == 1 and not loaded[0].model._closed
    stopper = threading.Thread(target=server.wait)
    stopper.start()
    server.stop()
    stopper.join(timeout=10)
    assert not stopper.is_alive(), "wait() returns once stop() is called"
    assert not _port_open(server.grpc_address)
    assert loaded[0].model._closed, "stop() unloads (closes the session of) every version"
    assert server.manager.available_versions("gan") == []
    assert server.manager.status("gan")[0][1] == "END"


def test_rest_and_grpc_ports_close_on_stop(tmp_path):
    model = build_tiny("gan")
    export_saved_model(model, tmp_path)
    server = serve(tmp_path, poll_interval=0.05)
    addresses = [server.grpc_address, server.rest_address]
    assert all(_port_open(a) for a in addresses)
    poller = server.manager._thread
    server.stop()
    assert not any(_port_open(a) for a in addresses)
    assert poller is not None and not poller.is_alive()
    server.stop()  # idempotent
