"""Every registered model has a tiny config, a paper config, a test file and a README row."""

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
    assert any("digits" in f for f in os.listdir(folder)), "missing a bundled-digits config"
    assert os.path.exists(os.path.join(REPO, "tests", "models", f"test_{name}.py")), "missing a family test file"
    readme = open(os.path.join(REPO, "README.md")).read()
    rows = re.findall(rf"^\| `{name}` \|", readme, re.M)
    assert len(rows) == 1, f"{len(rows)} README model-table rows for {name}; expected exactly one"
    cls = tfgan_zoo.get_model_class(name)
    doc = cls.__doc__ or ""
    for section in ("Args:", "Example:", "Reference:"):
        assert section in doc, f"{cls.__name__} docstring lacks {section}"
