"""Preflight checks: is this machine ready to run nitrodeck? Headless, shared by CLI and app.

Each check is a small function returning a `Check`. A platform adds its own checks later by
passing more providers to `run_checks`; a provider that crashes becomes a failed check rather
than hiding the others.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence

from core.checks import Check
from core.home import Home, display_path, ensure_private_dir

MIN_PYTHON = (3, 11)
MIN_TERMINAL = (80, 24)
NO_TERMINAL_FIX = (
    "run `nitrodeck` in a terminal; without one use its subcommands, e.g. "
    "`nitrodeck describe-enclaves`, `nitrodeck pool show --json` (`nitrodeck --help` lists them)"
)
REQUIRED_PACKAGES = ("textual", "rich", "boto3", "cbor2", "cryptography", "asn1crypto", "psutil")


CheckProvider = Callable[[], Iterable[Check]]


def check_python(version: Sequence[int] = tuple(sys.version_info[:3])) -> Check:
    shown = ".".join(str(part) for part in version)
    ok = tuple(version[:2]) >= MIN_PYTHON
    need = ".".join(map(str, MIN_PYTHON))
    return Check.verdict(
        "python version",
        ok,
        f"Python {shown}" + ("" if ok else f" (nitrodeck needs {need} or newer)"),
        "" if ok else f"install Python {need}+ and reinstall nitrodeck with it",
    )


def check_packages(names: Sequence[str] = REQUIRED_PACKAGES) -> Check:
    """Found without importing them: importing boto3 alone would cost a second."""
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if missing:
        return Check.verdict(
            "required packages",
            False,
            "missing: " + ", ".join(missing),
            "pip install " + " ".join(missing) + "  (or reinstall nitrodeck)",
        )
    return Check.verdict("required packages", True, "all importable: " + ", ".join(names))


def check_home_writable(home: Home) -> Check:
    where = home.path
    try:
        ensure_private_dir(where)
        with tempfile.NamedTemporaryFile(dir=where, prefix=".doctor-"):
            pass
    except OSError as error:
        return Check.verdict(
            "nitrodeck home writable",
            False,
            f"{where}: {error.strerror or error}",
            "set NITRODECK_HOME to a writable directory, or fix the permissions of this one",
        )
    return Check.verdict("nitrodeck home writable", True, display_path(where))


def check_terminal_size(size: tuple[int, int] | None) -> Check:
    """`size` is (columns, lines), or None when output is not a terminal."""
    want = f"{MIN_TERMINAL[0]}×{MIN_TERMINAL[1]}"
    if size is None:
        return Check.verdict(
            "terminal size",
            False,
            f"not a terminal: the app needs one of at least {want}",
            NO_TERMINAL_FIX,
        )
    columns, lines = size
    ok = columns >= MIN_TERMINAL[0] and lines >= MIN_TERMINAL[1]
    return Check.verdict(
        "terminal size",
        ok,
        f"{columns}×{lines}" + ("" if ok else f" (the app needs at least {want})"),
        "" if ok else f"enlarge the terminal window to at least {want}",
    )


def current_terminal_size() -> tuple[int, int] | None:
    """(columns, lines) when both stdin and stdout are a terminal, as the app needs; else None."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    try:
        size = os.get_terminal_size(sys.stdout.fileno())
    except (OSError, ValueError):
        return None
    return size.columns, size.lines


def basic_checks(home: Home, terminal: tuple[int, int] | None = None) -> list[Check]:
    """The checks that need nothing but this machine and the home in use."""
    from core.kms.policy_audit import check_local_key_policies

    return [
        check_python(),
        check_packages(),
        check_home_writable(home),
        check_terminal_size(terminal),
        check_local_key_policies(home),
    ]


def run_checks(providers: Iterable[CheckProvider]) -> list[Check]:
    """Every provider's checks in order; a provider that raises is reported, not propagated."""
    results: list[Check] = []
    for provider in providers:
        try:
            results.extend(provider())
        except Exception as error:  # a broken check must not hide the others
            name = getattr(provider, "__name__", type(provider).__name__)
            results.append(
                Check.verdict(
                    name, False, f"the check itself failed: {error!r}", "report this as a bug"
                )
            )
    return results
