"""Experiment configuration: strict YAML with dotted overrides.

A config has four sections, `model`, `train`, `data` and `export`. Unknown keys are errors that list the valid
ones, and `model.params` is checked against the registered class's `__init__` signature, so a typo never trains
silently with a default.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import os
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads `1e-4` (no dot) as a string; configs mean a float."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    __import__("re").compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
        __import__("re").X,
    ),
    list("-+0123456789."),
)


def yaml_load(text):
    return yaml.load(text, Loader=_Loader)


class ConfigError(ValueError):
    """A configuration is malformed; the message says what was expected."""


@dataclasses.dataclass
class ModelConfig:
    name: str = ""
    params: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class TrainConfig:
    batch_size: int = 64
    steps: int = 1000
    steps_per_epoch: int = 100
    strategy: str = "default"
    tpu_address: str = "local"
    jit_compile: bool = False
    mixed_precision: str | None = None
    optimizers: dict = dataclasses.field(default_factory=dict)
    seed: int = 0
    checkpoint_every: int = 0
    sample_every_epochs: int = 1
    num_sample_images: int = 64
    tensorboard: bool = True
    workdir: str = "runs/default"
    verbose: int = 1


@dataclasses.dataclass
class DataConfig:
    source: str = "digits"
    name: str = ""
    path: str = ""
    split: str = "train"
    image_size: int = 32
    channels: int = 1
    paired: str = ""
    shuffle_buffer: int = 2048
    cache: bool = True
    max_examples: int = 0
    #: TFDS only: names of boolean features under the dataset's `attributes` dict (CelebA's 40) to use as the
    #: labels, as a float {0, 1} vector [B, len(attributes)] in this order (IcGAN's binary attribute mode).
    attributes: list = dataclasses.field(default_factory=list)
    #: Two-domain models on a one-domain set: how to make domain B. '' (the source has two domains: trainA/trainB,
    #: cycle_gan/*, digits_printed); 'edges' or 'negative' (A = the even-indexed images, B = the edge maps
    #: (morphological gradient) or negatives of the odd-indexed ones: CoGAN's digit experiments, no pair exists);
    #: 'attribute' (TFDS: A = images whose boolean `attributes[0]` is true, B = false: CoGAN's CelebA pairs).
    domains: str = ""
    #: Folder sources: leave out files that are not readable images (a warning counts and names them) instead of
    #: stopping before training with their names.
    skip_bad_files: bool = False
    #: Super-resolution sources: the HR / LR size ratio (LR by MATLAB's bicubic); `image_size` is the HR crop.
    scale: int = 4


DOMAIN_SPLITS = ("", "edges", "negative", "attribute")


@dataclasses.dataclass
class ExportConfig:
    signatures: list = dataclasses.field(default_factory=list)
    output_dtype: str = "float32"
    tflite_quantization: str = "none"


@dataclasses.dataclass
class ExperimentConfig:
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    export: ExportConfig = dataclasses.field(default_factory=ExportConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


_SECTIONS = {"model": ModelConfig, "train": TrainConfig, "data": DataConfig, "export": ExportConfig}
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu", "auto")
PRECISIONS = (None, "float32", "mixed_float16", "mixed_bfloat16")


def _check_keys(where: str, given: dict, valid: list[str]) -> None:
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ConfigError(
            f"Unknown key(s) {', '.join(repr(f'{where}.{k}' if where else k) for k in unknown)}. "
            f"Valid keys{' in ' + where if where else ''}: {', '.join(sorted(valid))}."
        )


def _coerce(where: str, value: Any, default: Any, annotation: str) -> Any:
    """Checks a scalar against the field's declared type; ints are accepted for floats."""
    if value is None:
        if "None" in str(annotation):
            return None
        raise ConfigError(f"{where} may not be null; expected {annotation}.")
    expected = type(default) if default is not None else None
    if expected is bool and not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}.")
    if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where} must be an integer, got {value!r}.")
    if expected is str and not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, got {value!r}.")
    if expected in (list, dict) and not isinstance(value, expected):
        raise ConfigError(f"{where} must be a {expected.__name__}, got {value!r}.")
    return value


def config_from_dict(raw: dict) -> ExperimentConfig:
    """Builds and validates an `ExperimentConfig` from a plain dict."""
    if not isinstance(raw, dict):
        raise ConfigError(f"A config must be a mapping with sections {list(_SECTIONS)}, got {type(raw).__name__}.")
    _check_keys("", raw, list(_SECTIONS))
    sections = {}
    for name, cls in _SECTIONS.items():
        given = raw.get(name) or {}
        if not isinstance(given, dict):
            raise ConfigError(f"Section {name!r} must be a mapping, got {given!r}.")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        _check_keys(name, given, list(fields))
        values = {}
        for key, value in given.items():
            f = fields[key]
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            values[key] = _coerce(f"{name}.{key}", value, default, str(f.type))
        sections[name] = cls(**values)
    config = ExperimentConfig(**sections)
    _validate(config)
    _check_data_shape(config, set(raw.get("data") or {}))
    return config


