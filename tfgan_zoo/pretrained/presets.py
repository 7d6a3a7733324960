"""Presets: a generator you can load by name, from a folder or from a URL, with its weights' sha256 checked.

A preset is a folder holding two files and nothing executable:

    preset.json         the registry name of the model, its constructor arguments (`get_config()`), the weights
                        file name, size and sha256, and metadata (dataset, resolution, measured metrics with
                        their protocol, license, paper)
    model.weights.h5    `model.save_weights()` of an uncompiled model (no optimizer state, never a pickle)

preset.json also records the optimizers the preset was trained with (`training_optimizers`), so
`from_preset(name, compile=True)` fine-tunes with them rather than with the paper's defaults.

`save_to_preset(model, dir)` writes one; `from_preset(name | dir | url)` loads one. Names resolve, in order, to
`$TFGAN_ZOO_PRESETS/<name>/` (an offline mirror), the copy shipped in `tfgan_zoo/pretrained/assets/<name>/`, the
download cache `~/.keras/tfgan_zoo/presets/<name>/`, and finally the registered URL, fetched with
`keras.utils.get_file`. A registered name always means the registered preset: a folder of that name in the working
directory is not picked up (load it as `./name`). Every failure is a `PresetError`. Every path verifies the weights'
sha256 before loading them; a registered preset is also checked against the hash the registry pins, so a tampered
`preset.json` cannot vouch for tampered weights.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import urllib.parse
from pathlib import Path

from tfgan_zoo.utils.hashing import sha256_of

PRESET_FILE = "preset.json"
WEIGHTS_FILE = "model.weights.h5"
FORMAT = "tfgan_zoo.preset"
FORMAT_VERSION = 1
#: Environment variable naming an offline directory of presets (`<dir>/<name>/preset.json`).
PRESETS_ENV = "TFGAN_ZOO_PRESETS"
ASSETS = Path(__file__).resolve().parent / "assets"


class PresetError(ValueError):
    """A preset is unknown, malformed or fails its hash check; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class PresetSpec:
    """A registered preset.

    Attributes:
        name: preset name (`<model>_<dataset>_<resolution>`, e.g. `dcgan_digits_32`).
        model: registry name of the model class.
        sha256: sha256 of the weights file; downloads and local copies must match it.
        url: base URL of the preset folder (`<url>/preset.json`, `<url>/model.weights.h5`); empty if shipped.
        metadata: summary shown by `list_presets` (dataset, resolution, metrics, license, paper).
    """

    name: str
    model: str
    sha256: str
    url: str = ""
    metadata: dict = dataclasses.field(default_factory=dict)


_PRESETS: dict[str, PresetSpec] = {}


def register_preset(spec: PresetSpec) -> PresetSpec:
    """Adds a preset to the registry. Duplicate names raise."""
    if spec.name in _PRESETS and _PRESETS[spec.name] != spec:
        raise PresetError(f"A preset named {spec.name!r} is already registered.")
    if len(spec.sha256) != 64:
        raise PresetError(f"Preset {spec.name!r}: sha256 must be 64 hex digits, got {spec.sha256!r}.")
    _PRESETS[spec.name] = spec
    return spec


def unregister_preset(name: str) -> None:
    _PRESETS.pop(name, None)


def _register_shipped():
    """Registers every preset folder shipped in `assets/` (their preset.json pins the hash)."""
    if not ASSETS.is_dir():
        return
    for folder in sorted(p for p in ASSETS.iterdir() if (p / PRESET_FILE).is_file()):
        cfg = json.loads((folder / PRESET_FILE).read_text())
        register_preset(PresetSpec(cfg["name"], cfg["model"], cfg["weights"]["sha256"], "", cfg.get("metadata", {})))


def list_presets(model: str | None = None) -> list[str]:
    """Registered preset names, sorted, optionally only those of one model (`list_presets("dcgan")`)."""
    return sorted(n for n, s in _PRESETS.items() if model is None or s.model == model)


#: The quality floor every shipped digits preset meets, measured by the build on the weights it ships
#: (`digits_coverage`: 1,797 samples classified by the shipped digits classifier; `digits_fid`: 2,000 samples):
#: every digit at least 1.5 % of the samples (a uniform generator gives 10 %), every digit's real samples partly
#: covered (k=5 coverage above 0: the generator reaches each class's real neighbourhoods), digits-FID at most 40.
QUALITY_FLOOR = {"class_share_min": 0.015, "class_coverage_above": 0.0, "digits_fid_max": 40.0}

