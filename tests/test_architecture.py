"""The layering ARCHITECTURE.md states: each package imports only the layers below it, the rooms
of ``keras_zoo.tuning`` only the rooms they may, nothing imports the command line
(``keras_zoo.cli``, ``keras_zoo_cli``), the command's entry (``keras_zoo_cli``) imports no Keras
until it runs a command that needs it, and no modules import each other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "keras_zoo"
ENTRY = ROOT.parent / "keras_zoo_cli"  # the console script's light entry

# package -> the keras_zoo packages it must never import (at module level or inside functions)
FORBIDDEN = {
    "base": ("keras_zoo.zoo", "keras_zoo.datasets", "keras_zoo.diagnostics", "keras_zoo.tuning",
             "keras_zoo.cli", "keras_zoo_cli"),
    "datasets": ("keras_zoo.zoo", "keras_zoo.diagnostics", "keras_zoo.tuning", "keras_zoo.cli",
                 "keras_zoo_cli"),
    "zoo": ("keras_zoo.datasets", "keras_zoo.diagnostics", "keras_zoo.tuning", "keras_zoo.cli",
            "keras_zoo_cli"),
    "diagnostics": ("keras_zoo.datasets", "keras_zoo.tuning", "keras_zoo.cli", "keras_zoo_cli"),
    "tuning": ("keras_zoo.cli", "keras_zoo_cli"),
}

# The rooms of keras_zoo.tuning -> the rooms each may import (at module level or inside
# functions). The face (engine, checks, config, directory, outcome, progress, results and the
# package's __init__) may import every room; the ground (schema, space, ranking, errors) none.
TUNING = "keras_zoo.tuning"
GROUND = ("schema", "space", "ranking", "errors")
ROOMS = {
    "ground": ("ground",),
    "trial": ("ground", "trial"),
    "oracles": ("ground", "oracles"),
    "runtime": ("ground", "trial", "oracles", "runtime"),
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


# The command line (keras_zoo.cli, and the entry keras_zoo_cli) may import every package; no
# package imports it, keras_zoo/__init__.py included: `import keras_zoo` is the same everywhere.
CLI = ("keras_zoo.cli", "keras_zoo_cli")

# What the entry imports of keras_zoo, each inside a function that runs once the command needs
# the package: the command (main), the registry's error for an unknown family (listing), the
# search the early workers are handed to (prestart).
ENTRY_LATE = {"__init__.py": {"keras_zoo.cli.app", "keras_zoo.cli.app.run"},
              "listing.py": {"keras_zoo.base.names", "keras_zoo.base.names.unknown_name_error"},
              "prestart.py": {"keras_zoo.tuning.runtime", "keras_zoo.tuning.runtime.launcher"}}


def test_nothing_imports_the_command_line():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.relative_to(ROOT).parts[0] == "cli":
            continue
        for line, name in _imports(path):
            if any(name == cli or name.startswith(cli + ".") for cli in CLI):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_the_entry_imports_only_the_standard_library_until_a_command_needs_the_package():
    """At module level ``keras_zoo_cli`` imports the standard library and itself only, so
    ``--help``, ``--version`` and the listings run without Keras; inside functions, only what
    :data:`ENTRY_LATE` names, once the command needs it."""
    import sys

    offenders = []
    for path in sorted(ENTRY.glob("*.py")):
        tree = ast.parse(path.read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in top if isinstance(n, ast.ImportFrom)]
        offenders += [f"{path.name} imports {n} at module level" for n in names
                      if n.split(".")[0] not in (*sys.stdlib_module_names, "keras_zoo_cli")]
        late = {n for _, n in _imports(path) if n.split(".")[0] not in
                (*sys.stdlib_module_names, "keras_zoo_cli", "__future__")}
        offenders += [f"{path.name} imports {n}" for n in sorted(late - ENTRY_LATE.get(path.name, set()))]
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


# === Circles: modules that import each other, counting imports inside functions ===

def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_graph(*roots: Path) -> dict[str, set[str]]:
    """Module -> the modules of the ``roots``' packages it imports, anywhere in its code:
    ``import a.b``, ``from a import b`` (``a.b`` when ``b`` is a submodule, else ``a``) and
    relative imports, each taken as the longest module of the packages it names."""
    paths = {_module_name(p, root): p for root in roots for p in sorted(root.rglob("*.py"))}

    def known(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                names = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            targets.update(t for t in map(known, names) if t is not None and t != module)
        graph[module] = targets
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other_in_a_circle():
    graph = _module_graph(ROOT, ENTRY)
    circles = [" -> ".join(c) + "\n    " + "\n    ".join(
        f"{a} imports {', '.join(sorted(graph[a] & set(c)))}" for a in c)
        for c in _circles(graph)]
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_circle_finder_sees_function_level_submodule_and_relative_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("from ..c import thing\n")
    (package / "c.py").write_text("import pkg.a\nthing = 1\n")
    (package / "d.py").write_text("from pkg import a\n")
    graph = _module_graph(package)
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.c"}
    assert _circles(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]


# === The rooms of keras_zoo.tuning ===

def _room(module: str) -> str:
    """The room of a module of keras_zoo.tuning (ARCHITECTURE.md): ``trial``, ``oracles``,
    ``runtime``, ``ground`` or ``face``."""
    first = module[len(TUNING) + 1:].split(".")[0]
    if first in ROOMS:
        return first
    return "ground" if first in GROUND else "face"


def test_the_rooms_of_tuning_import_only_the_rooms_they_may():
    graph = _module_graph(ROOT)
    offenders = []
    for module, targets in sorted(graph.items()):
        if not module.startswith(TUNING + ".") or _room(module) == "face":
            continue
        allowed = ROOMS[_room(module)]
        for target in sorted(targets):
            if target.startswith(TUNING) and _room(target) not in allowed:
                offenders.append(f"{module} ({_room(module)}) imports {target} ({_room(target)})")
    assert not offenders, "\n".join(offenders)


def test_every_module_of_tuning_is_in_a_room_the_architecture_names():
    ground = {p.stem for p in (ROOT / "tuning").glob("*.py")} & set(GROUND)
    rooms = {p.name for p in (ROOT / "tuning").iterdir() if (p / "__init__.py").exists()}
    assert ground == set(GROUND) and rooms == set(ROOMS) - {"ground"}
