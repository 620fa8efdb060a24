"""How a core error reads in the app: what went wrong, nitro-cli's detail, and the fix."""

from __future__ import annotations

from core.errors import NitrodeckError


def explain(error: BaseException) -> str:
    """One short block for a notification or an inline message (never a traceback)."""
    if not isinstance(error, NitrodeckError):
        return f"{type(error).__name__}: {error}"
    lines = [error.what]
    if error.detail:
        lines.append(error.detail)
    if error.where:
        lines.append(f"at {error.where}")
    if error.fix:
        lines.append(f"fix: {error.fix}")
    return "\n".join(lines)


def short_code(error: BaseException) -> str:
    """`E26: At least 84 MB must be allocated …` for a NitroCliError; `explain` otherwise."""
    if isinstance(error, NitrodeckError) and error.code:
        return f"{error.code}: {error.detail or error.what}"
    return explain(error)