def _validate(config: ExperimentConfig) -> None:
    from tfgan_zoo import registry

    if not config.model.name:
        raise ConfigError(f"model.name is required; registered models: {', '.join(registry.list_models())}.")
    try:
        cls = registry.get_model_class(config.model.name)
    except KeyError as e:
        raise ConfigError(str(e.args[0])) from None
    valid = model_param_names(cls)
    _check_keys(f"model.params (for {config.model.name})", config.model.params, valid)
    _check_param_types(cls, config.model.params)
    _check_data_source(config.data.source)
    t = config.train
    if t.strategy not in STRATEGIES:
        raise ConfigError(f"train.strategy must be one of {STRATEGIES}, got {t.strategy!r}.")
    if t.mixed_precision not in PRECISIONS:
        raise ConfigError(f"train.mixed_precision must be one of {PRECISIONS}, got {t.mixed_precision!r}.")
    for key in ("batch_size", "steps", "steps_per_epoch"):
        if getattr(t, key) <= 0:
            raise ConfigError(f"train.{key} must be positive, got {getattr(t, key)}.")
    if t.checkpoint_every < 0:
        raise ConfigError("train.checkpoint_every must be >= 0 (0 = at every epoch end).")
    if config.data.domains not in DOMAIN_SPLITS:
        raise ConfigError(f"data.domains must be one of {DOMAIN_SPLITS}, got {config.data.domains!r}.")
    if config.data.domains == "attribute" and (config.data.source != "tfds" or len(config.data.attributes) != 1):
        raise ConfigError("data.domains 'attribute' splits a TFDS set by one boolean attribute: set data.source: tfds "
                          "and data.attributes: [NAME] (e.g. Blond_Hair).")
    if config.data.attributes and config.data.source != "tfds":
        raise ConfigError(
            f"data.attributes is read from a TFDS dataset's 'attributes' feature (e.g. celeb_a); "
            f"data.source is {config.data.source!r}. Remove data.attributes or use data.source: tfds."
        )
    unknown_players = set(t.optimizers) - set(getattr(cls, "player_names", ()))
    if unknown_players:
        raise ConfigError(
            f"train.optimizers has unknown player(s) {sorted(unknown_players)}; "
            f"{config.model.name} has players {list(cls.player_names)}."
        )


def _check_param_types(cls: type, params: dict) -> None:
    """Checks each `model.params` value against the type of the constructor's default (None defaults: any)."""
    defaults = {p.name: p.default for p in inspect.signature(cls.__init__).parameters.values()
                if p.default is not inspect.Parameter.empty}
    for key, value in params.items():
        default = defaults.get(key)
        if default is None:
            continue
        if isinstance(default, bool):
            ok, expected = isinstance(value, bool), "true or false"
        elif isinstance(default, int):
            ok, expected = isinstance(value, int) and not isinstance(value, bool), "an integer"
        elif isinstance(default, float):
            ok, expected = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
        elif isinstance(default, str):
            ok, expected = isinstance(value, str), "a string"
        elif isinstance(default, (list, tuple)):
            ok, expected = isinstance(value, (list, tuple)), "a list"
        elif isinstance(default, dict):
            ok, expected = isinstance(value, dict), "a mapping"
        else:
            continue
        if not ok:
            raise ConfigError(
                f"model.params.{key} must be {expected} (the default of {cls.__name__} is {default!r}), "
                f"got {value!r} ({type(value).__name__})."
            )


def _check_data_source(source: str) -> None:
    import difflib

    from tfgan_zoo.data import SOURCES

    if source not in SOURCES:
        close = difflib.get_close_matches(source, SOURCES, n=1)
        hint = f" - did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"data.source {source!r} is not a data source{hint} Sources: {', '.join(SOURCES)}.")


def _check_data_shape(config: ExperimentConfig, data_keys_set) -> None:
    """The data pipeline makes `data.image_size` x `data.channels` images: they must be what the model takes.
    Compared only where both the data section and `model.params` set the value (some models take their image
    size from the data at run time)."""
    params, data = config.model.params, config.data
    for data_key, model_keys in (("image_size", ("image_size",)),
                                 ("channels", ("channels", "in_channels", "out_channels"))):
        if data_key not in data_keys_set:
            continue
        for key in model_keys:
            value = params.get(key)
            if value is None or isinstance(value, bool) or not isinstance(value, int):
                continue
            if getattr(data, data_key) != value:
                raise ConfigError(
                    f"data.{data_key} is {getattr(data, data_key)!r} but model.params.{key} is {value!r}: the data "
                    f"must give the model the images it takes; set data.{data_key}: {value}."
                )


def model_param_names(cls: type) -> list[str]:
    """The keyword arguments a registered model accepts (its `model.params` keys)."""
    sig = inspect.signature(cls.__init__)
    return [
        p.name
        for p in sig.parameters.values()
        if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parses `section.key[.subkey]=value`; the value is read as YAML (`1e-4`, `true`, `[1, 2]`)."""
    if "=" not in text:
        raise ConfigError(f"Override {text!r} must look like section.key=value, e.g. train.batch_size=32.")
    key, value = text.split("=", 1)
    path = [p for p in key.strip().split(".") if p]
    if len(path) < 2:
        raise ConfigError(f"Override {text!r} must name a section and a key, e.g. train.steps=100.")
    return path, yaml_load(value)


def apply_overrides(raw: dict, overrides: list[str] | None) -> dict:
    raw = copy.deepcopy(raw)
    for text in overrides or []:
        path, value = parse_override(text)
        node = raw
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"Override {text!r}: {part!r} is not a section.")
        node[path[-1]] = value
    return raw


def load_config(path: str | os.PathLike, overrides: list[str] | None = None) -> ExperimentConfig:
    """Loads a YAML experiment config, applies `section.key=value` overrides, and validates it.

    Example:
        >>> cfg = load_config("zoo_configs/dcgan/dcgan_tiny.yaml", ["train.steps=2"])
        >>> cfg.train.steps
        2
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ConfigError(f"Config file {path!r} does not exist. Configs live under zoo_configs/<family>/.")
    with open(path) as f:
        try:
            raw = yaml_load(f) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{path} is not valid YAML: {e}") from None
    return config_from_dict(apply_overrides(raw, overrides))
