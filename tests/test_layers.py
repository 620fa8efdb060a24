"""The layers of ARCHITECTURE.md, read from the source with `ast` (no imports run):
tui → core.flows → core → enclave_agent, imports only pointing down, and no import cycles.

Every import counts, lazy ones inside functions and `TYPE_CHECKING` ones included: a cycle that
only type checkers see still ties two modules together. Importing `a.b.c` also runs `a` and
`a.b`'s `__init__`, so those count as imported too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tui", "core", "enclave_agent")


def module_files() -> dict[str, Path]:
    """Every module of the three packages by dotted name (a package by its `__init__`)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = module_files()


def _imported_names(module: str, path: Path) -> Iterator[str]:
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from a import b` may import the module a.b; else it imports a.
            for alias in node.names:
                yield f"{source}.{alias.name}"


def _owner(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (and the packages whose `__init__` that runs)."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        edges: set[str] = set()
        for name in _imported_names(module, path):
            target = _owner(name)
            if target is None:
                continue
            parts = target.split(".")
            for end in range(1, len(parts) + 1):
                edges.add(".".join(parts[:end]))
        ancestors = {".".join(module.split(".")[:end]) for end in range(1, module.count(".") + 1)}
        graph[module] = {t for t in edges if t in MODULES and t != module and t not in ancestors}
    return graph


GRAPH = import_graph()


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer(module: str) -> int:
    """0 enclave_agent, 1 core, 2 core.flows, 3 tui: an import may only go to a lower number
    (or stay in its own layer)."""
    if module.startswith("tui"):
        return 3
    if module == "core.flows" or module.startswith("core.flows."):
        return 2
    return 1 if module.startswith("core") else 0


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


def test_imports_point_down() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if layer(target) > layer(module)
    )
    assert upward == []


def test_the_checks_can_fail() -> None:
    # Guards the tests above: the graph sees lazy and TYPE_CHECKING imports, and finds a cycle.
    assert "core.remote.target" in GRAPH["core.platform.select"]  # lazy, inside a function
    assert "tui.engine.host" in GRAPH["tui.tour"]  # under TYPE_CHECKING
    assert "core.platform" in GRAPH["core.remote.target"]  # a package's __init__ runs too
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert layer("core.flows.run") == 2 and layer("tui.cli.main") == 3
    assert layer("enclave_agent.protocol") == 0 and layer("core.kms.pin") == 1


EDGES = {
    "tui.cli.main": "the command line's entry",
    "tui.cli.nitro_cli": "nitro-cli's front end's entry",
    "tui.cli.output": "a command handler run without main (its edge)",
    "tui.cli.serve": "a served process's entry",
    "tui.app": "the app's start",
    "tui.engine.access": "a platform given to the app already open (tests, pictures)",
    "core.remote.served": "a served process's calls",
    "core.platform.sim.supervisor": "an enclave supervisor's entry (a process of its own)",
    "tui.cli.nitro_cli.enclaves": "nitro-cli mode, a process of its own standing in for nitro-cli",
    "tui.cli.nitro_cli.blocks": "nitro-cli mode's err logs (the same process)",
}


def _calls(path: Path, name: str) -> int:
    tree = ast.parse(path.read_text(), str(path))
    return sum(
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
        for node in ast.walk(tree)
    )


def test_the_home_is_resolved_at_the_edges_only() -> None:
    # The home is a value handed down: only `core.home` reads the environment, and only the
    # edges ask it to (`Home.resolve()`); everything else is given a `Home`.
    readers = sorted(
        m for m, p in MODULES.items() if m != "core.home" and _calls(p, "nitrodeck_home")
    )
    assert readers == []
    resolving = {m for m, p in MODULES.items() if m != "core.home" and _calls(p, "resolve")}
    homes = {m for m in resolving if "Home.resolve" in MODULES[m].read_text()}
    assert homes <= set(EDGES), sorted(homes - set(EDGES))
    assert "tui.cli.main" in homes and "tui.app" in homes  # the check sees them


def test_the_eif_engine_and_the_error_table_sit_at_the_bottom() -> None:
    # nitro-cli's E-codes live beside core.errors, so the EIF engine needs no platform.
    for module, targets in GRAPH.items():
        if module.startswith("core.eif"):
            assert not [t for t in targets if t.startswith("core.platform")], module
    assert {t for t in GRAPH["core.nitro_errors"] if t.startswith("core.")} <= {
        "core",
        "core.errors",
    }