#: Presets taken out of the package, with why, and the command that trains one yourself.
WITHDRAWN_PRESETS: dict[str, str] = {}


def quality_floor_failures(preset: dict) -> list[str]:
    """The ways a digits preset's recorded figures miss `QUALITY_FLOOR` (empty: it meets the floor)."""
    records = {r["protocol"]: r for r in preset.get("metadata", {}).get("metrics", [])}
    failures = []
    if "digits_coverage" not in records or "digits_fid" not in records:
        return [f"missing the full digits_coverage / digits_fid records (has {sorted(records)})"]
    coverage = records["digits_coverage"]
    for digit, share in sorted(coverage["generated_class_fraction"].items()):
        if share < QUALITY_FLOOR["class_share_min"]:
            floor = QUALITY_FLOOR["class_share_min"]
            failures.append(f"digit {digit} is {share:.1%} of the samples (floor {floor:.1%})")
    for digit, covered in sorted(coverage["per_class"].items()):
        if covered <= QUALITY_FLOOR["class_coverage_above"]:
            failures.append(f"digit {digit}'s real samples are not covered (coverage {covered:.3f})")
    fid = records["digits_fid"]["values"]["value"]
    if not fid <= QUALITY_FLOOR["digits_fid_max"]:
        failures.append(f"digits-FID {fid:.1f} above {QUALITY_FLOOR['digits_fid_max']:.0f}")
    return failures


def get_preset_spec(name: str) -> PresetSpec:
    if name not in _PRESETS and name in WITHDRAWN_PRESETS:
        raise PresetError(f"The preset {name!r} was withdrawn from the package: {WITHDRAWN_PRESETS[name]}")
    if name not in _PRESETS:
        known = ", ".join(list_presets()) or "none registered yet"
        raise PresetError(
            f"Unknown preset {name!r}. Registered presets: {known}. A preset folder (with {PRESET_FILE}) or a URL "
            "to one can be passed to from_preset() directly."
        )
    return _PRESETS[name]


# ------------------------------------------------------------------------------------------------ hashing
def _verify(weights: Path, expected: str, where: str) -> None:
    got = sha256_of(weights)
    if got != expected:
        raise PresetError(
            f"sha256 mismatch for {weights} ({where}): expected {expected}, got {got}. The file is corrupt, "
            "truncated or not the published one: delete it (and its cached copy under "
            f"{default_cache_dir()}) and load the preset again, or re-export it with save_to_preset()."
        )


# ------------------------------------------------------------------------------------------------ saving
def _weights_only_twin(model):
    """An uncompiled copy holding the model's weights, so the file carries no optimizer state."""
    twin = type(model).from_config(model.get_config())
    twin.set_weights(model.get_weights())
    return twin


#: the storage dtypes a preset's weights file may use; loading casts them to the model's variable dtypes.
WEIGHTS_DTYPES = ("float32", "float16")


def _store_duplicates_once(path: Path, weights_dtype: str = "float32") -> None:
    """Rewrites a `.weights.h5` so that identical arrays are stored once (HDF5 hard links to one dataset).

    Keras' `SpectralNormalization` tracks its layer's kernel twice, so `save_weights` writes every spectrally
    normalized kernel twice (BigGAN-family files were 2x their parameter bytes); zero biases and an EMA copy equal to
    its source repeat too. Links are transparent to readers: `load_weights` sees the same names and values.

    `weights_dtype="float16"` also stores every float32 array as float16 (half the bytes; Keras casts back to the
    variable's dtype on load). A value beyond float16's range (|x| > 65504) would become inf: that raises instead.
    """
    import h5py
    import numpy as np

    tmp = path.with_name(path.name + ".dedup")
    seen: dict = {}
    with h5py.File(path, "r") as src, h5py.File(tmp, "w") as dst:
        dst.attrs.update(dict(src.attrs))

        def copy(name, obj):
            if isinstance(obj, h5py.Group):
                dst.require_group(name).attrs.update(dict(obj.attrs))
                return
            data = obj[()]
            if weights_dtype == "float16" and getattr(data, "dtype", None) == np.float32:
                if data.size and np.abs(data).max() > np.finfo(np.float16).max:
                    raise PresetError(
                        f"{name} holds values up to {np.abs(data).max():.4g}, beyond float16's range (65504); "
                        "store this preset with weights_dtype='float32'.")
                data = data.astype(np.float16)
            key = (str(data.dtype), data.shape, hashlib.sha256(np.asarray(data).tobytes()).hexdigest())
            if key in seen and not obj.attrs.keys():
                dst[name] = dst[seen[key]]  # hard link: one copy on disk
            else:
                dst.create_dataset(name, data=data).attrs.update(dict(obj.attrs))
                seen.setdefault(key, name)

        # every name, hard links included (`visititems` visits a linked dataset once, under one of its names);
        # names are listed first and copied outside h5py's visit callback, whose errors h5py re-wraps
        names: list[str] = []
        src.visititems_links(lambda name, link: names.append(name))
        try:
            for name in names:
                copy(name, src[name])
        except BaseException:
            dst.close()
            tmp.unlink(missing_ok=True)
            raise
    os.replace(tmp, path)


