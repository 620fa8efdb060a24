"""`Step`: one reported step of an operator task, as it happens (a flow's progress).

The command line prints each as a line on stderr; the app shows it in a step list or a
notification. Kept in `core` (not `core.flows`) so the engine's own multi-step operations can
report in the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

OK, FAILED, DENIED, SKIPPED, RUNNING = "ok", "failed", "denied", "skipped", "running"


@dataclass(frozen=True)
class Step:
    name: str
    status: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


Progress = Callable[[Step], None]
"""Where a flow reports each step; called from the thread the flow runs in."""


def report(progress: Progress | None, name: str, status: str, detail: str) -> Step:
    """Build the step and hand it to `progress` (if any); return it for the result's list."""
    step = Step(name, status, detail)
    if progress is not None:
        progress(step)
    return step
