"""Architecture rules of docs/ARCHITECTURE.md that a reviewer would otherwise have to remember."""

import ast
import inspect
import pathlib

import pytest

import tfgan_zoo
from tfgan_zoo import tasks
from tfgan_zoo.base.gan import BaseGAN

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCANNED = ["tfgan_zoo", "export", "serving", "benchmarks", "tests"]
#: task names, current and announced (Level 3): none may be compared against outside tasks.py.
TASK_NAMES = set(tasks.TASKS) | {"super_resolution", "unpaired_translation", "multi_domain", "few_shot",
                                 "semantic_synthesis", "text_to_image"}

#: families whose paper's algorithm differs in structure from the one adversarial step, and so write their own
#: `train_step` (each says why in its docstring's first line).
CUSTOM_STEPS = {"bigbigan", "icgan", "improved_gan", "lapgan", "lapgan_conditional", "srgan", "esrgan"}


def _python_files():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if ".venv" not in path.parts:
                yield path


def _task_name_comparisons(tree):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        for operand in [node.left, *node.comparators]:
            values = operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]
            for sub in values:
                if isinstance(sub, ast.Constant) and sub.value in TASK_NAMES:
                    yield node.lineno, sub.value


def test_no_task_name_comparison_outside_the_task_module():
    found = []
    for path in _python_files():
        if path in (ROOT / "tfgan_zoo" / "tasks.py", pathlib.Path(__file__).resolve()):  # the rule and its own test
            continue
        tree = ast.parse(path.read_text(), str(path))
        found += [f"{path.relative_to(ROOT)}:{line} compares with {name!r}"
                  for line, name in _task_name_comparisons(tree)]
    assert not found, "ask model.task instead of comparing task names:\n" + "\n".join(found)


def test_the_rule_catches_a_comparison():
    tree = ast.parse('if model.task == "conditional" or kind in ("image_to_image", "x") or f("unconditional") == y:\n'
                     '    pass\n')
    assert sorted(name for _, name in _task_name_comparisons(tree)) == ["conditional", "image_to_image"]


@pytest.mark.parametrize("name", tfgan_zoo.list_models())
def test_train_step_is_shared_unless_the_algorithm_differs(name):
    cls = tfgan_zoo.get_model_class(name)
    owner = next(k for k in cls.__mro__ if "train_step" in vars(k))
    if name in CUSTOM_STEPS:
        assert owner is not BaseGAN, f"{name} is listed as custom but uses the shared step: remove it from the list"
        doc = inspect.getdoc(owner.train_step) or ""
        assert len(doc.split(".")[0]) > 30, f"{owner.__name__}.train_step must say why it differs in its first line"
    else:
        assert owner is BaseGAN, (
            f"{name} overrides train_step in {owner.__name__}; use BaseGAN's hooks, or add it to CUSTOM_STEPS with "
            "the reason its paper's algorithm differs in structure"
        )


def test_registration_agrees_with_the_instance_task():
    for name in tfgan_zoo.list_models():
        declared = tfgan_zoo.get_model_class(name).TASK
        assert isinstance(declared, tasks.Task)
        assert name in tfgan_zoo.list_models(declared.name)
