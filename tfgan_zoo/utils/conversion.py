"""What a weights converter reports, and the error it raises: shared by every family's converter.

Family converters (`tfgan_zoo/models/<family>/<family>_convert.py`, `tfgan_zoo.pretrained.convert`) fill a
`ConversionReport` as they map official checkpoint keys onto Keras weights and raise `ConversionError` (carrying the
report) when the mapping is not clean.
"""

from __future__ import annotations

import dataclasses

__all__ = ["ConversionError", "ConversionReport"]


class ConversionError(ValueError):
    """A checkpoint does not map cleanly onto the Keras network; `.report` has the details."""

    def __init__(self, message, report=None):
        super().__init__(message)
        self.report = report


@dataclasses.dataclass
class ConversionReport:
    """What a conversion did.

    Attributes:
        source: the checkpoint path.
        architecture: the official architecture read from the keys (e.g. `unet_256, ngf=64, batch norm`).
        mapped: `(checkpoint key, keras weight path)` pairs.
        filled: `(keras weight path, value, reason)`: weights the official network lacks, set to the value that
            makes the networks equal.
        missing: Keras weights that should have come from the checkpoint but did not.
        unused: checkpoint keys nothing was mapped from.
        ignored: `(checkpoint key, reason)`: keys knowingly skipped (e.g. BatchNorm's num_batches_tracked).
        mismatched: `(checkpoint key, checkpoint shape, expected shape)`.
    """

    source: str
    architecture: str = ""
    mapped: list = dataclasses.field(default_factory=list)
    filled: list = dataclasses.field(default_factory=list)
    missing: list = dataclasses.field(default_factory=list)
    unused: list = dataclasses.field(default_factory=list)
    ignored: list = dataclasses.field(default_factory=list)
    mismatched: list = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unused or self.mismatched)

    def __str__(self):
        lines = [f"Converted {self.source} ({self.architecture}): {len(self.mapped)} tensors mapped."]
        for title, items in (("filled (absent from the official network; equivalent value)", self.filled),
                             ("missing from the checkpoint", self.missing), ("unused checkpoint keys", self.unused),
                             ("ignored checkpoint keys", self.ignored), ("shape mismatches", self.mismatched)):
            if items:
                lines.append(f"  {title} ({len(items)}):")
                lines += [f"    {item if isinstance(item, str) else ' | '.join(map(str, item))}" for item in items[:20]]
                if len(items) > 20:
                    lines.append(f"    … and {len(items) - 20} more")
        return "\n".join(lines)


@dataclasses.dataclass
class MultiNetworkConversionReport(ConversionReport):
    """A `ConversionReport` over a model of several official networks (CycleGAN's G_A, G_B, D_A, D_B; StarGAN's G
    and D): the lists hold every network's entries, checkpoint keys prefixed by the official network (`G_A:...`) and
    Keras paths by the zoo network; `networks` has each converted network's own report, `not_converted` the networks
    left at their initialisation and why, `checkpoint` which files were chosen (e.g. `latest`)."""

    networks: dict = dataclasses.field(default_factory=dict)
    not_converted: dict = dataclasses.field(default_factory=dict)
    checkpoint: str = ""
    #: the zoo model's registry name, for the summary line
    model: str = ""

    def add(self, official, zoo_name, report: ConversionReport):
        self.networks[official] = report
        self.mapped += [(f"{official}:{k}", f"{zoo_name}/{p}") for k, p in report.mapped]
        self.filled += [(f"{zoo_name}/{p}", v, r) for p, v, r in report.filled]
        self.missing += [f"{zoo_name}/{m}" for m in report.missing]
        self.unused += [f"{official}:{k}" for k in report.unused]
        self.ignored += [(f"{official}:{k}", r) for k, r in report.ignored]
        self.mismatched += [(f"{official}:{k}", a, b) for k, a, b in report.mismatched]

    def convert_networks(self, networks, states: dict, files: dict, mapper_cls, strict: bool):
        """Maps every `(official, zoo network, mapping, spec)` of `networks` whose state dict is in `states` (`files`
        names their files) with `mapping(mapper_cls(state, network, report), spec)`, adds each network's report, and
        with `strict` raises `ConversionError` unless everything mapped. A network without a checkpoint is reported
        as left at its initialisation (a `None` network is one the model does not have)."""
        for official, network, mapping, spec in networks:
            if official not in states:
                if network is not None:
                    self.not_converted[official] = "no checkpoint"
                continue
            mapper = mapper_cls(states[official], network, ConversionReport(str(files[official]), self.architecture))
            mapping(mapper, spec)
            self.add(official, network.name, mapper.finish(strict=False))
        self.mapped.sort()
        if strict and not self.ok:
            raise ConversionError(f"The checkpoints do not map cleanly onto the zoo's {self.model} (pass strict=False "
                                  "to load them anyway):\n" + str(self), self)

    def label(self, official) -> str:
        """How a network is named in the summary (subclasses add the zoo network)."""
        return official

    def __str__(self):
        lines = [f"Converted {self.source} ({self.checkpoint}) into {self.model} ({self.architecture}): "
                 f"{len(self.mapped)} tensors mapped."]
        for official, report in self.networks.items():
            lines.append(f"- {self.label(official)}: " + str(report).replace("\n", "\n  "))
        for official, reason in self.not_converted.items():
            lines.append(f"- {self.label(official)}: NOT CONVERTED, left at its initialisation ({reason})")
        return "\n".join(lines)


def resolve_network_files(checkpoint, discriminator, encoder, which_epoch: str, what: str) -> dict:
    """The files of a pix2pixHD-style checkpoint folder (`<which_epoch>_net_G.pth` and, when present, `_net_D` /
    `_net_E`) or of one generator file, with explicitly given D / E files taking precedence: {"G": path, ...}.
    `what` names the codebase in errors."""
    from pathlib import Path

    path = Path(checkpoint)
    if path.is_dir():
        files = {"G": path / f"{which_epoch}_net_G.pth"}
        if not files["G"].is_file():
            found = sorted(f.name for f in path.glob("*_net_G.pth"))
            raise FileNotFoundError(f"No {which_epoch}_net_G.pth in {path} (generators there: {found or 'none'}); "
                                    "pass which_epoch= or the file itself.")
        for net in ("D", "E"):
            if (path / f"{which_epoch}_net_{net}.pth").is_file():
                files[net] = path / f"{which_epoch}_net_{net}.pth"
    elif path.is_file():
        files = {"G": path}
    else:
        raise FileNotFoundError(f"No such {what} checkpoint file or directory: {path}")
    for net, extra in (("D", discriminator), ("E", encoder)):
        if extra is not None:
            if not Path(extra).is_file():
                raise FileNotFoundError(f"No such {net} checkpoint file: {extra}")
            files[net] = Path(extra)
    return files
