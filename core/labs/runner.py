"""Start, check, hint and reset labs; the one entry point of the command line and the app.

Starting a lab stops the processes of every other lab (one lab runs at a time on a shared
machine), wipes the lab's home, records it in its marker file and runs the lab's setup there.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

from core.errors import NitrodeckError, UsageError
from core.home import Home
from core.labs.catalog import LABS, get_lab
from core.labs.env import LabEnv, current_lab_name, labs_root
from core.labs.model import CheckResult, Lab
from core.labs.progress import Progress, ProgressStore


@dataclass(frozen=True)
class LabStatus:
    lab: Lab
    env: LabEnv
    progress: Progress

    @property
    def prepared(self) -> bool:
        return self.env.home.is_dir()

    def to_json(self) -> dict[str, Any]:
        return {
            **self.lab.to_json(),
            **self.progress.to_json(),
            "home": str(self.env.home),
            "prepared": self.prepared,
        }


class LabRunner:
    """Labs under one root (default: `<home>/labs`, or the root of the lab home in use)."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.root = labs_root(home)
        self.store = ProgressStore(self.root)

    def env(self, lab: Lab) -> LabEnv:
        return LabEnv(lab.name, self.root / lab.name)

    def resolve(self, name: str | None) -> Lab:
        """`name`, else the lab whose home is in use, else the last one started."""
        chosen = name or current_lab_name(self.home) or self.store.current()
        if chosen is None:
            raise UsageError(
                "no lab is in progress",
                fix="start one: nitrodeck lab start NAME (nitrodeck lab list)",
            )
        return get_lab(chosen)

    def status(self, name: str | None = None) -> LabStatus:
        lab = self.resolve(name)
        return LabStatus(lab, self.env(lab), self.store.get(lab.name))

    def overview(self) -> list[LabStatus]:
        return [LabStatus(lab, self.env(lab), self.store.get(lab.name)) for lab in LABS]

    def start(self, name: str) -> LabStatus:
        lab = get_lab(name)
        for other in LABS:
            self.env(other).stop()
        env = self.env(lab)
        self._wipe(env)
        env.record(title=lab.title)
        try:
            lab.setup(env)
        except NitrodeckError as error:
            raise NitrodeckError(
                f"preparing the lab failed: {error.what}",
                where=f"lab {lab.name} ({env.home})",
                fix=error.fix or f"try again: nitrodeck lab reset {lab.name}",
            ) from error
        self.store.started(lab.name)
        return self.status(lab.name)

    def _started(self, name: str | None) -> LabStatus:
        status = self.status(name)
        if not status.prepared or status.progress.started is None:
            raise UsageError(
                f"lab {status.lab.name} has not been started",
                fix=f"nitrodeck lab start {status.lab.name}",
            )
        return status

    def check(self, name: str | None = None) -> CheckResult:
        status = self._started(name)
        result = CheckResult(status.lab.name, tuple(status.lab.check(status.env)))
        self.store.checked(status.lab.name, result.solved)
        return result

    def hint(self, name: str | None = None, *, every: bool = False) -> list[str]:
        """The hints taken so far plus the next one (all of them with `every`)."""
        status = self._started(name)
        hints = status.lab.hints
        shown = len(hints) if every else min(status.progress.hints + 1, len(hints))
        self.store.hint_taken(status.lab.name, shown)
        return list(hints[:shown])

    def reset(self, name: str | None = None) -> Lab:
        status = self.status(name)
        self._wipe(status.env)
        self.store.forget(status.lab.name)
        return status.lab

    @staticmethod
    def _wipe(env: LabEnv) -> None:
        env.stop()
        shutil.rmtree(env.home, ignore_errors=True)
