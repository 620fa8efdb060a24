"""A lab as plain text, the same for `nitrodeck lab start|status` and the app's Labs view."""

from __future__ import annotations

import shlex
from pathlib import Path

from core.home import display_path
from core.labs.model import CheckResult
from core.labs.runner import LabStatus


def shell_path(path: Path) -> str:
    """`path` for a shell command line: `~/…` under the user's home, quoted where needed."""
    shown = display_path(path)
    if shown.startswith("~/"):
        return "~/" + shlex.quote(shown[2:])
    return shlex.quote(shown)


def describe(status: LabStatus, hints: list[str] | None = None) -> str:
    """Title, symptom, goal, steps, where to work, and the hints taken so far."""
    lab, home = status.lab, shell_path(status.env.home)
    lines = [
        f"lab {lab.name}: {lab.title}  ({status.progress.state})",
        "",
        f"symptom: {lab.symptom}",
        f"goal:    {lab.goal}",
    ]
    if lab.steps:
        lines += ["", "steps:", *(f"  {n}. {step}" for n, step in enumerate(lab.steps, 1))]
    lines += [
        "",
        "work in the lab's home (its own simulator and local KMS):",
        f"  cd {home} && export NITRODECK_HOME={home}",
        "then: nitrodeck lab hint | nitrodeck lab check   (the app: nitrodeck, then :labs)",
    ]
    taken = hints if hints is not None else list(lab.hints[: status.progress.hints])
    if taken:
        lines += ["", *(f"hint {n}/{len(lab.hints)}: {h}" for n, h in enumerate(taken, 1))]
    return "\n".join(lines)


def verdict(result: CheckResult) -> str:
    """Each probe with its evidence, then whether the lab is solved."""
    lines = [f"{'✓' if p.ok else '✗'} {p.label}: {p.detail}" for p in result.probes]
    lines += ["", f"lab {result.lab}: {'solved: the fix works' if result.solved else 'not yet'}"]
    return "\n".join(lines)
