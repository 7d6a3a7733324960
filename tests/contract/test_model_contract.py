"""The shared contract, run over every registered model from its `_tiny.yaml`."""

import os

import keras
import numpy as np
import pytest

import tfgan_zoo
from tests.contract.helpers import (
    all_names,
    build_tiny,
    fixed_dataset,
    inference_inputs,
    outputs,
    weights_snapshot,
)
from tfgan_zoo import tasks
from tfgan_zoo.training.distribute import mirrored_strategy

NAMES = all_names()


@pytest.mark.parametrize("name", NAMES)
def test_build_output_shape_and_range(name):
    model, config = build_tiny(name)
    x = inference_inputs(model, 3)
    y = outputs(model, x)
    channels = getattr(model, "out_channels", None) or model.channels
    assert y.shape == (3, model.image_size, model.image_size, channels)
    assert np.isfinite(y).all()
    assert y.min() >= -1.0 and y.max() <= 1.0
    # the instance's task is the class's declared task (resolved), and it is a concrete one
    assert model.task is tfgan_zoo.get_model_class(name).TASK.resolve(model)
    assert model.task.batch_keys and model.task is tasks.get_task(model.task.name)
    assert model.registry_name == name


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name):
    model, _ = build_tiny(name)
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    clone.set_weights(model.get_weights())
    x = inference_inputs(model, 2)
    np.testing.assert_allclose(outputs(clone, x), outputs(model, x), atol=1e-6)
    # serialisable to JSON (configs go into .keras files and run folders)
    import json

    json.dumps(config)


