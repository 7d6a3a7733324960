"""A fixed train.seed makes two training runs of one config equal, weight for weight — also across processes (the
way two `tfgan-zoo train` runs are: an initializer seeded at import time would differ between them)."""

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO, load_tiny, tiny_config_path
from tfgan_zoo.training import train

RUN = """
import sys
import numpy as np
import tfgan_zoo
from tfgan_zoo.training import train
cfg = tfgan_zoo.load_config(sys.argv[1], [f"train.workdir={sys.argv[2]}", "train.steps=2", "train.seed=7"])
np.savez(sys.argv[3], *[v.numpy() for v in train(cfg).model.variables])
"""


def test_two_processes_with_one_seed_end_with_the_same_weights(tmp_path):
    outs = []
    for i in range(2):
        out = str(tmp_path / f"w{i}.npz")
        done = subprocess.run([sys.executable, "-c", RUN, tiny_config_path("pix2pix"), str(tmp_path / f"run{i}"), out],
                              cwd=REPO, capture_output=True, text=True, timeout=300, env=dict(os.environ))
        assert done.returncode == 0, done.stderr[-3000:]
        outs.append(np.load(out))
    assert len(outs[0].files) > 10
    for key in outs[0].files:
        np.testing.assert_array_equal(outs[0][key], outs[1][key], err_msg=key)


def test_another_seed_gives_other_weights_and_the_same_seed_the_same(tmp_path):
    def run(tag, seed):
        return train(load_tiny("dcgan", [f"train.workdir={tmp_path / tag}", "train.steps=2", f"train.seed={seed}"]))

    a, b, c = run("a", 7), run("b", 7), run("c", 8)
    for x, y in zip(a.model.variables, b.model.variables):
        np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=x.path)
    assert any(not np.array_equal(x.numpy(), z.numpy()) for x, z in zip(a.model.variables, c.model.variables))


def test_training_continued_after_load_model_follows_the_same_noise(tmp_path):
    """The seed state travels in .keras files (Keras' saving drops it: saved [1, 3], reloaded [1, 0])."""
    import keras

    from tests.contract.helpers import build_tiny, fixed_dataset

    model, config = build_tiny("dcgan")
    model.fit(fixed_dataset(model, config), steps_per_epoch=3, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    for m in (model, loaded):
        m.fit(fixed_dataset(m, config), steps_per_epoch=2, epochs=1, verbose=0)
    for a, b in zip(model.variables, loaded.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


@pytest.mark.parametrize("name,source", [("dcgan", "bundled"), ("pix2pix", "bundled"), ("dcgan", "folder")])
def test_a_resumed_run_ends_where_an_uninterrupted_one_does(name, source, tmp_path):
    """Crashed after 3 steps (mid-epoch: 2 steps per epoch) and resumed to 6, the run reads the same batches and
    ends with the same weights as one run of 6 steps: resume continues the data, not only the weights and noise."""
    import keras

    class Crash(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if int(self.model.optimizer.iterations.numpy()) == 3:  # after StepCheckpoint saved step 3
                raise RuntimeError("simulated crash")

    sets = ["train.steps=6", "train.steps_per_epoch=2", "train.seed=3", "train.checkpoint_every=1",
            "data.shuffle_buffer=64"]
    if source == "folder":
        from tfgan_zoo.data.bundled import load_digits
        from tfgan_zoo.utils.images import save_png

        (tmp_path / "images").mkdir()
        for i, image in enumerate(load_digits(16, 1, "test")[0][:24]):
            save_png(str(tmp_path / "images" / f"{i:02d}.png"), ((image + 1) * 127.5).astype(np.uint8))
        sets += ["data.source=folder", f"data.path={tmp_path / 'images'}"]
    whole = train(load_tiny(name, [f"train.workdir={tmp_path / 'whole'}", *sets]))
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(load_tiny(name, [f"train.workdir={tmp_path / 'part'}", *sets]), extra_callbacks=[Crash()])
    resumed = train(load_tiny(name, [f"train.workdir={tmp_path / 'part'}", *sets]), resume=True)
    assert (resumed.start_step, resumed.end_step) == (3, 6)
    for a, b in zip(whole.model.variables, resumed.model.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
