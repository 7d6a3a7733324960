"""Serving: TF Serving configuration, clients on the official stubs, and a local TF-Serving-compatible server.

    >>> from tfgan_zoo.serving import serve, PredictClient
    >>> server = serve("/tmp/models")                        # <base>/<name>/<version>/, 127.0.0.1, free ports
    >>> with PredictClient(server.grpc_address, "dcgan") as client:
    ...     images = client.generate(seed=0, num_images=4)
    >>> server.stop()

See serving/README.md for TensorFlow Serving itself (models.config, batching, docker compose).
"""

from tfgan_zoo.serving.batching import BatchingParameters, read_batching_parameters
from tfgan_zoo.serving.client import PredictClient, RestClient, RestError, metadata_from_json
from tfgan_zoo.serving.config import (
    ModelEntry,
    entries_from_dir,
    model_config_text,
    read_model_config,
    write_model_config,
)
from tfgan_zoo.serving.manager import ModelManager
from tfgan_zoo.serving.server import (
    DEFAULT_MAX_REQUEST_BYTES,
    HTTP_STATUS,
    ModelServer,
    RequestLimits,
    serve,
    wait_until_serving,
)

__all__ = [
    "serve", "ModelServer", "ModelManager", "PredictClient", "RestClient", "RestError", "metadata_from_json",
    "ModelEntry", "entries_from_dir", "model_config_text", "read_model_config", "write_model_config",
    "wait_until_serving", "DEFAULT_MAX_REQUEST_BYTES", "HTTP_STATUS", "RequestLimits", "BatchingParameters",
    "read_batching_parameters",
]
