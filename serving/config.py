"""TF Serving model configuration: generating `models.config` and reading it back.

`models.config` is a text-format `ModelServerConfig` proto (the `tensorflow_serving.config` package ships its
definition). It lists each model's name, base path (inside the serving container) and version policy:

    model_config_list {
      config {
        name: "dcgan"
        base_path: "/models/dcgan"
        model_platform: "tensorflow"
        model_version_policy { specific { versions: 1 versions: 2 } }
        version_labels { key: "stable" value: 1 }
        version_labels { key: "canary" value: 2 }
      }
    }

The local server reads the same file (`--model_config_file`), so one config drives both servers.
"""

from __future__ import annotations

import dataclasses
import os

from google.protobuf import text_format

from tfgan_zoo.export.saved_model import list_versions


@dataclasses.dataclass
class ModelEntry:
    """One served model.

    Attributes:
        name: the served name (`ModelSpec.name`).
        base_path: directory holding the integer version subdirectories.
        policy: "latest" (the `num_latest` newest versions), "all", or "specific" (`versions`).
        num_latest: versions kept by the "latest" policy (TF Serving's default is 1).
        versions: the versions of the "specific" policy.
        labels: {label: version} (`ModelSpec.version_label`).
    """

    name: str
    base_path: str
    policy: str = "latest"
    num_latest: int = 1
    versions: tuple = ()
    labels: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.policy not in ("latest", "all", "specific"):
            raise ValueError(f"Model {self.name!r}: version policy must be latest, all or specific, got "
                             f"{self.policy!r}.")
        if self.policy == "specific" and not self.versions:
            raise ValueError(f"Model {self.name!r}: the 'specific' version policy needs versions.")
        if self.num_latest < 1:
            raise ValueError(f"Model {self.name!r}: num_latest must be >= 1.")
        self.versions = tuple(int(v) for v in self.versions)
        self.labels = {str(k): int(v) for k, v in (self.labels or {}).items()}

    def select(self, on_disk) -> list:
        """The versions this policy serves among `on_disk` (sorted ascending)."""
        on_disk = sorted(on_disk)
        if self.policy == "all":
            return on_disk
        if self.policy == "specific":
            return [v for v in on_disk if v in self.versions]
        return on_disk[-self.num_latest :]


def _to_proto(entries):
    from tensorflow_serving.config import model_server_config_pb2

    config = model_server_config_pb2.ModelServerConfig()
    for e in entries:
        c = config.model_config_list.config.add()
        c.name = e.name
        c.base_path = e.base_path
        c.model_platform = "tensorflow"
        policy = c.model_version_policy
        if e.policy == "all":
            policy.all.SetInParent()
        elif e.policy == "specific":
            policy.specific.versions.extend(e.versions)
        elif e.num_latest != 1:
            policy.latest.num_versions = e.num_latest
        else:
            policy.latest.SetInParent()
        for label, version in sorted(e.labels.items()):
            c.version_labels[label] = version
    return config


def model_config_text(entries) -> str:
    """The text-format `ModelServerConfig` for `entries` (a list of `ModelEntry` or dicts of its fields)."""
    entries = [e if isinstance(e, ModelEntry) else ModelEntry(**e) for e in entries]
    names = [e.name for e in entries]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"Duplicate model name(s) in the config: {dup}.")
    for e in entries:
        pinned = set(e.versions) if e.policy == "specific" else None
        for label, version in e.labels.items():
            if pinned is not None and version not in pinned:
                raise ValueError(
                    f"Model {e.name!r}: label {label!r} points at version {version}, which the specific policy "
                    f"{sorted(pinned)} does not serve (TF Serving refuses such a config)."
                )
    return text_format.MessageToString(_to_proto(entries))


