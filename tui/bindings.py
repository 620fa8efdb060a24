"""Binding helpers: the dangerous flag that `--read-only` filters out (k9s' `Dangerous`).

Textual re-creates `Binding` objects from `BINDINGS`, so a subclass would be lost; the flag
rides in the binding's `id`, which Textual keeps (and which keymaps use).
"""

from __future__ import annotations

from textual.binding import Binding

DANGER_PREFIX = "danger."


def dangerous(key: str, action: str, description: str, tooltip: str = "") -> Binding:
    """A binding for an action that destroys or changes something (hidden in read-only)."""
    return Binding(key, action, description, tooltip=tooltip, id=f"{DANGER_PREFIX}{action}")


def is_dangerous(binding: Binding) -> bool:
    return (binding.id or "").startswith(DANGER_PREFIX)
