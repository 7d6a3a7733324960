"""Distribution strategies by name: default | mirrored | multi_worker | tpu | auto."""

from __future__ import annotations

import json
import os
import socket
from urllib.parse import urlparse

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu", "auto")


class StrategyError(RuntimeError):
    """A strategy could not be created; the message says why and what to do."""


def _tpu_address_reachable(address, timeout=5.0):
    """A grpc:// TPU address must accept a TCP connection; otherwise TF would hang trying to reach it."""
    parsed = urlparse(address)
    if not parsed.hostname or not parsed.port:
        return False
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=timeout):
            return True
    except OSError:
        return False


def tpu_strategy(tpu_address="local"):
    """Connects to a TPU and returns a `TPUStrategy`, or raises `StrategyError` quickly (never hangs)."""
    if tpu_address.startswith("grpc://") and not _tpu_address_reachable(tpu_address):
        raise StrategyError(
            f"No TPU answers at {tpu_address}. Check the address (train.tpu_address / --tpu) and that the TPU "
            "is up, or choose another strategy (train.strategy=mirrored|default)."
        )
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu_address or None)
        if tpu_address not in ("", "local"):
            tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    except (ValueError, tf.errors.NotFoundError, tf.errors.UnavailableError, RuntimeError) as e:
        raise StrategyError(
            f"Could not initialise a TPU at {tpu_address!r}: {type(e).__name__}: {str(e).splitlines()[0]}. "
            "Set train.tpu_address to the TPU's name or grpc:// address, or choose another strategy."
        ) from None


def mirrored_strategy(devices=None):
    """MirroredStrategy over all GPUs, else over all logical CPUs.

    On CPUs, gradients are reduced with `ReductionToOneDevice`: with the default collective all-reduce, the
    collectives of synchronized batch norm and of the gradient all-reduce were assigned clashing instance keys
    ("Shape mismatch in the collective instance") in Keras 3.15 / TF 2.21.
    """
    gpus = tf.config.list_logical_devices("GPU")
    if devices is None:
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
    if gpus:
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice())


def multi_worker_strategy():
    if "TF_CONFIG" not in os.environ:
        raise StrategyError(
            "train.strategy=multi_worker needs the TF_CONFIG environment variable describing the cluster, e.g. "
            '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}.'
        )
    try:
        json.loads(os.environ["TF_CONFIG"])
    except json.JSONDecodeError as e:
        raise StrategyError(f"TF_CONFIG is not valid JSON: {e}") from None
    options = tf.distribute.experimental.CommunicationOptions(
        implementation=tf.distribute.experimental.CommunicationImplementation.RING
    )
    return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)


def get_strategy(name="default", tpu_address="local"):
    """Returns the `tf.distribute` strategy for `name`.

    'auto' picks a TPU if one is reachable at `tpu_address`, else MirroredStrategy over all GPUs, else the
    default (one-device) strategy.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return mirrored_strategy()
    if name == "multi_worker":
        return multi_worker_strategy()
    if name == "tpu":
        return tpu_strategy(tpu_address)
    if name == "auto":
        if os.environ.get("TPU_NAME") or tpu_address.startswith("grpc://"):
            try:
                return tpu_strategy(os.environ.get("TPU_NAME", tpu_address))
            except StrategyError:
                pass
        if len(tf.config.list_logical_devices("GPU")) > 1:
            return mirrored_strategy()
        return tf.distribute.get_strategy()
    raise StrategyError(f"Unknown strategy {name!r}; expected one of {STRATEGIES}.")


def is_chief(strategy):
    """True on the worker that writes checkpoints, samples and exports."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    return task_type in (None, "chief") or (task_type == "worker" and task_id == 0)