def round_to_storage_dtype(model, weights_dtype: str) -> None:
    """Rounds `model`'s float32 variables in place to what a preset stored as `weights_dtype` loads back, so metrics
    measured afterwards describe the shipped weights (the preset builders call it before they evaluate)."""
    import numpy as np

    if weights_dtype not in WEIGHTS_DTYPES:
        raise PresetError(f"weights_dtype must be one of {WEIGHTS_DTYPES}, got {weights_dtype!r}.")
    if weights_dtype == "float32":
        return
    for variable in model.weights:
        if variable.dtype == "float32":
            variable.assign(np.asarray(variable.numpy(), np.float16).astype(np.float32))


def save_to_preset(model, directory, name: str | None = None, metadata: dict | None = None, metrics=None,
                   eval_kwargs: dict | None = None, weights_dtype: str = "float32") -> Path:
    """Writes `model` as a preset folder and returns the path of its `preset.json`.

    Args:
        model: a registered zoo GAN.
        directory: the preset folder (created; existing preset files are replaced).
        name: preset name (default: the folder's name).
        metadata: dataset, resolution, license, paper, training steps... stored verbatim.
        metrics: optional protocols/metrics to *measure* now with `tfgan_zoo.evaluation.evaluate` (e.g.
            `["digits_fid", "digits_is"]`); their full records go to `metadata["metrics"]`.
        eval_kwargs: extra `evaluate()` arguments (num_samples, real_images, feature_net, ...).
        weights_dtype: `"float32"` (exact) or `"float16"` (half the bytes, for presets shipped in the wheel; the
            model loads in float32). Metrics are measured on the model as it will load, after the rounding.
    """
    import keras
    import tensorflow as tf

    import tfgan_zoo

    registry_name = getattr(model, "registry_name", "")
    if not registry_name:
        raise PresetError(f"{type(model).__name__} is not a registered zoo model; only those can be presets.")
    if weights_dtype not in WEIGHTS_DTYPES:
        raise PresetError(f"weights_dtype must be one of {WEIGHTS_DTYPES}, got {weights_dtype!r}.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / WEIGHTS_FILE
    _weights_only_twin(model).save_weights(str(weights))
    _store_duplicates_once(weights, weights_dtype)
    if weights_dtype != "float32":  # the caller's model now holds what users will load
        round_to_storage_dtype(model, weights_dtype)
    meta = dict(metadata or {})
    if metrics:
        from tfgan_zoo.evaluation import evaluate

        result = evaluate(model, metrics, progress=False, **(eval_kwargs or {}))
        meta["metrics"] = json.loads(result.to_json())
    config = model.get_config()
    config.pop("name", None)
    config.pop("trainable", None)
    compile_config = model.get_compile_config() if getattr(model, "player_optimizers", None) else None
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name or directory.name,
        "model": registry_name,
        "task": str(model.task),
        "config": config,
        "weights": {"file": WEIGHTS_FILE, "sha256": sha256_of(weights), "bytes": weights.stat().st_size,
                    "dtype": weights_dtype},
        # the optimizers it was trained with (`from_preset(..., compile=True)` fine-tunes with them)
        "training_optimizers": (compile_config or {}).get("optimizers"),
        "metadata": meta,
        "created_with": {"tfgan_zoo": tfgan_zoo.__version__, "keras": keras.__version__, "tensorflow": tf.__version__},
    }
    path = directory / PRESET_FILE
    path.write_text(json.dumps(payload, indent=2, default=_json_default) + "\n")
    return path


def _json_default(o):
    import numpy as np

    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"Cannot store {type(o).__name__} in preset.json: {o!r}")


