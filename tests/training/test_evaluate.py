"""Held-out losses: `fit(validation_data=...)` and `evaluate()` report both players' objectives and change nothing."""

import os

import numpy as np
import pytest

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset
from tfgan_zoo.data import load_arrays

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _state(model):
    return [v.numpy().copy() for v in model.variables]


def test_validation_data_and_evaluate_report_held_out_losses_without_changing_the_model():
    model = tfgan_zoo.build_model(os.path.join(REPO, "zoo_configs", "dcgan", "dcgan_tiny.yaml"))
    model.compile()
    images, _ = load_arrays("digits", image_size=model.image_size, channels=model.channels)
    history = model.fit(images[:64], batch_size=16, epochs=1, validation_data=(images[64:96],), verbose=0).history
    assert {"val_d_loss", "val_g_loss"} <= set(history)
    assert np.isfinite(history["val_d_loss"]).all() and np.isfinite(history["val_g_loss"]).all()
    before = _state(model)  # weights, batch-norm statistics, noise seeds
    first = model.evaluate(images[96:128], batch_size=16, verbose=0, return_dict=True)
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(before, model.variables)), "evaluate changed the model"
    assert model.evaluate(images[96:128], batch_size=16, verbose=0, return_dict=True) == first
    noise = np.random.default_rng(0).uniform(-1, 1, images[:32].shape).astype(np.float32)
    other = model.evaluate(noise, batch_size=16, verbose=0, return_dict=True)
    assert other["d_loss"] != pytest.approx(first["d_loss"], abs=1e-4)  # it does look at the data


def test_two_domain_models_evaluate_too():
    model, config = build_tiny("cyclegan")
    before = _state(model)
    logs = model.evaluate(fixed_dataset(model, config), steps=1, verbose=0, return_dict=True)
    assert {"d_loss", "g_loss"} <= set(logs) and all(np.isfinite(v) for v in logs.values())
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(before, model.variables)), "the history pool changed"


def test_a_family_with_its_own_step_says_what_to_use_instead():
    model, config = build_tiny("lapgan")
    with pytest.raises(NotImplementedError, match="own step.*tfgan_zoo.evaluation"):
        model.evaluate(fixed_dataset(model, config), steps=1, verbose=0)
