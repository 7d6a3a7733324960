"""Presets: save/load round trips, sha256 checks, name resolution (offline mirror, cache, file:// download)."""

import json
import os
import shutil

import numpy as np
import pytest

import tfgan_zoo
from tfgan_zoo.pretrained import (
    PresetError,
    PresetSpec,
    from_preset,
    list_presets,
    read_preset,
    register_preset,
    save_to_preset,
    sha256_of,
    unregister_preset,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tiny(name):
    return os.path.join(REPO, "zoo_configs", name, f"{name}_tiny.yaml")


@pytest.fixture(scope="module")
def dcgan():
    model = tfgan_zoo.build_model(tiny("dcgan"))
    model.compile()  # a compiled model: its optimizer state must not end up in the preset
    return model


@pytest.fixture
def saved(dcgan, tmp_path):
    return save_to_preset(dcgan, tmp_path / "dcgan_tiny", metadata={"dataset": "digits", "resolution": 16}).parent


@pytest.fixture
def registered(saved):
    spec = register_preset(PresetSpec("test_dcgan_tiny", "dcgan", sha256_of(saved / "model.weights.h5"),
                                      url=saved.as_uri(), metadata={"dataset": "digits"}))
    yield spec
    unregister_preset(spec.name)


def test_save_and_load_round_trip(dcgan, saved):
    assert sorted(os.listdir(saved)) == ["model.weights.h5", "preset.json"]  # data only, no pickles
    cfg = read_preset(saved)
    assert cfg["model"] == "dcgan" and cfg["config"]["image_size"] == 16 and cfg["metadata"]["resolution"] == 16
    assert cfg["weights"]["sha256"] == sha256_of(saved / "model.weights.h5")
    loaded = from_preset(saved)
    np.testing.assert_array_equal(loaded.generate(4, seed=3), dcgan.generate(4, seed=3))
    assert from_preset(saved / "preset.json").preset["name"] == "dcgan_tiny"
    assert cfg["weights"]["bytes"] < 100_000  # weights only, no Adam slots


def test_conditional_preset_round_trip(tmp_path):
    cgan = tfgan_zoo.build_model(tiny("cgan"))
    folder = save_to_preset(cgan, tmp_path / "cgan_tiny").parent
    labels = np.array([0, 3, 9], np.int32)
    np.testing.assert_array_equal(from_preset(folder).generate(3, seed=1, labels=labels),
                                  cgan.generate(3, seed=1, labels=labels))


def test_tampered_weights_fail_the_hash_check(saved):
    with open(saved / "model.weights.h5", "ab") as f:
        f.write(b"\0")
    with pytest.raises(PresetError, match="sha256 mismatch"):
        from_preset(saved)


def test_unknown_preset_and_bad_folders_are_clear_errors(tmp_path, registered):
    with pytest.raises(PresetError, match="test_dcgan_tiny"):
        from_preset("no_such_preset")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "preset.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(PresetError, match="not a tfgan_zoo preset"):
        from_preset(tmp_path / "junk")


def test_registered_name_downloads_verifies_and_caches(registered, saved, tmp_path):
    cache = tmp_path / "cache"
    model = from_preset("test_dcgan_tiny", cache_dir=cache)  # fetched from the file:// URL
    assert (cache / "test_dcgan_tiny" / "preset.json").is_file()
    reference = model.generate(2, seed=0)
    shutil.rmtree(saved)  # the "server" is gone: the cache serves it
    np.testing.assert_array_equal(from_preset("test_dcgan_tiny", cache_dir=cache).generate(2, seed=0), reference)
    assert "test_dcgan_tiny" in list_presets() and "test_dcgan_tiny" in list_presets("dcgan")
    assert "test_dcgan_tiny" not in list_presets("cgan")


def test_offline_mirror_is_used_first_and_must_match_the_pinned_hash(registered, saved, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    shutil.copytree(saved, mirror / "test_dcgan_tiny")
    monkeypatch.setenv("TFGAN_ZOO_PRESETS", str(mirror))
    from_preset("test_dcgan_tiny", cache_dir=tmp_path / "empty_cache")
    assert not (tmp_path / "empty_cache").exists()  # nothing downloaded
    other = tfgan_zoo.build_model(tiny("dcgan"), seed=7)
    save_to_preset(other, mirror / "test_dcgan_tiny")  # a different model under the registered name
    with pytest.raises(PresetError, match="registry pins"):
        from_preset("test_dcgan_tiny", cache_dir=tmp_path / "empty_cache")


def test_download_refuses_a_hash_mismatch(saved, tmp_path):
    spec = register_preset(PresetSpec("test_bad_hash", "dcgan", "0" * 64, url=saved.as_uri()))
    try:
        with pytest.raises(PresetError, match="registry pins"):
            from_preset("test_bad_hash", cache_dir=tmp_path / "cache")
    finally:
        unregister_preset(spec.name)


def test_save_to_preset_records_measured_metrics(dcgan, tmp_path):
    path = save_to_preset(dcgan, tmp_path / "measured", metrics=["digits_fid"], eval_kwargs={"num_samples": 32})
    records = read_preset(path)["metadata"]["metrics"]
    assert records[0]["protocol"] == "digits_fid@n=32" and records[0]["feature_net"]["name"] == "digits_classifier"
    assert np.isfinite(records[0]["values"]["value"])


def test_spectrally_normalized_kernels_are_stored_once(tmp_path):
    """Keras' SpectralNormalization tracks each kernel twice; the preset file keeps one copy and loads exactly."""
    model = tfgan_zoo.build_model(tfgan_zoo.load_config(os.path.join(
        os.path.dirname(__file__), "..", "..", "zoo_configs", "sngan", "sngan_tiny.yaml")))
    plain = tmp_path / "plain.weights.h5"
    model.save_weights(str(plain))
    path = save_to_preset(model, tmp_path / "p", name="sngan_tiny")
    stored = path.parent / "model.weights.h5"
    element_bytes = 4 * sum(int(np.prod(w.shape)) for w in model.weights)
    assert stored.stat().st_size < plain.stat().st_size
    assert stored.stat().st_size < element_bytes + 200_000  # not 2x the parameters any more
    loaded = from_preset(path.parent)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), loaded.get_weights()))
    labels = np.arange(4, dtype=np.int32) % loaded.num_classes
    assert np.array_equal(model.generate(4, seed=3, labels=labels), loaded.generate(4, seed=3, labels=labels))
    # a file that already holds links keeps every name when it is rewritten (e.g. re-stored as float16)
    from tfgan_zoo.pretrained.presets import _store_duplicates_once

    _store_duplicates_once(stored, "float16")
    again = type(model).from_config(model.get_config())
    again.load_weights(str(stored))
    assert all(np.allclose(a, b, atol=1e-2, rtol=1e-2) for a, b in zip(model.get_weights(), again.get_weights()))


