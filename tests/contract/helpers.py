"""Shared pieces of the model contract tests: building from tiny configs and a fixed batch of real data."""

import tensorflow as tf

import tfgan_zoo
from tests.conftest import load_tiny
from tfgan_zoo.data import build_dataset
from tfgan_zoo.training import build_and_compile


def batch_size_for(model, config):
    return config.train.batch_size * model.minibatches_per_batch


def fixed_dataset(model, config, steps=2):
    """A deterministic (unshuffled, repeated) dataset of real bundled data for `steps` steps."""
    config.data.shuffle_buffer = 0
    ds, _ = build_dataset(config.data, model.task, batch_size_for(model, config), seed=0)
    return ds


def build_tiny(name, strategy=None, seed=0, jit_compile=False, optimizer=None):
    """The model of `<name>_tiny.yaml`, compiled under `strategy`; `optimizer` (an optimizer spec such as
    `{"name": "sgd", "learning_rate": 0.01}`) replaces every player's optimizer."""
    import keras

    config = load_tiny(name)
    config.train.jit_compile = jit_compile
    if optimizer is not None:
        config.train.optimizers = {p: dict(optimizer) for p in tfgan_zoo.get_model_class(name).player_names}
    keras.utils.set_random_seed(seed)
    return build_and_compile(config, strategy), config


def inference_inputs(model, n=3):
    """`model(...)` inputs for `n` examples, as the model's task gives them."""
    return model.task.call_inputs(model, model.task.example_inputs(model, n, seed=3))


def outputs(model, inputs):
    return tf.cast(model(inputs, training=False), tf.float32).numpy()


def weights_snapshot(models):
    return [[w.copy() for w in m.get_weights()] for m in models]


def all_names():
    return tfgan_zoo.list_models()