# ------------------------------------------------------------------------------------------------ loading
def default_cache_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "tfgan_zoo" / "presets"


def read_preset(folder) -> dict:
    """Parses and validates `<folder>/preset.json` (or a preset.json path)."""
    path = Path(folder)
    if path.is_dir():
        path = path / PRESET_FILE
    if not path.is_file():
        raise PresetError(f"No {PRESET_FILE} at {path}; a preset folder holds {PRESET_FILE} and {WEIGHTS_FILE}.")
    try:
        cfg = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise PresetError(f"{path} is not valid JSON: {e}") from None
    if cfg.get("format") != FORMAT:
        raise PresetError(f"{path} is not a tfgan_zoo preset (format {cfg.get('format')!r}, expected {FORMAT!r}).")
    if int(cfg.get("format_version", 0)) > FORMAT_VERSION:
        raise PresetError(
            f"{path} has preset format version {cfg['format_version']}; this tfgan_zoo reads up to {FORMAT_VERSION}. "
            "Upgrade tfgan_zoo."
        )
    for key in ("model", "config", "weights"):
        if key not in cfg:
            raise PresetError(f"{path} lacks the {key!r} entry.")
    return cfg


def _is_url(spec: str) -> bool:
    return urllib.parse.urlparse(spec).scheme in ("http", "https", "file", "gs")


def _download(base_url: str, target: Path, expected_sha256: str | None) -> Path:
    """Fetches `<base_url>/preset.json` and its weights into `target` (a cache folder) and verifies them."""
    import keras

    target.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/")
    tmp = target / ".partial"
    tmp.mkdir(exist_ok=True)
    try:
        cfg_path = Path(keras.utils.get_file(PRESET_FILE, f"{base}/{PRESET_FILE}", cache_dir=str(tmp), cache_subdir=""))
        cfg = read_preset(cfg_path)
        if expected_sha256 and cfg["weights"]["sha256"] != expected_sha256:
            raise PresetError(
                f"The preset at {base_url} declares weights sha256 {cfg['weights']['sha256']} but the registry pins "
                f"{expected_sha256}; refusing it."
            )
        weights_name = cfg["weights"]["file"]
        w_path = Path(keras.utils.get_file(weights_name, f"{base}/{weights_name}", cache_dir=str(tmp), cache_subdir=""))
        _verify(w_path, cfg["weights"]["sha256"], f"downloaded from {base_url}")
        shutil.move(str(w_path), target / weights_name)
        shutil.move(str(cfg_path), target / PRESET_FILE)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _looks_like_path(spec: str) -> bool:
    separators = (os.sep, os.altsep) if os.altsep else (os.sep,)
    return any(sep in spec for sep in separators) or spec.startswith((".", "~")) or spec.endswith(".json")


def _locate(spec: str, cache_dir: Path | None) -> tuple[Path, str | None]:
    """(preset folder, pinned sha256 or None) for a name, folder or URL.

    A registered name always means the registered preset, even when the working directory holds a folder of the
    same name (that folder would skip the pinned hash); pass `./name` to load such a folder.
    """
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    if spec in _PRESETS and not _looks_like_path(spec):
        return _locate_registered(_PRESETS[spec], cache_dir)
    path = Path(os.path.expanduser(str(spec)))
    if path.exists():
        return (path if path.is_dir() else path.parent), None
    if _is_url(str(spec)):
        key = hashlib.sha256(str(spec).encode()).hexdigest()[:16]
        folder = cache_dir / "urls" / key
        if not (folder / PRESET_FILE).is_file():
            _fetch(str(spec), folder, None, f"the preset at {spec}")
        return folder, None
    if _looks_like_path(spec):
        raise PresetError(f"No preset folder at {path} (the path does not exist).")
    return _locate_registered(get_preset_spec(str(spec)), cache_dir)


def _verified_preset(spec, cache_dir=None) -> tuple[Path, dict, Path]:
    """(folder, parsed preset.json, weights file) of a preset name, folder or URL, its weights checked against the
    registry's pin (else the preset's own record)."""
    folder, pinned = _locate(str(spec), cache_dir)
    cfg = read_preset(folder)
    if pinned and cfg["weights"]["sha256"] != pinned:
        raise PresetError(
            f"{folder / PRESET_FILE} declares weights sha256 {cfg['weights']['sha256']} but the registry pins {pinned} "
            f"for {spec!r}; the folder is not the registered preset."
        )
    weights = folder / cfg["weights"]["file"]
    if not weights.is_file():
        raise PresetError(f"Preset folder {folder} lacks its weights file {cfg['weights']['file']!r}.")
    _verify(weights, pinned or cfg["weights"]["sha256"], f"preset {cfg.get('name', spec)!r}")
    return folder, cfg, weights


