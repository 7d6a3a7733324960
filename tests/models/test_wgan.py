import keras
import numpy as np
import pytest

import tfgan_zoo
from tests.contract.helpers import build_tiny, fixed_dataset


class _CriticCounts(keras.callbacks.Callback):
    """Critic updates run before each generator update (read from the two optimizers after every fit step)."""

    def on_train_begin(self, logs=None):
        self.counts, self.generator_steps, self._last = [], [], 0

    def on_train_batch_end(self, batch, logs=None):
        d = int(self.model.d_optimizer.iterations.numpy())
        self.counts.append(d - self._last)
        self.generator_steps.append(int(self.model.g_optimizer.iterations.numpy()))
        self._last = d


def test_critic_weights_stay_clipped_and_each_step_follows_the_schedule():
    m, cfg = build_tiny("wgan")  # tiny schedule: 3 critic updates before G step 0 and every 2nd, else 2
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0)
    assert max(np.abs(v.numpy()).max() for v in m.discriminator.trainable_variables) <= m.clip_value + 1e-7
    assert int(m.d_optimizer.iterations.numpy()) == 3 + 2 == m.batches_consumed()
    assert int(m.g_optimizer.iterations.numpy()) == 2
    assert m.g_optimizer.__class__.__name__ == "RMSprop"
    assert m.minibatches_per_batch == 1  # each critic update reads its own dataset element


def test_official_schedule_values():
    """main.py of martinarjovsky/WassersteinGAN: Diters = 100 if gen_iterations < 25 or gen_iterations % 500 == 0."""
    m = tfgan_zoo.build_model("wgan", image_size=16, channels=1, g_base_filters=4, d_base_filters=4)
    assert m.critic_schedule == "official" and m.scheduled_critic
    assert [m.critic_iterations(g) for g in range(30)] == [100] * 25 + [5] * 5
    assert [m.critic_iterations(g) for g in (499, 500, 501, 1000, 1001)] == [5, 100, 5, 100, 5]
    fixed = tfgan_zoo.build_model("wgan", image_size=16, channels=1, g_base_filters=4, d_base_filters=4,
                                  critic_schedule="fixed", n_critic=3)
    assert not fixed.scheduled_critic and fixed.minibatches_per_batch == 3
    assert {fixed.critic_iterations(g) for g in (0, 24, 500)} == {3}
    with pytest.raises(ValueError, match="critic_schedule must be"):
        tfgan_zoo.build_model("wgan", image_size=16, critic_schedule="warmup")


def test_fit_applies_the_official_critic_count_over_the_first_30_generator_steps():
    """The counts the step actually runs, at the official defaults (100 for generator steps 0-24, then 5)."""
    cfg = tfgan_zoo.load_config("zoo_configs/wgan/wgan_tiny.yaml", [
        "model.params.n_critic=5", "model.params.burst_critic_iterations=100",
        "model.params.burst_generator_steps=25", "model.params.burst_every=500", "train.batch_size=2"])
    from tfgan_zoo.training import build_and_compile

    keras.utils.set_random_seed(0)
    m = build_and_compile(cfg)
    counter = _CriticCounts()
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=30, epochs=1, verbose=0, callbacks=[counter])
    assert counter.counts == [100] * 25 + [5] * 5
    assert counter.generator_steps == list(range(1, 31))
    assert m.batches_consumed() == 2525


def test_fixed_schedule_keeps_n_critic_slices_of_one_batch():
    cfg = tfgan_zoo.load_config("zoo_configs/wgan/wgan_tiny.yaml", ["model.params.critic_schedule=fixed"])
    from tfgan_zoo.training import build_and_compile

    keras.utils.set_random_seed(0)
    m = build_and_compile(cfg)
    counter = _CriticCounts()
    m.fit(fixed_dataset(m, cfg), steps_per_epoch=3, epochs=1, verbose=0, callbacks=[counter])
    assert counter.counts == [2, 2, 2] and m.minibatches_per_batch == 2 and m.batches_consumed() == 3


def test_scheduled_critic_refuses_steps_per_execution():
    m, cfg = build_tiny("wgan")
    m.compile(steps_per_execution=2)
    with pytest.raises(ValueError, match="steps_per_execution=1"):
        m.fit(fixed_dataset(m, cfg), steps_per_epoch=2, epochs=1, verbose=0)


def test_default_rmsprop_is_the_official_torch_one():
    """martinarjovsky/WassersteinGAN: optim.RMSprop(lr=5e-5): PyTorch's alpha (ρ) 0.99 and eps 1e-8."""
    m = tfgan_zoo.build_model("wgan", image_size=16, channels=1, g_base_filters=4, d_base_filters=4)
    m.compile()
    for opt in (m.g_optimizer, m.d_optimizer):
        assert type(opt).__name__ == "RMSprop" and opt.rho == 0.99 and opt.epsilon == 1e-8
        assert float(opt.learning_rate) == pytest.approx(5e-5)
    pinned = tfgan_zoo.build_model("zoo_configs/wgan/wgan_digits_32.yaml")  # the shipped preset's recipe
    assert (pinned.rho, pinned.epsilon, pinned.critic_schedule) == (0.9, 1e-7, "fixed")


@pytest.mark.grappler  # two training runs compared bit for bit: as users run them
def test_a_resumed_scheduled_run_reads_the_same_batches_and_ends_equal(tmp_path):
    """Each critic update reads its own element, so a resumed run skips the critic updates' worth of batches
    (`batches_consumed`), not the generator updates': crashed after 3 of 6 generator updates and resumed, the weights
    equal an uninterrupted run's."""
    from tests.conftest import load_tiny
    from tfgan_zoo.training import train

    class Crash(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if int(self.model.optimizer.iterations.numpy()) == 3:
                raise RuntimeError("simulated crash")

    sets = ["train.steps=6", "train.steps_per_epoch=2", "train.seed=3", "train.checkpoint_every=1",
            "data.shuffle_buffer=64"]
    whole = train(load_tiny("wgan", [f"train.workdir={tmp_path / 'whole'}", *sets]))
    assert whole.model.batches_consumed() == 3 + 2 + 3 + 2 + 3 + 2
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(load_tiny("wgan", [f"train.workdir={tmp_path / 'part'}", *sets]), extra_callbacks=[Crash()])
    resumed = train(load_tiny("wgan", [f"train.workdir={tmp_path / 'part'}", *sets]), resume=True)
    assert (resumed.start_step, resumed.end_step) == (3, 6)
    for a, b in zip(whole.model.variables, resumed.model.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
