"""Importing this package registers every model family.

Each sub-package of `tfgan_zoo.models` is one family; importing it runs its `@register_model` decorators. Families
are discovered, not listed, so adding a folder here is all it takes to add a model to the zoo.
"""

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if _info.ispkg and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
del _info
