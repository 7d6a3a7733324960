"""Per-player learning-rate callbacks (Keras' own change only the generator's optimizer)."""

import os

import keras
import numpy as np
import pytest

import tfgan_zoo
from tfgan_zoo.data import load_arrays
from tfgan_zoo.training import PlayerLearningRateScheduler, PlayerReduceLROnPlateau

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def model_and_images():
    model = tfgan_zoo.build_model(os.path.join(REPO, "zoo_configs", "dcgan", "dcgan_tiny.yaml"))
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(4e-3))
    images, _ = load_arrays("digits", image_size=model.image_size, channels=model.channels)
    return model, images[:32]


def _rates(model):
    return {k: float(v.learning_rate) for k, v in model.player_optimizers.items()}


def test_keras_reduce_lr_on_plateau_reaches_only_the_generator(model_and_images):
    """The defect the per-player callback fixes, pinned so the README's advice stays true."""
    model, images = model_and_images
    cb = keras.callbacks.ReduceLROnPlateau("g_loss", mode="max", factor=0.5, patience=0, min_delta=1e9)
    model.fit(images, batch_size=16, epochs=2, verbose=0, callbacks=[cb])  # epoch 1 sets the best, epoch 2 reduces
    assert _rates(model) == pytest.approx({"generator": 5e-4, "discriminator": 4e-3})


def test_per_player_plateau_reduces_every_player(model_and_images):
    model, images = model_and_images
    cb = PlayerReduceLROnPlateau("g_loss", mode="max", factor=0.5, patience=0, min_delta=1e9)  # never "improves"
    history = model.fit(images, batch_size=16, epochs=3, verbose=0, callbacks=[cb]).history
    assert _rates(model) == pytest.approx({"generator": 2.5e-4, "discriminator": 1e-3})
    assert history["discriminator_learning_rate"] == pytest.approx([4e-3, 2e-3, 1e-3])
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        PlayerReduceLROnPlateau("g_loss", mode="auto")


def test_per_player_plateau_waits_for_patience_and_names_a_missing_monitor(model_and_images):
    model, images = model_and_images
    cb = PlayerReduceLROnPlateau("g_loss", mode="min", factor=0.5, patience=5, players=["discriminator"])
    model.fit(images, batch_size=16, epochs=2, verbose=0, callbacks=[cb])
    assert _rates(model) == pytest.approx({"generator": 1e-3, "discriminator": 4e-3})  # 2 epochs < patience 5
    with pytest.raises(KeyError, match="val_g_loss.*logged values"):
        model.fit(images, batch_size=16, epochs=1, verbose=0,
                  callbacks=[PlayerReduceLROnPlateau("val_g_loss", mode="min")])


def test_per_player_scheduler_sets_each_player_and_refuses_schedules(model_and_images):
    model, images = model_and_images
    cb = PlayerLearningRateScheduler(lambda epoch, lr: lr * 0.1 if epoch == 1 else lr, players=["discriminator"])
    history = model.fit(images, batch_size=16, epochs=2, verbose=0, callbacks=[cb]).history
    assert _rates(model) == pytest.approx({"generator": 1e-3, "discriminator": 4e-4})
    assert np.allclose(history["discriminator_learning_rate"], [4e-3, 4e-4])
    with pytest.raises(ValueError, match="Unknown player"):
        model.fit(images, batch_size=16, epochs=1, verbose=0,
                  callbacks=[PlayerLearningRateScheduler(lambda e, lr: lr, players=["critic"])])
    scheduled = tfgan_zoo.build_model(os.path.join(REPO, "zoo_configs", "dcgan", "dcgan_tiny.yaml"))
    scheduled.compile(g_optimizer=keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.5)))
    with pytest.raises(ValueError, match="already follows a learning-rate schedule"):
        scheduled.fit(images, batch_size=16, epochs=1, verbose=0,
                      callbacks=[PlayerLearningRateScheduler(lambda e, lr: lr)])
