"""Test helpers for export and serving: tiny zoo models with non-trivial weights, exported once per process.

Fresh generators produce near-constant images (DCGAN-style N(0, 0.02) init gives outputs of order 1e-3, LSGAN's
1e-9), which would make every "close to" check pass trivially. `randomize_generator` gives the inference generator
weights with unit-scale activations and non-default batch-norm statistics, so outputs span most of [-1, 1] and a
wrong export (training-mode batch norm, the wrong generator, a lost variable) shows up as a large error.
"""

from __future__ import annotations

import glob
import os
import threading

import numpy as np

#: fallback tiny kwargs when `zoo_configs/<name>/<name>_tiny.yaml` is absent.
TINY_KWARGS = {
    "gan": dict(image_size=8, latent_dim=8, generator_units=[16], maxout_units=[8], maxout_pieces=2),
    "cgan": dict(image_size=8, latent_dim=8, g_z_units=8, g_y_units=8, g_joint_units=16, d_x_units=8, d_y_units=4,
                 d_joint_units=8, d_pieces=2, d_joint_pieces=2),
    "dcgan": dict(image_size=16, latent_dim=8, channels=1, g_base_filters=4, d_base_filters=4, kernel_size=4),
    "lsgan": dict(image_size=16, latent_dim=8, channels=1, base_filters=2),
    "wgan": dict(image_size=16, latent_dim=8, channels=1, g_base_filters=4, d_base_filters=4),
    "wgan_gp": dict(image_size=16, latent_dim=8, channels=1, g_base_filters=4, d_base_filters=4),
    "pix2pix": dict(image_size=32, in_channels=1, out_channels=1, g_base_filters=2, d_base_filters=2),
}


def repo_root():
    import tfgan_zoo

    return os.path.dirname(os.path.dirname(os.path.abspath(tfgan_zoo.__file__)))


def tiny_config_path(name):
    """`zoo_configs/<name>/<name>_tiny.yaml` (or any `zoo_configs/*/<name>_tiny.yaml`), or None."""
    root = repo_root()
    direct = os.path.join(root, "zoo_configs", name, f"{name}_tiny.yaml")
    if os.path.exists(direct):
        return direct
    found = sorted(glob.glob(os.path.join(root, "zoo_configs", "*", f"{name}_tiny.yaml")))
    return found[0] if found else None


def build_tiny(name, **overrides):
    """A tiny instance of registered model `name`: its tiny YAML if present, else `TINY_KWARGS[name]`."""
    import tfgan_zoo

    path = tiny_config_path(name)
    if path is not None:
        return tfgan_zoo.build_model(path, **overrides)
    if name not in TINY_KWARGS:
        raise LookupError(
            f"No tiny configuration for model {name!r}: add zoo_configs/{name}/{name}_tiny.yaml "
            "(or an entry in tfgan_zoo.export.testing.TINY_KWARGS) so export/serving tests can build it."
        )
    return tfgan_zoo.build_model(name, **{**TINY_KWARGS[name], **overrides})


def randomize_generator(model, seed=0):
    """Re-draws the inference generator's weights so its outputs are far from constant (see module docstring)."""
    rng = np.random.default_rng(seed)
    for v in model.inference_generator.variables:
        shape = tuple(v.shape)
        leaf = v.name.split("/")[-1]
        if not np.issubdtype(np.dtype(v.dtype), np.floating):
            continue
        if leaf in ("kernel", "depthwise_kernel", "embeddings") or (len(shape) >= 2 and leaf not in ("gamma", "beta")):
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            if leaf == "embeddings":
                fan_in = 1
            value = rng.normal(0.0, 1.0 / np.sqrt(max(fan_in, 1)), shape)
        elif leaf == "gamma":
            value = rng.uniform(0.8, 1.2, shape)
        elif leaf == "moving_variance":
            value = rng.uniform(0.5, 1.5, shape)
        elif leaf in ("beta", "bias", "moving_mean"):
            value = rng.normal(0.0, 0.1, shape)
        else:
            value = rng.normal(0.0, 0.1, shape)
        v.assign(value.astype(np.dtype(v.dtype)))
    return model


def example_batch(model, endpoint="serving_default", batch=3, seed=0):
    """Random valid inputs of `endpoint`: {input name: array}, floats from the model's input distribution."""
    from tfgan_zoo.export.saved_model import example_inputs

    fn, specs = model.serving_signatures()[endpoint]
    rng = np.random.default_rng(seed)
    inputs = example_inputs(specs, batch, model, endpoint)
    out = {}
    for k, v in inputs.items():
        if v.dtype.kind == "f":
            if getattr(model, "latent_distribution", "normal") == "uniform" or v.ndim == 4:
                out[k] = rng.uniform(-1.0, 1.0, v.shape).astype(v.dtype)
            else:
                out[k] = rng.standard_normal(v.shape).astype(v.dtype)
        elif k == "labels":
            out[k] = (np.arange(v.size) % max(1, getattr(model, "num_classes", 1))).astype(v.dtype).reshape(v.shape)
        else:
            out[k] = v
    return out


def call_model(model, inputs):
    """The in-process reference for `serving_default`: `model(...)` on the inputs."""
    return np.asarray(model(model.task.call_inputs(model, inputs), training=False), np.float32)


def has_conv_generator(model):
    import keras

    conv = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
    return any(isinstance(layer, conv) for layer in model.inference_generator._flatten_layers())


class ZooExports:
    """Exports each registered model (tiny, randomized) once into `base_dir`; thread-safe, lazily."""

    def __init__(self, base_dir):
        self.base_dir = os.fspath(base_dir)
        self._cache = {}
        self._lock = threading.Lock()

    def get(self, name):
        """(model, version_dir) for registered model `name`."""
        from tfgan_zoo.export.saved_model import export_saved_model

        with self._lock:
            if name not in self._cache:
                model = randomize_generator(build_tiny(name), seed=sum(map(ord, name)))
                path = export_saved_model(model, self.base_dir, name, version=1)
                self._cache[name] = (model, path)
            return self._cache[name]

    def export_all(self, names=None):
        import tfgan_zoo

        return {n: self.get(n) for n in (names or tfgan_zoo.list_models())}


_SHARED = {}


def shared_exports(tmp_path_factory) -> ZooExports:
    """One `ZooExports` per pytest session, shared by tests/export and tests/serving."""
    if "zoo" not in _SHARED:
        _SHARED["zoo"] = ZooExports(tmp_path_factory.mktemp("zoo_exports"))
    return _SHARED["zoo"]
