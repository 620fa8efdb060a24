"""Every view the `:` prompt knows (k9s' registrar): name, aliases, and how to build it.

Factories import their screen module only when called, so app start stays fast.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.screen import Screen

QUIT_WORDS = ("q", "quit", "q!")


@dataclass(frozen=True)
class View:
    name: str
    aliases: tuple[str, ...]
    description: str
    module: str
    """`tui.screens.<module>` defines `make_screen() -> Screen`."""

    def build(self) -> Screen[None]:
        """The view's screen (its module is imported only now, so start stays fast)."""
        module = importlib.import_module(f"tui.screens.{self.module}")
        screen: Screen[None] = module.make_screen()
        return screen


VIEWS = (
    View("home", ("views", "h"), "every view nitrodeck has", "home"),
    View(
        "enclaves",
        ("enclave", "ec", "ls"),
        "running enclaves: describe, run, console, terminate",
        "enclaves",
    ),
    View("images", ("image", "eif", "img"), "EIF files: describe, build, diff", "images"),
    View(
        "pool",
        ("cpus", "hugepages"),
        "CPU topology, hugepages, allocator settings",
        "pool",
    ),
    View(
        "attest",
        ("attestation", "at"),
        "step through an attestation document's checks",
        "attest",
    ),
    View("kms", ("keys",), "keys, policies, the decrypt step-through", "kms"),
    View("doctor", ("dr", "checks"), "is this machine ready? checks with fixes", "doctor"),
    View("labs", ("lab", "training"), "guided labs: diagnose and fix a broken setup", "labs"),
    View("tour", ("demo",), "a self-running tour of every view, with narration", "tour"),
    View("ctx", ("context", "contexts"), "named targets: switch host or home", "contexts"),
    View("fleet", ("fl",), "every context at a glance: enclaves, pools, PCR0s", "fleet"),
)


def resolve(command: str) -> View | None:
    word = command.strip().lower().split()[0] if command.strip() else ""
    for view in VIEWS:
        if word == view.name or word in view.aliases:
            return view
    return None


def command_words() -> list[str]:
    return [word for view in VIEWS for word in (view.name, *view.aliases)] + list(QUIT_WORDS)