def entries_from_dir(base_dir, container_base="/models", policy="latest", num_latest=1, labels=None,
                     models=None) -> list:
    """One `ModelEntry` per model directory of `base_dir` (each holding integer versions).

    Args:
        container_base: where `base_dir` is mounted in the serving container (`/models` for the
            `tensorflow/serving` image); `None` keeps the local absolute paths (for the local server).
        policy: "latest", "all" or "specific" (then every version on disk is pinned, so later exports are not
            picked up until the config changes).
        labels: {model_name: {label: version}}.
        models: only these model names.
    """
    base_dir = os.fspath(base_dir)
    out = []
    for name in sorted(os.listdir(base_dir)):
        path = os.path.join(base_dir, name)
        if name.startswith(".") or not os.path.isdir(path) or (models and name not in models):
            continue
        versions = list_versions(path)
        if not versions:
            continue
        base_path = os.path.abspath(path) if container_base is None else f"{container_base.rstrip('/')}/{name}"
        out.append(
            ModelEntry(
                name=name,
                base_path=base_path,
                policy=policy,
                num_latest=num_latest,
                versions=tuple(versions) if policy == "specific" else (),
                labels=(labels or {}).get(name, {}),
            )
        )
    if models:
        missing = sorted(set(models) - {e.name for e in out})
        if missing:
            raise ValueError(f"No exported versions under {base_dir} for model(s) {missing}.")
    return out


def write_model_config(path, entries=None, base_dir=None, **kwargs) -> str:
    """Writes `models.config` for `entries`, or for every model under `base_dir` (kwargs go to `entries_from_dir`).
    Returns the path."""
    if entries is None:
        if base_dir is None:
            raise ValueError("write_model_config needs entries or base_dir.")
        entries = entries_from_dir(base_dir, **kwargs)
    text = model_config_text(entries)
    os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return os.fspath(path)


def read_model_config(path_or_text, relative_to=None) -> list:
    """Parses a `models.config` (file path or text) into `ModelEntry`s. Relative base paths are resolved against
    `relative_to` (default: the config file's directory)."""
    from tensorflow_serving.config import model_server_config_pb2

    text = path_or_text
    if os.path.exists(os.fspath(path_or_text)):
        with open(path_or_text) as f:
            text = f.read()
        if relative_to is None:
            relative_to = os.path.dirname(os.path.abspath(os.fspath(path_or_text)))
    config = model_server_config_pb2.ModelServerConfig()
    try:
        text_format.Parse(text, config)
    except text_format.ParseError as e:
        raise ValueError(f"Invalid model config: {e}") from None
    if config.WhichOneof("config") != "model_config_list":
        raise ValueError("The model config has no model_config_list (custom_model_config is not supported).")
    entries = []
    for c in config.model_config_list.config:
        if c.model_platform not in ("", "tensorflow"):
            raise ValueError(f"Model {c.name!r}: model_platform {c.model_platform!r} is not supported (tensorflow "
                             "only).")
        base = c.base_path
        if relative_to and not os.path.isabs(base) and "://" not in base:
            base = os.path.join(relative_to, base)
        which = c.model_version_policy.WhichOneof("policy_choice")
        kwargs = {}
        if which == "all":
            kwargs["policy"] = "all"
        elif which == "specific":
            kwargs.update(policy="specific", versions=tuple(c.model_version_policy.specific.versions))
        elif which == "latest":
            kwargs.update(policy="latest", num_latest=max(1, c.model_version_policy.latest.num_versions or 1))
        entries.append(ModelEntry(name=c.name, base_path=base, labels=dict(c.version_labels), **kwargs))
    return entries


def main(argv=None):
    """`python -m tfgan_zoo.serving.config --base_dir models --out serving/models.config`: a models.config for every
    model exported under a base directory."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--base_dir", required=True, help="Export base directory (<base>/<name>/<version>/).")
    parser.add_argument("--out", required=True, help="The models.config to write.")
    parser.add_argument("--container_base", default="/models",
                        help="Where base_dir is mounted in the server ('' keeps local absolute paths).")
    parser.add_argument("--policy", choices=("latest", "all", "specific"), default="latest")
    parser.add_argument("--num_latest", type=int, default=1)
    parser.add_argument("--models", nargs="*", default=None, help="Only these models.")
    args = parser.parse_args(argv)
    path = write_model_config(args.out, base_dir=args.base_dir, container_base=args.container_base or None,
                              policy=args.policy, num_latest=args.num_latest, models=args.models)
    print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
