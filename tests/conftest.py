"""Test session setup: two logical CPU devices (for MirroredStrategy tests) before TensorFlow initialises."""

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpu = tf.config.list_physical_devices("CPU")[0]
try:
    tf.config.set_logical_device_configuration(_cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
except RuntimeError:  # already initialised by another conftest; the check below reports it
    pass

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --doctest-modules imports every .py file it collects; this one is a worker script run as a subprocess.
collect_ignore = ["training/mwms_worker.py", "run_suite.py"]


def tiny_config_path(name):
    return os.path.join(REPO, "zoo_configs", name, f"{name}_tiny.yaml")


def load_tiny(name, overrides=None):
    import tfgan_zoo

    return tfgan_zoo.load_config(tiny_config_path(name), overrides)


@pytest.fixture
def two_cpus():
    devices = tf.config.list_logical_devices("CPU")
    assert len(devices) >= 2, "the test session needs 2 logical CPU devices (tests/conftest.py sets them up)"
    return [d.name for d in devices[:2]]


#: Folders whose tests run their graphs without Grappler's rewrites (remapper fusions, constant folding, layout and
#: arithmetic rewrites). Nearly all of a model test's time is the first call of a freshly traced train step on a tiny
#: model, and a large part of that is Grappler optimising the graph before running it a step or two: in the suite's
#: runs the tiny BigGAN-deep's mixed-precision contract test took 51 s with it and 21 s without. The passes only make a
#: graph faster, not compute something else, and these tiers check behaviour; everything else (training runs,
#: shipped presets, export, serving, interactive, benchmarks) keeps TensorFlow's default optimizer, so the graphs
#: users run stay tested with it, and so does a test marked `grappler`: one comparing two training runs bit for bit
#: or a 2-replica run with a 1-device one (without Grappler, FUNIT's seeded second step and BigGAN's 2-replica loss
#: each once differed by ~1e-5 / 6e-4 relative under a loaded CPU).
WITHOUT_GRAPPLER = ("tests/contract/", "tests/models/")


@pytest.fixture(autouse=True)
def _grappler_for_this_tier(request):
    if not request.node.nodeid.startswith(WITHOUT_GRAPPLER) or request.node.get_closest_marker("grappler"):
        yield
        return
    previous = tf.config.optimizer.get_experimental_options()
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    try:
        yield
    finally:
        tf.config.optimizer.set_experimental_options(previous)
