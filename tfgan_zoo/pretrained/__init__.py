"""Pretrained generators: presets loadable by name, folder or URL, with sha256-verified `.weights.h5` files.

See `presets.py` for the folder format and the lookup order (offline mirror `$TFGAN_ZOO_PRESETS`, shipped assets,
download cache, registered URL).
"""

from tfgan_zoo.pretrained.presets import (
    PRESETS_ENV,
    QUALITY_FLOOR,
    WITHDRAWN_PRESETS,
    PresetError,
    PresetSpec,
    default_cache_dir,
    from_preset,
    get_preset_spec,
    list_presets,
    quality_floor_failures,
    read_preset,
    register_preset,
    save_to_preset,
    sha256_of,
    unregister_preset,
)

__all__ = [
    "PRESETS_ENV", "QUALITY_FLOOR", "WITHDRAWN_PRESETS", "PresetError", "PresetSpec", "default_cache_dir",
    "from_preset", "get_preset_spec", "list_presets",
    "quality_floor_failures", "read_preset", "register_preset", "save_to_preset", "sha256_of", "unregister_preset",
]
