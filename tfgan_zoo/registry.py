"""The model registry: every GAN in the zoo is registered here by name and task."""

from __future__ import annotations

from typing import Callable

import keras

TASKS = ("unconditional", "conditional", "image_to_image", "super_resolution", "unpaired_translation")

_MODELS: dict[str, type] = {}
_TASK_OF: dict[str, str] = {}


def register_model(name: str, task: str) -> Callable[[type], type]:
    """Class decorator registering a GAN under `name` and with Keras serialization.

    Args:
        name: snake_case registry name (`dcgan`, `wgan_gp`, ...). Duplicate names raise.
        task: one of `TASKS`.
    """
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r} for model {name!r}; expected one of {TASKS}.")

    def decorator(cls: type) -> type:
        if name in _MODELS and _MODELS[name] is not cls:
            raise ValueError(
                f"A model named {name!r} is already registered ({_MODELS[name].__module__}."
                f"{_MODELS[name].__name__}); choose another name."
            )
        cls = keras.saving.register_keras_serializable(package="tfgan_zoo", name=cls.__name__)(cls)
        cls.registry_name = name
        cls.task = task
        _MODELS[name] = cls
        _TASK_OF[name] = task
        return cls

    return decorator


def get_model_class(name: str) -> type:
    """Returns the registered class for `name`, or raises with the list of valid names."""
    _ensure_models_imported()
    if name not in _MODELS:
        raise KeyError(
            f"Unknown model {name!r}. Registered models: {', '.join(sorted(_MODELS))}. "
            "Run `tfgan-zoo list` to see them with their tasks."
        )
    return _MODELS[name]


def list_models(task: str | None = None) -> list[str]:
    """Names of the registered models, sorted, optionally only those of one task."""
    _ensure_models_imported()
    if task is not None and task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; expected one of {TASKS}.")
    return sorted(n for n in _MODELS if task is None or _TASK_OF[n] == task)


def task_of(name: str) -> str:
    get_model_class(name)
    return _TASK_OF[name]


def _ensure_models_imported() -> None:
    # Importing the package registers every family; done lazily so registry.py stays import-light.
    import tfgan_zoo.models  # noqa: F401
