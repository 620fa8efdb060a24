"""The self-running tour: the real views, driven one step at a time, with narration.

`Tour.run()` is an async worker of the app: it prepares the story on the simulator
(`core.tour.prepare_story`: demo image, an enclave running it, a key pinned to it), then for each
step opens the step's view with the `:` command, runs the step's actions on that screen, and
shows the narration over it until a key is pressed or the timer fires. Started from the app
(`:tour`) it runs in a home of its own (`tui.tour_home`: a `Home` handed to the simulator and the
KMS, in this process) and, however it ends, stops what it started and returns to the view it was
started from.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import NitrodeckError

if TYPE_CHECKING:
    from textual.app import App

    from core.home import Home
    from tui.engine.host import ScreenHost

SETTLE = 0.6
"""Seconds a view gets to load its rows before the step's actions run."""


@dataclass(frozen=True)
class TourStep:
    view: str | None
    narration: str
    actions: tuple[str, ...] = ()


STEPS = (
    TourStep(
        "home",
        "nitrodeck is a terminal console for AWS Nitro Enclaves. This tour runs on its embedded "
        "simulator and local KMS: every screen you see is live, nothing is a picture.",
    ),
    TourStep(
        "images",
        "Images: enclave image files (EIF). PCR0 is the SHA-384 measurement of the image; a key "
        "policy can demand it. m marks one image, x diffs it with another: which files moved PCR0.",
    ),
    TourStep(
        "enclaves",
        "Enclaves: the tour started one from demo.eif. Each is a real process with its own "
        "simulated NSM and vsock. d describes it, exactly as nitro-cli describe-enclaves would.",
        ("describe",),
    ),
    TourStep(
        "pool",
        "Pool: the CPUs and hugepages set aside for enclaves. CPU 0 and its sibling stay with the "
        "parent; enclaves take whole cores. The allocator editor checks nitro-cli's rules live.",
    ),
    TourStep(
        "attest",
        "Attest: ask the enclave for an attestation document and verify it: signature, "
        "certificate chain to the root, PCRs against the image, nonce, freshness.",
    ),
    TourStep(
        "kms",
        "KMS: the tour made a key whose policy lets Decrypt only inside an enclave whose PCR0 is "
        "the demo image's. d steps through the decrypt; a denial is explained condition by "
        "condition.",
    ),
    TourStep(
        "labs",
        "Labs: ten guided scenarios break something on purpose (debug mode, a rebuilt image, a "
        "dangerous policy, a disabled key…); check inspects the real state to say if you fixed it.",
    ),
    TourStep(
        "doctor",
        "Doctor: is this machine ready? Every check says what it saw and how to fix it.",
    ),
    TourStep(
        "enclaves",
        "That is the tour. Everything you saw is also a nitrodeck command with --json. "
        "`nitrodeck lab list` is a good next step.",
    ),
)


class Tour:
    """One run of the tour over `app` (seen as a Textual app and as its screens' `host`, so this
    module never imports `tui.app`); `delay` 0 waits for a key at every step."""

    def __init__(
        self,
        app: App[Any],
        host: ScreenHost,
        *,
        delay: float = 0.0,
        exit_at_end: bool = False,
        own_home: bool = True,
    ) -> None:
        self.app = app
        self.host = host
        self.delay = delay
        self.exit_at_end = exit_at_end
        self.own_home = own_home and not host.read_only
        self.shown: list[str] = []
        """The views the tour opened, in order (what a test checks)."""
        self.home: Home | None = None
        """The tour's own home while it runs (None: it runs where the app does)."""

    async def run(self) -> None:
        from tui.tour_home import TourHome

        app = self.app
        if not self.own_home:
            await self._run()
            return
        stack = list(app.screen_stack)
        place = TourHome(self.host)
        self.home = place.home
        place.enter()
        try:
            await self._run()
        finally:
            place.leave()  # here, not in a thread: it must happen even if the worker is cancelled
            while len(app.screen_stack) > 2 and app.screen not in stack:
                app.pop_screen()
            app.notify(
                "the tour's enclave and KMS are stopped; you are back in your home", title="tour"
            )

    async def _run(self) -> None:
        from core.tour import prepare_story

        app, host = self.app, self.host
        if host.read_only:
            app.notify("read-only: the tour shows what is there and starts nothing", title="tour")
        else:
            app.notify("preparing the story: demo image, an enclave, a key", title="tour")
            try:
                platforms = host.platforms
                await asyncio.to_thread(lambda: prepare_story(platforms.get(), platforms.home))
            except NitrodeckError as error:
                app.notify(f"{error}", title="tour: the views stay empty", severity="warning")
        for number, step in enumerate(STEPS, 1):
            if step.view is not None and host.run_command(step.view):
                self.shown.append(step.view)
            await asyncio.sleep(SETTLE)
            for action in step.actions:
                await app.screen.run_action(action)
            if not await self._narrate(step, number):
                break
        if self.exit_at_end:
            app.exit()
        await asyncio.sleep(0)  # the last narration's dismissal lands before the clean-up

    async def _narrate(self, step: TourStep, number: int) -> bool:
        from tui.screens.tour import NarrationScreen

        screen = NarrationScreen(step.narration, number, len(STEPS), self.delay)
        go_on: bool | None = await self.app.push_screen_wait(screen)
        return bool(go_on)
