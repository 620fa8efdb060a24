"""Callers ask the platform, never which platform it is (docs: architecture, "Seams").

Outside `core/platform/` and the remote adapter (`core/remote/`), no `isinstance` against a
platform class, no comparison of a platform's `name`, and no `getattr` probe of a platform:
what differs is a member of the `Platform` protocol (`trust_anchor`, `kms_target`, ...).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = ("core/platform/", "core/remote/")
CLASSES = {"SimPlatform", "NitroPlatform", "DemoPlatform", "RemotePlatform", "FixedPlatform"}


def _is_platform(node: ast.expr) -> bool:
    text = ast.unparse(node).lower()
    return "platform" in text


def probes(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "isinstance" and len(node.args) == 2:
                names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                if names & CLASSES:
                    found.append((node.lineno, ast.unparse(node)))
            if node.func.id == "getattr" and node.args and _is_platform(node.args[0]):
                found.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = any(
                isinstance(s, ast.Attribute) and s.attr == "name" and _is_platform(s.value)
                for s in sides
            )
            if named and any(isinstance(s, ast.Constant) for s in sides):
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_caller_asks_which_platform_it_holds() -> None:
    offenders = []
    for package in ("core", "tui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(ALLOWED):
                continue
            for line, text in probes(ast.parse(path.read_text(encoding="utf-8"))):
                offenders.append(f"{relative}:{line}: {text}")
    assert offenders == []


def test_the_check_sees_each_kind_of_probe() -> None:
    code = (
        "isinstance(p, RemotePlatform)\n"
        "platform.name != 'sim'\n"
        "getattr(platform, 'preflight', None)\n"
        "isinstance(p, ConsoleHistory)\n"
        "enclave.name == 'web'\n"
    )
    assert [line for line, _ in probes(ast.parse(code))] == [1, 2, 3]
