"""The home of a served process (`nitrodeck serve --stdio`).

A served process works in one home, the one its parent (ssh on a remote host, or a local fleet)
started it with: its environment is its edge, read here once per use and handed down.
"""

from __future__ import annotations

from core.home import Home


def served_home() -> Home:
    return Home.resolve()
