"""tfgan_zoo: GANs from the literature as Keras 3 models that train with `fit`, scale with `tf.distribute`,
and export for TF Serving and TFLite.

Example:
    >>> import tfgan_zoo
    >>> "dcgan" in tfgan_zoo.list_models()
    True
"""

from tfgan_zoo import _env  # noqa: F401  (must run before TensorFlow is imported)
from tfgan_zoo.config import ConfigError, ExperimentConfig, load_config
from tfgan_zoo.registry import get_model_class, list_models, register_model

__version__ = "0.1.0"


def build_model(name_or_config, **overrides):
    """Builds a registered GAN.

    Args:
        name_or_config: a registered name (`"dcgan"`), an `ExperimentConfig`, or a path to a YAML config.
        **overrides: model keyword arguments that replace the config's / the defaults.

    Example:
        >>> m = build_model("dcgan", image_size=16, g_base_filters=8, d_base_filters=8)
        >>> m.generate(2, seed=0).shape
        (2, 16, 16, 3)
    """
    import os

    from tfgan_zoo.config import model_param_names

    if isinstance(name_or_config, (str, os.PathLike)) and (
        str(name_or_config).endswith((".yaml", ".yml")) or os.path.exists(str(name_or_config))
    ):
        name_or_config = load_config(name_or_config)
    if isinstance(name_or_config, ExperimentConfig):
        name, params = name_or_config.model.name, dict(name_or_config.model.params)
    elif isinstance(name_or_config, str):
        name, params = name_or_config, {}
    else:
        raise TypeError(
            f"build_model takes a model name, a config path or an ExperimentConfig, got {name_or_config!r}.")
    cls = get_model_class(name)
    params.update(overrides)
    valid = model_param_names(cls)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ConfigError(f"Unknown argument(s) {unknown} for model {name!r}. Valid arguments: {', '.join(valid)}.")
    # arguments naming another model's weights: a preset name there becomes that preset's verified weights file
    # (resolved here because families never import the presets layer)
    weights_arguments = [k for k in getattr(cls, "WEIGHTS_ARGUMENTS", ()) if k in params]
    if weights_arguments:
        from tfgan_zoo.pretrained.presets import resolve_weights_argument

        for key in weights_arguments:
            params[key] = resolve_weights_argument(params[key])
    return cls(**params)


def from_preset(name_or_path, **kwargs):
    """Loads a pretrained zoo model by preset name, local preset folder or URL (see `tfgan_zoo.pretrained`).

    Example:
        >>> import tfgan_zoo
        >>> isinstance(tfgan_zoo.list_presets(), list)
        True
    """
    from tfgan_zoo.pretrained import from_preset as _from_preset

    return _from_preset(name_or_path, **kwargs)


def list_presets(model=None):
    """Names of the registered presets, optionally only those of one model family (see `tfgan_zoo.pretrained`)."""
    from tfgan_zoo.pretrained import list_presets as _list_presets

    return _list_presets(model)


def load_model(path, **kwargs):
    """`keras.models.load_model` for a zoo model's `.keras` file (`model.save(path)`); same arguments.

    `import tfgan_zoo` already registers every family with Keras, so `keras.models.load_model` works as well; this
    is the same call under the zoo's name.
    """
    import keras

    return keras.models.load_model(path, **kwargs)


__all__ = ["build_model", "from_preset", "load_model", "list_presets", "list_models", "load_config", "get_model_class",
           "register_model", "ConfigError", "ExperimentConfig", "__version__"]

# Register every family with Keras now: `keras.models.load_model` deserializes a zoo model only when its class is
# registered, and Keras imports nothing but its own packages to find a class.
from tfgan_zoo import models as _models  # noqa: E402, F401
