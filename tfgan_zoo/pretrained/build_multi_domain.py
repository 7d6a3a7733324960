"""Builds a multi-domain preset (StarGAN on the bundled `digits_attributes`): train, judge next to the untrained model
of the same config and seed, write the preset. Called by `python -m tfgan_zoo.pretrained.build --config ...` for
configs whose `data.source` is `digits_attributes`."""

from __future__ import annotations

from pathlib import Path

#: The bundled multi-domain set's provenance.
MULTI_DOMAIN_DATASET = ("scikit-learn handwritten digits and digits 0-9 printed in the typefaces matplotlib ships, "
                        "labelled with the attributes printed / bold / oblique (five domains)")
MULTI_DOMAIN_LICENSE = ("weights: released with tfgan_zoo under its license; training data: UCI handwritten digits, "
                        "CC BY 4.0; DejaVu / STIX / Computer Modern typefaces under their free font licenses")


def build_multi_domain_preset(config_path, steps: int | None = None, name: str | None = None, out_dir=None,
                              workdir=None, overrides: list[str] | None = None, max_mb: float = 0.8,
                              verbose: int = 2, weights_dtype: str = "float32") -> Path:
    """Trains the config, judges it with `evaluation.multi_domain.multi_domain_report` (and the untrained model) and
    writes the preset (metrics protocol `multi_domain_report`); returns its preset.json path."""
    from tfgan_zoo.evaluation.multi_domain import multi_domain_report
    from tfgan_zoo.pretrained.build import build_judged_preset

    def reconstruction(result, config):
        rec = result.history["g_rec"]
        return {"reconstruction_loss": {"first_epoch": round(rec[0], 4), "last_epoch": round(rec[-1], 4)}}

    return build_judged_preset(
        config_path, source="digits_attributes", judge=multi_domain_report, protocol="multi_domain_report",
        dataset="digits_attributes", description=MULTI_DOMAIN_DATASET, license=MULTI_DOMAIN_LICENSE,
        extra_training=reconstruction, steps=steps, name=name, out_dir=out_dir, workdir=workdir,
        overrides=overrides, max_mb=max_mb, verbose=verbose, weights_dtype=weights_dtype)