def test_a_registered_name_is_not_shadowed_by_a_same_named_folder(tmp_path, monkeypatch):
    """A folder in the working directory named like a shipped preset would skip the pinned hash; the name wins."""
    name = "dcgan_digits_32"
    other = tfgan_zoo.build_model(tiny("dcgan"), seed=11)
    save_to_preset(other, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    shipped = from_preset(name)
    assert shipped.image_size == 32 and shipped.preset["weights"]["sha256"] != read_preset(tmp_path / name)["weights"][
        "sha256"]
    assert from_preset(f"./{name}").image_size == 16  # an explicit path loads the folder
    with pytest.raises(PresetError, match="No preset folder"):
        from_preset("./not_here")


def test_an_unreachable_url_is_a_preset_error(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PresetError, match="Could not download"):
        from_preset(f"http://127.0.0.1:{port}/dcgan_digits_32", cache_dir=tmp_path)
    spec = register_preset(PresetSpec("test_unreachable", "dcgan", "1" * 64, url=f"http://127.0.0.1:{port}/x"))
    try:
        with pytest.raises(PresetError, match="Could not download preset 'test_unreachable'"):
            from_preset("test_unreachable", cache_dir=tmp_path)
    finally:
        unregister_preset(spec.name)


def test_save_to_preset_records_the_training_optimizers(dcgan, tmp_path):
    import keras

    compiled = tfgan_zoo.build_model(tiny("dcgan"))
    compiled.compile(g_optimizer=keras.optimizers.Adam(3e-5, beta_1=0.1), d_optimizer="rmsprop")
    folder = save_to_preset(compiled, tmp_path / "p").parent
    recorded = read_preset(folder)["training_optimizers"]
    assert recorded["generator"]["class_name"] == "Adam" and recorded["discriminator"]["class_name"] == "RMSprop"
    model = from_preset(folder, compile=True)
    assert float(model.player_optimizers["generator"].learning_rate) == pytest.approx(3e-5)
    assert float(model.player_optimizers["generator"].beta_1) == pytest.approx(0.1)
    assert isinstance(model.player_optimizers["discriminator"], keras.optimizers.RMSprop)
    uncompiled = save_to_preset(tfgan_zoo.build_model(tiny("dcgan")), tmp_path / "q").parent
    assert read_preset(uncompiled)["training_optimizers"] is None
    paper = from_preset(uncompiled, compile=True)  # falls back to the paper's optimizers (with a warning)
    assert float(paper.player_optimizers["generator"].learning_rate) == pytest.approx(2e-4)


def test_every_shipped_preset_records_its_training_optimizers():
    from tfgan_zoo.pretrained.presets import ASSETS

    for name in list_presets():
        if (ASSETS / name / "preset.json").is_file():
            recorded = read_preset(ASSETS / name)["training_optimizers"]
            assert recorded and "generator" in recorded, name


def test_a_shipped_preset_fine_tunes_with_its_training_optimizers():
    """cgan_digits_28 compiled with the paper's SGD (lr 0.1) diverged to NaN within 10 steps; its own Adam does not."""
    import keras
    import tensorflow as tf

    from tfgan_zoo.data.bundled import load_digits

    model = from_preset("cgan_digits_28", compile=True)
    assert isinstance(model.player_optimizers["generator"], keras.optimizers.Adam)
    images, labels = load_digits(image_size=28)
    ds = tf.data.Dataset.from_tensor_slices((images[:640], labels[:640])).batch(64)
    history = model.fit(ds, epochs=1, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())


def test_a_float16_preset_is_half_the_bytes_and_loads_what_the_builder_measured(tmp_path):
    model = tfgan_zoo.build_model(tiny("dcgan"))
    exact = save_to_preset(model, tmp_path / "f32").parent
    before = model.generate(4, seed=3)
    half = save_to_preset(model, tmp_path / "f16", weights_dtype="float16").parent
    cfg = read_preset(half)
    assert cfg["weights"]["dtype"] == "float16" and read_preset(exact)["weights"]["dtype"] == "float32"
    assert cfg["weights"]["bytes"] < read_preset(exact)["weights"]["bytes"]  # a tiny file is mostly HDF5 headers

    def payload(folder, kind):
        import h5py

        sizes = []
        with h5py.File(folder / "model.weights.h5", "r") as f:
            f.visititems(lambda n, o: sizes.append(o.nbytes) if isinstance(o, h5py.Dataset) and o.dtype.kind in kind
                         else None)
        return sum(sizes)

    assert payload(half, "f") * 2 == payload(exact, "f") and 0 < payload(half, "iu") == payload(exact, "iu")
    loaded = from_preset(half)
    assert all(w.dtype == "float32" for w in loaded.weights if "seed" not in w.path)
    # the saving model was rounded in place: what its metrics measure is exactly what users load
    np.testing.assert_array_equal(loaded.generate(4, seed=3), model.generate(4, seed=3))
    assert np.abs(loaded.generate(4, seed=3) - before).max() < 0.02  # float16 rounding only
    for a, b in zip(loaded.weights, model.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_float16_preset_refuses_values_it_cannot_store(tmp_path):
    model = tfgan_zoo.build_model(tiny("dcgan"))
    kernel = next(w for w in model.generator.weights if len(w.shape) == 4)
    kernel.assign(np.full(kernel.shape, 1e5, np.float32))
    with pytest.raises(PresetError, match="beyond float16's range"):
        save_to_preset(model, tmp_path / "f16", weights_dtype="float16")
    with pytest.raises(PresetError, match="weights_dtype must be one of"):
        save_to_preset(model, tmp_path / "bf16", weights_dtype="bfloat16")
