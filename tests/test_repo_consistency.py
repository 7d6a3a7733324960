"""Every registered model has a tiny config, a paper config, a test file and a README row; layers point one way."""

import ast
import os
import re

import pytest

import tfgan_zoo
from tests.conftest import REPO


@pytest.mark.parametrize("name", tfgan_zoo.list_models())
def test_model_has_configs_tests_and_readme_row(name):
    folder = os.path.join(REPO, "zoo_configs", name)
    assert os.path.exists(os.path.join(folder, f"{name}_tiny.yaml")), "missing tiny config"
    paper = [f for f in os.listdir(folder) if re.fullmatch(rf"{name}_[a-z0-9]+_\d+\.yaml", f) and "digits" not in f]
    assert paper, f"missing a paper config zoo_configs/{name}/{name}_<dataset>_<resolution>.yaml"
    # bundled real data: the digits sets, or the bundled photographs for super-resolution
    assert any("digits" in f or "photos" in f for f in os.listdir(folder)), "missing a bundled-data config"
    assert os.path.exists(os.path.join(REPO, "tests", "models", f"test_{name}.py")), "missing a family test file"
    readme = open(os.path.join(REPO, "README.md")).read()
    rows = re.findall(rf"^\| `{name}` \|", readme, re.M)
    assert len(rows) == 1, f"{len(rows)} README model-table rows for {name}; expected exactly one"
    cls = tfgan_zoo.get_model_class(name)
    doc = cls.__doc__ or ""
    for section in ("Args:", "Example:", "Reference:"):
        assert section in doc, f"{cls.__name__} docstring lacks {section}"


# ------------------------------------------------------------------------------------------------ import direction
# core (tfgan_zoo base/layers/losses/networks/data/training/evaluation/utils, config, registry, tasks)
#   ← families (tfgan_zoo/models/<family>) ← pretrained (presets, converters, preset builder)
#   ← export ← serving ← cli.
# export/ and serving/ sit at the top of the repository and install as tfgan_zoo.export / tfgan_zoo.serving.
_PACKAGES = {"tfgan_zoo": "tfgan_zoo", "export": "tfgan_zoo.export", "serving": "tfgan_zoo.serving"}
#: a family that is a published variant of another and subclasses it (BigGAN-deep is BigGAN's recipe with other
#: blocks); every other cross-family import is refused.
VARIANT_OF = {"biggan_deep": "biggan"}
_CORE = ("base", "layers", "losses", "networks", "data", "training", "evaluation", "utils", "config", "registry",
         "tasks", "_env")


def _imports():
    """`(file relative to the repo, line, imported module)` for every tfgan_zoo import in the library's sources."""
    found = []
    for folder, package in _PACKAGES.items():
        for root, _, files in os.walk(os.path.join(REPO, folder)):
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, REPO)
                module = package + "." + os.path.relpath(path, os.path.join(REPO, folder))[:-3].replace(os.sep, ".")
                module = module.removesuffix(".__init__")
                with open(path) as f:
                    tree = ast.parse(f.read(), rel)
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        targets = [a.name for a in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        base = node.module or ""
                        if node.level:  # relative import: resolve against this module's package
                            parent = module.split(".")[: len(module.split(".")) - node.level + (name == "__init__.py")]
                            base = ".".join(parent + ([base] if base else []))
                        targets = [base] + [f"{base}.{a.name}" for a in node.names]
                    else:
                        continue
                    found += [(rel, node.lineno, t) for t in targets if t.split(".")[0] == "tfgan_zoo"]
    return found


def _layer_of(rel):
    parts = rel.split(os.sep)
    if parts[0] in ("export", "serving"):
        return parts[0]
    name = parts[1].removesuffix(".py")
    if name == "models" and len(parts) > 3:
        return "models." + parts[2]
    return name


def _is(module, *prefixes):
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_layers_point_one_way():
    imports = _imports()
    assert len(imports) > 100, "the import scan found too little; is the repository layout still the same?"
    bad = []
    for rel, line, target in imports:
        layer = _layer_of(rel)
        where = f"{rel}:{line} imports {target}"
        if layer != "cli" and _is(target, "tfgan_zoo.cli"):
            bad.append(f"{where}: only the console script is the CLI; call the library function it calls")
        if layer == "export" and _is(target, "tfgan_zoo.serving"):
            bad.append(f"{where}: serving builds on export, never the other way")
        if layer not in ("cli", "export", "serving") and _is(target, "tfgan_zoo.export", "tfgan_zoo.serving"):
            bad.append(f"{where}: the library imports without export/serving; only tfgan_zoo/cli.py uses them")
        if layer not in ("cli",) and target.endswith(".cli_commands") and not rel.endswith("cli_commands.py"):
            bad.append(f"{where}: CLI wiring is for the CLI; use the library function behind the command")
        if layer in _CORE and _is(target, "tfgan_zoo.models") and target != "tfgan_zoo.models":
            bad.append(f"{where}: core code must not depend on one family; family code belongs in its folder")
        if layer.startswith("models.") and _is(target, "tfgan_zoo.pretrained", "tfgan_zoo.training"):
            bad.append(f"{where}: families sit below presets/converters and the trainer")
        family = layer.removeprefix("models.")
        if layer.startswith("models.") and _is(target, "tfgan_zoo.models") and target.count(".") >= 2 \
                and target.split(".")[2] not in (family, VARIANT_OF.get(family)):
            bad.append(f"{where}: a family never imports another family; move what both need into the core")
    assert not bad, "imports against the layer direction:\n" + "\n".join(bad)
