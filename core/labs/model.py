"""What a lab is: a story, hints, a setup over a fresh home and a check over its real state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.labs.env import LabEnv


@dataclass(frozen=True)
class Probe:
    """One fact the check established about the lab's state, with the evidence."""

    ok: bool
    label: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "label": self.label, "detail": self.detail}


@dataclass(frozen=True)
class CheckResult:
    """The verdict of `lab check`: solved when every probe holds."""

    lab: str
    probes: tuple[Probe, ...]

    @property
    def solved(self) -> bool:
        return bool(self.probes) and all(p.ok for p in self.probes)

    def to_json(self) -> dict[str, Any]:
        return {
            "lab": self.lab,
            "solved": self.solved,
            "probes": [p.to_json() for p in self.probes],
        }


@dataclass(frozen=True)
class Lab:
    """A lab as data. `setup` and `check` get the lab's `LabEnv`, whose home they work in."""

    name: str
    title: str
    symptom: str
    """What the learner sees and must explain (with the command that shows it)."""
    goal: str
    hints: tuple[str, ...]
    """Graded: from a nudge to the full answer."""
    setup: Callable[[LabEnv], None]
    check: Callable[[LabEnv], Sequence[Probe]]
    steps: tuple[str, ...] = ()
    """For walk-through labs: each step with the command that makes it and why."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "symptom": self.symptom,
            "goal": self.goal,
            "hints": len(self.hints),
            "steps": list(self.steps),
        }
