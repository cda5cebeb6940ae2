"""The layout shows the roles, and imports point one way: the API sits on the scheduler and
the executor, which sit on the store. A back-arrow (the store importing the executor, say)
would tie a role to code it must not need: a store that can be used without starting
processes, an executor that runs without a scheduler.

The imports are read with ast (never by importing), including imports inside functions, and
followed through the modules in between, so an arrow routed through a top-level module counts.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import tickwork

SOURCE = Path(tickwork.__file__).parent
# Each role package, and the packages it must never reach, directly or through other modules.
FORBIDDEN = {
    "tickwork.store": ("tickwork.scheduler", "tickwork.executor", "tickwork.api"),
    "tickwork.executor": ("tickwork.scheduler", "tickwork.api"),
    "tickwork.scheduler": ("tickwork.api",),
}


def test_no_role_imports_back_against_the_layout():
    assert back_arrows(import_graph(SOURCE)) == []


def test_it_finds_a_lazy_relative_import_and_an_arrow_through_a_neutral_module(tmp_path):
    root = tmp_path / "tickwork"
    for package in ("", "store", "executor", "scheduler", "api"):
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "store" / "pruning.py").write_text("def f():\n    from ..scheduler import engine\n")
    (root / "scheduler" / "engine.py").write_text("from tickwork.store import pruning\n")
    (root / "executor" / "local.py").write_text("from tickwork import neutral\n")
    (root / "neutral.py").write_text("import tickwork.api.spec\n")
    (root / "api" / "spec.py").write_text("from tickwork.executor.local import f\n")

    assert back_arrows(import_graph(root)) == [
        "tickwork.executor.local -> tickwork.neutral -> tickwork.api.spec",
        "tickwork.store.pruning -> tickwork.scheduler.engine",
    ]


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each module under `root` (a package directory) and the modules of it that it imports;
    importing `a.b.c` runs `a` and `a.b` too, so those count as imported."""
    paths = {_name(root, path): path for path in root.rglob("*.py")}
    modules = set(paths)
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            for target in _imported(node, package, modules):
                targets.update(_with_parents(target))
        graph[name] = (targets & modules) - {name}
    return graph


def back_arrows(graph: dict[str, set[str]]) -> list[str]:
    """Every forbidden module a role module reaches, each with the first chain that gets there;
    a package is left out when a module inside it is named already."""
    found = []
    for source in sorted(graph):
        forbidden = next((bad for role, bad in FORBIDDEN.items() if _within(source, role)), ())
        chains = _chains(graph, source)
        bad = {end for end in chains if any(_within(end, package) for package in forbidden)}
        for end in sorted(bad):
            if not any(other != end and _within(other, end) for other in bad):
                found.append(" -> ".join(chains[end]))
    return found


def _chains(graph: dict[str, set[str]], source: str) -> dict[str, list[str]]:
    """The shortest import chain from `source` to each module it reaches (breadth first)."""
    chains = {source: [source]}
    waiting = deque([source])
    while waiting:
        module = waiting.popleft()
        for target in sorted(graph.get(module, ())):
            if target not in chains:
                chains[target] = chains[module] + [target]
                waiting.append(target)
    del chains[source]
    return chains


def _imported(node: ast.AST, package: str, modules: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
    # `from a import b` imports the module a.b when there is one, else a name defined in a.
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
        for alias in node.names
    ]


def _with_parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _name(root: Path, path: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")
