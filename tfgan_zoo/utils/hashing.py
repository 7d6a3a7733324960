"""File hashing shared by the shipped assets (digits classifier, presets) and user-supplied feature networks."""

from __future__ import annotations

import hashlib


def sha256_of(path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
