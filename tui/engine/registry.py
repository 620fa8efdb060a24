"""Every view the `:` prompt knows (k9s' registrar): name, aliases, and how to build it.

Factories import their screen module only when called, so app start stays fast.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from textual.screen import Screen

QUIT_WORDS = ("q", "quit", "q!")


@dataclass(frozen=True)
class View:
    name: str
    aliases: tuple[str, ...]
    description: str
    module: str | None
    """`tui.screens.<module>` defines `make_screen() -> Screen`; None: not built yet."""

    @property
    def ready(self) -> bool:
        return self.module is not None and _module_exists(self.module)

    def build(self) -> Screen[None]:
        """The view's screen, or a placeholder saying what it will show once built."""
        if self.ready:
            module = importlib.import_module(f"tui.screens.{self.module}")
            screen: Screen[None] = module.make_screen()
            return screen
        from tui.screens.pending import PendingScreen

        return PendingScreen(self)


def _module_exists(name: str) -> bool:
    return importlib.util.find_spec(f"tui.screens.{name}") is not None


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
