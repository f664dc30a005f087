"""The layering ARCHITECTURE.md states: each package imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "keras_zoo"

# package -> the keras_zoo packages it must never import (at module level or inside functions)
FORBIDDEN = {
    "base": ("keras_zoo.zoo", "keras_zoo.datasets", "keras_zoo.diagnostics", "keras_zoo.tuning",
             "keras_zoo.cli"),
    "datasets": ("keras_zoo.zoo", "keras_zoo.diagnostics", "keras_zoo.tuning", "keras_zoo.cli"),
    "zoo": ("keras_zoo.datasets", "keras_zoo.diagnostics", "keras_zoo.tuning", "keras_zoo.cli"),
    "diagnostics": ("keras_zoo.datasets", "keras_zoo.tuning", "keras_zoo.cli"),
    "tuning": ("keras_zoo.cli",),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_a_layer_above_it(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package]):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_no_module_exceeds_500_lines():
    long = [f"{p.relative_to(ROOT.parent)}: {n} lines" for p in sorted(ROOT.rglob("*.py"))
            if (n := len(p.read_text().splitlines())) > 500]
    assert not long, "\n".join(long)


def test_no_family_module_is_named_after_a_factory_it_exports():
    import keras_zoo as kz

    modules = {p.stem for p in (ROOT / "zoo").iterdir()
               if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    assert not modules & set(kz.zoo.list_models())


def test_the_import_checker_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from keras_zoo.zoo.heads import resolve_head\n")
    assert (2, "keras_zoo.zoo.heads") in _imports(module)