@pytest.mark.grappler  # bit-for-bit reproducibility is a promise about the graphs users run, so with Grappler on
@pytest.mark.parametrize("name", NAMES)
def test_seeded_fit_changes_every_player_reproducibly_and_saves(name, tmp_path):
    """One pair of seeded models, so the costly first `fit` (tracing the train step) is paid twice, not five times:

    * a fixed seed reproduces the starting weights and one training step bit for bit, and no two same-shaped kernels
      start equal (a shared module-level initializer once gave pix2pix's enc5/enc6/dec6 one kernel);
    * two steps of `fit` report every declared loss, finite, change every player's weights and count 2 iterations;
    * the trained model survives `.keras` and `.weights.h5` round trips with its optimizer state and noise seeds.
    """
    model, config = build_tiny(name, seed=5)
    first = [v.numpy() for v in model.variables]
    kernels = {}
    for v in model.trainable_variables:
        value = v.numpy()
        if value.ndim >= 2 and value.size >= 16 and value.std() > 0:
            key = (value.shape, value.tobytes())
            assert key not in kernels, f"{name}: {v.path} starts equal to {kernels[key]}"
            kernels[key] = v.path
    again, _ = build_tiny(name, seed=5)
    for a, v in zip(first, again.variables):
        np.testing.assert_array_equal(a, v.numpy(), err_msg=f"{name}: {v.path} differs between two builds")

    before = {p: weights_snapshot(ms) for p, ms in model.player_models().items()}
    data = fixed_dataset(model, config)
    histories = [model.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history]
    again.fit(fixed_dataset(again, config), steps_per_epoch=1, epochs=1, verbose=0)
    for v, w in zip(model.variables, again.variables):
        np.testing.assert_array_equal(v.numpy(), w.numpy(), err_msg=f"{name}: {v.path} differs after one step")
    histories.append(model.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history)
    for history in histories:
        assert set(model.loss_names) <= set(history)
        for key, values in history.items():
            assert np.isfinite(values).all(), f"{key} is not finite: {values}"
    for player, models in model.player_models().items():
        after = weights_snapshot(models)
        changed = any(
            not np.array_equal(a, b)
            for m_before, m_after in zip(before[player], after)
            for a, b in zip(m_before, m_after)
        )
        assert changed, f"{name}: {player}'s weights did not change"
    assert int(model.optimizer.iterations.numpy()) == 2

    x = inference_inputs(model, 2)
    expected = outputs(model, x)
    path = os.path.join(tmp_path, f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(outputs(loaded, x), expected, atol=1e-6)
    # optimizer state travels with the .keras file, and so do the noise seeds (Keras' saving leaves them out)
    assert int(loaded.optimizer.iterations.numpy()) == 2
    seeds = [v.numpy().tolist() for v in model.variables if v.path.endswith("seed_generator_state")]
    assert seeds == [v.numpy().tolist() for v in loaded.variables if v.path.endswith("seed_generator_state")]

    wpath = os.path.join(tmp_path, f"{name}.weights.h5")
    model.save_weights(wpath)
    fresh, _ = build_tiny(name, seed=99)
    assert not np.allclose(outputs(fresh, x), expected)
    fresh.load_weights(wpath)
    np.testing.assert_allclose(outputs(fresh, x), expected, atol=1e-6)
    assert seeds == [v.numpy().tolist() for v in fresh.variables if v.path.endswith("seed_generator_state")]


#: Plain SGD for the distributed-equality check. Adam is invariant to the gradient's scale (a per-replica instead of
#: a global-batch reduction, off by the replica count, would go unseen in the weights) and turns the round-off of an
#: analytically zero gradient (a bias reaching only a normalization; anything behind a self-attention gamma that
#: starts at 0) into lr-sized steps of random sign, which differ between one device and two. With SGD each weight's
#: change is linear in its gradient, so equal weights mean equal gradients.
#: Plain SGD, so the update is the summed gradient itself. 1e-3, not 1e-2: at 1e-2 WGAN-GP's critic (gradient
#: penalty ×10) diverged to NaN within the three steps from some starting weights, on one device as on two
#: (starting weights depend on the process's Keras seed state, i.e. on which tests ran before), which says nothing
#: about replica equality.
EQUALITY_OPTIMIZER = {"name": "sgd", "learning_rate": 1e-3}


#: How far the 2-replica weight update may be from the 1-device one, relative to the update's norm (per tensor).
#: A reduction or synchronization bug moves it by O(1) (a per-replica mean doubles every SGD step: 1.0); round-off
#: measured here is ~1e-5. It is normwise, not per element, because one element's gradient can be discontinuous
#: in round-off (the L1 term's sign where output and target nearly meet, a LeakyReLU at 0): on another CPU five
#: of pix2pix's first-kernel elements differed by up to 8.4e-5 (0.39 %) while the tensor's update agreed.
UPDATE_RTOL = 1e-3
#: ...plus this much per element (RMS): weights whose gradient is analytically zero (a bias that reaches only a
#: normalization) move by round-off alone, ~1e-5, which no relative bound can hold.
UPDATE_ATOL = 1e-5


@pytest.mark.grappler  # as users run it: without Grappler, BigGAN's 2-replica g_loss once differed by 6e-4 relative
# (likely the replicas' order of Keras' SpectralNormalization writing its normalized kernel back at every call)
@pytest.mark.parametrize("name", NAMES)
def test_mirrored_two_replicas_matches_single_device(name, two_cpus):
    results = []
    for strategy in (None, mirrored_strategy(two_cpus)):
        model, config = build_tiny(name, strategy, seed=7, optimizer=EQUALITY_OPTIMIZER)
        initial = model.generator.get_weights()
        history = model.fit(fixed_dataset(model, config), steps_per_epoch=3, epochs=1, verbose=0).history
        results.append((history, initial, model.generator.get_weights()))
    (h1, i1, w1), (h2, i2, w2) = results
    assert h1.keys() == h2.keys()
    for key, values in h1.items():  # NaN == NaN would pass the comparison below
        assert np.isfinite(values).all(), f"{name}: the 1-device run diverged ({key} = {values}); no equality to check"
    for key in h1:
        np.testing.assert_allclose(h2[key], h1[key], rtol=2e-4, atol=1e-6, err_msg=f"{name}: {key}")
    moved = 0
    for index, (a0, a, b0, b) in enumerate(zip(i1, w1, i2, w2)):
        np.testing.assert_array_equal(b0, a0, err_msg=f"{name}: generator weight {index} starts differently")
        d1, d2 = a - a0, b - b0
        norm = float(np.linalg.norm(d1))
        moved += norm > 0
        gap = float(np.linalg.norm(d2 - d1))
        assert gap <= UPDATE_RTOL * norm + UPDATE_ATOL * np.sqrt(a.size), (
            f"{name}: generator weight {index} {a.shape}: 2-replica update differs from the 1-device one by "
            f"{gap:.3g} (update norm {norm:.3g}, relative {gap / max(norm, 1e-30):.3g} > {UPDATE_RTOL})"
        )
    assert moved > 0, f"{name}: three SGD steps left every generator weight unchanged"


@pytest.mark.parametrize("name", NAMES)
def test_mixed_float16_fit_keeps_losses_finite(name):
    """Under `mixed_float16` (the GPU policy; float16 kernels run on CPU too, slowly) layers compute in float16,
    every player's optimizer scales its loss, and losses/penalties stay finite: statistics whose ε underflows in
    float16 (instance/pixel norm, demodulation, minibatch stddev) are computed in float32."""
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        model, config = build_tiny(name)
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    assert model.generator.compute_dtype == "float16"
    for player, opt in model.player_optimizers.items():
        assert isinstance(opt, keras.optimizers.LossScaleOptimizer), player
    history = model.fit(fixed_dataset(model, config), steps_per_epoch=2, epochs=1, verbose=0).history
    for key, values in history.items():
        assert np.isfinite(values).all(), f"{name}: {key} is not finite under mixed_float16: {values}"
    y = outputs(model, inference_inputs(model, 2))
    assert np.isfinite(y).all() and np.abs(y).max() <= 1.0


@pytest.mark.parametrize("name", NAMES)
def test_xla_fit(name):
    model, config = build_tiny(name, jit_compile=True)
    assert model.jit_compile is True
    history = model.fit(fixed_dataset(model, config), steps_per_epoch=2, epochs=1, verbose=0).history
    for key, values in history.items():
        assert np.isfinite(values).all(), key


@pytest.mark.parametrize("name", NAMES)
def test_generate_is_deterministic_with_seed(name):
    model, _ = build_tiny(name)
    if model.task.image_input:
        x = inference_inputs(model, 2)
        x = x if isinstance(x, tuple) else (x,)  # (images, target labels) for a multi-domain translator
        np.testing.assert_array_equal(model.translate(*x), model.translate(*x))
        return
    # np.asarray: a generator of pairs returns (images_a, images_b)
    a, b = np.asarray(model.generate(4, seed=11)), np.asarray(model.generate(4, seed=11))
    np.testing.assert_array_equal(a, b)
    c = np.asarray(model.generate(4, seed=12))
    assert np.abs(a - c).max() > 1e-3 * np.abs(a).max(), "a different seed must give different images"


@pytest.mark.parametrize("name", NAMES)
def test_default_compile_uses_paper_optimizers(name):
    model = tfgan_zoo.build_model(tfgan_zoo.load_config(os.path.join("zoo_configs", name, f"{name}_tiny.yaml")))
    model.compile()
    assert set(model.player_optimizers) == set(model.player_names)
    defaults = model.default_optimizers()
    for player, opt in model.player_optimizers.items():
        assert type(opt) is type(defaults[player])
    assert model.optimizer is model.player_optimizers[model.player_names[0]]
