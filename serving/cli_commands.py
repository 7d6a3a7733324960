"""`tfgan-zoo serve`: argparse wiring and implementation of the local TF-Serving-compatible model server.

tfgan_zoo/cli.py registers it with::

    from tfgan_zoo.serving.cli_commands import add_serve_parser
    add_serve_parser(subparsers)    # sets func=run_serve

and calls `args.func(args)`, which returns the process exit code.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from absl import logging


def add_serve_parser(subparsers):
    p = subparsers.add_parser(
        "serve",
        help="Serve exported models over TF Serving's gRPC and REST APIs (local server).",
        description="Serves <model_base_path>/<name>/<version>/ (or one model's <name>/<version>/ directory) with "
        "TF Serving's APIs: gRPC PredictionService/ModelService on --port, REST /v1/models/... on --rest_api_port. "
        "Flags follow tensorflow_model_server's. Binds 127.0.0.1 unless --host says otherwise. New versions are "
        "loaded as they appear (every --file_system_poll_wait_seconds) and the latest one is served.",
    )
    p.add_argument("--model_base_path", default=None, help="Base directory of the models (or of one model).")
    p.add_argument("--model_name", default=None, help="Serve only this model (default: every model found).")
    p.add_argument("--model_config_file", default=None, help="A TF Serving models.config (text ModelServerConfig).")
    p.add_argument("--port", type=int, default=8500, help="gRPC port (0: any free port).")
    p.add_argument("--rest_api_port", type=int, default=8501, help="REST port (0 disables REST, as in TF Serving).")
    p.add_argument("--host", default="127.0.0.1", help="Bind address (default 127.0.0.1: local only).")
    p.add_argument("--file_system_poll_wait_seconds", type=float, default=1.0,
                   help="Seconds between checks for new versions (0: no hot reload).")
    p.add_argument("--max_request_bytes", type=int, default=64 * 1024 * 1024,
                   help="Largest accepted request (gRPC message or REST body); larger ones get RESOURCE_EXHAUSTED.")
    p.add_argument("--max_images_per_request", type=int, default=4096,
                   help="Largest batch (and `num_images` of a `sample` signature) one request may ask for; larger "
                   "ones are refused with INVALID_ARGUMENT (REST 400) before any work.")
    p.add_argument("--max_response_bytes", type=int, default=256 * 1024 * 1024,
                   help="Largest answer one request may need (from the output signature and its batch size); larger "
                   "ones are refused with RESOURCE_EXHAUSTED (REST 413) before any work.")
    p.add_argument("--rest_read_timeout_seconds", type=float, default=30.0,
                   help="Seconds a REST client may stall while sending its request (or keep an idle connection) "
                   "before the server answers 408 / closes the connection.")
    p.add_argument("--enable_batching", action="store_true",
                   help="Merge concurrent requests to the same model and signature into one batch, as TF Serving's "
                   "--enable_batching does.")
    p.add_argument("--batching_parameters_file", default=None,
                   help="Text-format BatchingParameters (max_batch_size, batch_timeout_micros, max_enqueued_batches, "
                   "num_batch_threads, allowed_batch_sizes), e.g. serving/batching_parameters.txt; implies "
                   "--enable_batching. Without it, --enable_batching uses TF Serving's defaults.")
    p.add_argument("--load_retry_interval_seconds", type=float, default=1.0,
                   help="Seconds before a version that failed to load is retried; doubled after each failure up to "
                   "--max_load_retry_interval_seconds (it is also retried once its files change).")
    p.add_argument("--max_load_retry_interval_seconds", type=float, default=60.0,
                   help="Longest wait between two load attempts of a failing version.")
    p.add_argument("--no_warmup", action="store_true", help="Do not replay assets.extra/tf_serving_warmup_requests.")
    p.set_defaults(func=run_serve)
    return p


def run_serve(args, block=True):
    """Starts the local server. With `block` (the CLI) waits for Ctrl-C / SIGTERM and returns 0; otherwise returns
    the running `ModelServer`."""
    from tfgan_zoo.serving import serve

    if block:  # the command line: show the server's load/unload logs, as tensorflow_model_server does
        logging.use_absl_handler()
        logging.set_verbosity(logging.INFO)
    if not args.model_base_path and not args.model_config_file:
        raise SystemExit("serve needs --model_base_path or --model_config_file.")
    batching = None
    if args.batching_parameters_file:
        from tfgan_zoo.serving.batching import read_batching_parameters

        try:
            batching = read_batching_parameters(args.batching_parameters_file)
        except (OSError, ValueError) as e:
            raise SystemExit(f"error: --batching_parameters_file: {e}") from None
    elif args.enable_batching:
        from tfgan_zoo.serving.batching import BatchingParameters

        batching = BatchingParameters()
    for flag in ("max_images_per_request", "max_response_bytes", "rest_read_timeout_seconds"):
        if getattr(args, flag) <= 0:
            raise SystemExit(f"error: --{flag} must be > 0, got {getattr(args, flag)}.")
    if not 0 <= args.load_retry_interval_seconds <= args.max_load_retry_interval_seconds:
        raise SystemExit("error: need 0 <= --load_retry_interval_seconds <= --max_load_retry_interval_seconds.")
    server = serve(
        args.model_base_path,
        host=args.host,
        grpc_port=args.port,
        rest_port=args.rest_api_port if args.rest_api_port else None,
        model_name=args.model_name,
        model_config_file=args.model_config_file,
        poll_interval=args.file_system_poll_wait_seconds,
        max_request_bytes=args.max_request_bytes,
        warmup=not args.no_warmup,
        max_images_per_request=args.max_images_per_request,
        max_response_bytes=args.max_response_bytes,
        rest_read_timeout=args.rest_read_timeout_seconds,
        batching=batching,
        load_retry_interval=args.load_retry_interval_seconds,
        max_load_retry_interval=args.max_load_retry_interval_seconds,
    )
    models = {n: server.manager.available_versions(n) for n in server.manager.model_names()}
    print(f"Serving {models} - gRPC {server.grpc_address}, REST {server.rest_url or 'off'}", flush=True)
    if not block:
        return server
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: threading.Thread(target=server.stop, daemon=True).start())
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()
    print("Model server stopped.", flush=True)
    return 0


def main(argv=None):
    """Stand-alone entry point (`python -m tfgan_zoo.serving.cli_commands serve ...`)."""
    parser = argparse.ArgumentParser(prog="tfgan-zoo")
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
