"""The model registry: every GAN in the zoo is registered here by name; its task is read from the class."""

from __future__ import annotations

from typing import Callable

import keras

from tfgan_zoo import tasks

_MODELS: dict[str, type] = {}


def register_model(name: str) -> Callable[[type], type]:
    """Class decorator registering a GAN under `name` and with Keras serialization.

    The task is the class's `TASK` (set by its task base), so a registration cannot disagree with the model.

    Args:
        name: snake_case registry name (`dcgan`, `wgan_gp`, ...). Duplicate names raise.
    """

    def decorator(cls: type) -> type:
        if not isinstance(getattr(cls, "TASK", None), tasks.Task):
            raise TypeError(
                f"{cls.__name__} has no task: subclass a task base (UnconditionalGAN, ConditionalGAN, "
                "ImageToImageGAN, ...) or set TASK to a tfgan_zoo.tasks.Task."
            )
        if name in _MODELS and _MODELS[name] is not cls:
            raise ValueError(
                f"A model named {name!r} is already registered ({_MODELS[name].__module__}."
                f"{_MODELS[name].__name__}); choose another name."
            )
        cls = keras.saving.register_keras_serializable(package="tfgan_zoo", name=cls.__name__)(cls)
        cls.registry_name = name
        _MODELS[name] = cls
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
    """Names of the registered models, sorted, optionally only those whose task serves `task` (a task name)."""
    _ensure_models_imported()
    if task is not None:
        tasks.get_task(task)  # unknown names raise
    return sorted(n for n, cls in _MODELS.items() if task is None or cls.TASK.accepts(task))


def task_of(name: str) -> tasks.Task:
    """The declared task of a registered model."""
    return get_model_class(name).TASK


def _ensure_models_imported() -> None:
    # Importing the package registers every family; done lazily so registry.py stays import-light.
    import tfgan_zoo.models  # noqa: F401