def preset_weights_file(name: str, cache_dir=None) -> Path:
    """The verified weights file of a preset (name, folder or URL; sha256 checked as `from_preset` does). Used where
    a model argument names the weights of another model (StackGAN Stage-II's `stage1_weights`).

    Example:
        >>> preset_weights_file("stackgan_digits_16").name
        'model.weights.h5'
    """
    return _verified_preset(name, cache_dir)[2]


def resolve_weights_argument(value):
    """`value` of a model argument that names another model's weights (a class's `WEIGHTS_ARGUMENTS`): a registered
    preset's name becomes its verified weights file (`preset_weights_file`); anything else (a path) is returned as
    it is. A name means the registered preset by the same rule as `from_preset` (`./name` is a folder)."""
    if isinstance(value, str) and value in _PRESETS and not _looks_like_path(value):
        return str(preset_weights_file(value))
    return value


def _locate_registered(entry: PresetSpec, cache_dir: Path) -> tuple[Path, str | None]:
    candidates = []
    if os.environ.get(PRESETS_ENV):
        candidates.append(Path(os.environ[PRESETS_ENV]).expanduser() / entry.name)
    candidates += [ASSETS / entry.name, cache_dir / entry.name]
    for folder in candidates:
        if (folder / PRESET_FILE).is_file():
            return folder, entry.sha256
    if not entry.url:
        raise PresetError(
            f"Preset {entry.name!r} has no download URL and was not found in "
            + ", ".join(str(c) for c in candidates)
            + f". Put its folder in one of them (or set {PRESETS_ENV})."
        )
    return _fetch(entry.url, cache_dir / entry.name, entry.sha256, f"preset {entry.name!r}"), entry.sha256


def _fetch(url: str, target: Path, expected_sha256: str | None, what: str) -> Path:
    """`_download`, with every failure (unreachable host, HTTP error, bad file) turned into a `PresetError`."""
    try:
        return _download(url, target, expected_sha256)
    except PresetError:
        raise
    except Exception as e:  # noqa: BLE001 - network errors come in many types
        raise PresetError(
            f"Could not download {what} from {url} ({type(e).__name__}: {e}). Offline? Copy the preset folder to "
            f"{target} or to $" + PRESETS_ENV + f"/{target.name}."
        ) from None


def from_preset(spec, cache_dir=None, compile: bool = False):
    """Loads a zoo GAN from a preset name, a preset folder (or its preset.json) or a URL to a preset folder.

    Args:
        spec: `"dcgan_digits_32"`, `"path/to/preset"` or `"https://.../dcgan_digits_32"`.
        cache_dir: download cache (default `~/.keras/tfgan_zoo/presets`).
        compile: also `compile()` the model for fine-tuning, with the optimizers the preset was trained with
            (recorded in its preset.json as `training_optimizers`; a preset without them gets the paper's optimizers
            and a warning).

    Returns:
        The model, ready to `generate()`; `model.preset` holds the parsed preset.json.

    Example:
        >>> model = from_preset("dcgan_digits_32")  # shipped with the package: no download
        >>> model.generate(16, seed=0).shape
        (16, 32, 32, 1)
    """
    from tfgan_zoo.registry import get_model_class

    _, cfg, weights = _verified_preset(spec, cache_dir)
    cls = get_model_class(cfg["model"])
    model = cls.from_config(dict(cfg["config"]))
    model.load_weights(str(weights))
    if compile:
        _compile_as_trained(model, cfg)
    model.preset = cfg
    return model


def _compile_as_trained(model, cfg: dict) -> None:
    import keras
    from absl import logging

    recorded = cfg.get("training_optimizers")
    if not recorded:
        logging.warning("Preset %r does not record the optimizers it was trained with; compiling with the paper's "
                        "defaults, which may not suit fine-tuning it.", cfg.get("name"))
        model.compile()
        return
    try:
        optimizers = {player: keras.optimizers.deserialize(conf) for player, conf in recorded.items()}
    except (TypeError, ValueError) as e:
        raise PresetError(f"Preset {cfg.get('name')!r}: its training_optimizers cannot be rebuilt ({e}).") from None
    model.compile(optimizers=optimizers)


_register_shipped()
