"""Regenerate `screenshots/<size>/<screen>.svg` (and `.png` with rsvg-convert) from the real app.

Two sizes: 80x24, the terminal everything is laid out for first, and 120x40.
Deterministic (two runs give identical files): a frozen clock, the frozen demo platform
and KMS, a fixed scratch home shown as `~`, an isolated config, no cursor blink, no wall-clock
times, temporary paths or random ids on screen. Run with `make screenshots`, then look at the PNGs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
# Each size: its directory under screenshots/ and its terminal (the PNG is 10 px per column).
SIZES: dict[str, tuple[int, int]] = {"80x24": (80, 24), "120x40": (120, 40)}
CONSOLE = b"".join(
    f"[{n * 0.013:9.6f}] init[1]: step {n}: {'mounted /proc' if n % 7 else 'nsm: ready'}\n".encode()
    for n in range(400)
)

Step = Callable[[Any], Awaitable[None]]
CLOCK = datetime(2026, 11, 27, 12, 34, 56)


async def settle(pilot: Any) -> None:
    from tui.pilot import settle as settled

    await settled(pilot)


def open_view(name: str) -> Step:
    async def step(pilot: Any) -> None:
        pilot.app.run_command(name)
        await settle(pilot)

    return step


def press(*keys: str) -> Step:
    async def step(pilot: Any) -> None:
        await pilot.press(*keys)
        await settle(pilot)

    return step


def images_dir() -> Path:
    """Relative to the home, which is the working directory: screens show `images/…`."""
    return Path("images")


async def open_images(pilot: Any) -> None:
    from tui.screens.images import ImagesScreen

    await pilot.app.push_screen(ImagesScreen([images_dir()]))
    await settle(pilot)


async def open_diff(pilot: Any) -> None:
    from tui.screens.image_diff import ImageDiffScreen

    where = images_dir()
    await pilot.app.push_screen(ImageDiffScreen(where / "web-api.eif", where / "web-api-next.eif"))
    await settle(pilot)


async def open_console(pilot: Any) -> None:
    from tui.screens.console import ConsoleScreen

    await pilot.app.push_screen(ConsoleScreen(lambda: iter([CONSOLE]), "i-0f3c9e2a7b-enc1"))
    await settle(pilot)


async def open_enclaves(pilot: Any) -> None:
    from tui.screens.enclaves import EnclavesScreen

    screen = EnclavesScreen(image_dir=images_dir())
    await pilot.app.push_screen(screen)
    await settle(pilot)


async def open_pool(pilot: Any) -> None:
    from tui.screens.pool import PoolScreen

    await pilot.app.push_screen(PoolScreen(image_dir=images_dir()))
    await settle(pilot)


def type_into(widget_id: str, value: str) -> Step:
    async def step(pilot: Any) -> None:
        pilot.app.screen.query_one(f"#{widget_id}").value = value
        await settle(pilot)
        pilot.app.screen.set_focus(None)
        await settle(pilot)

    return step


def narrate(index: int) -> Step:
    """The tour's caption for step `index` over the view already open (as the tour shows it)."""

    async def step(pilot: Any) -> None:
        from tui.screens.tour import NarrationScreen
        from tui.tour import STEPS

        caption = NarrationScreen(STEPS[index].narration, index + 1, len(STEPS), 0.0)
        await pilot.app.push_screen(caption)
        await settle(pilot)

    return step


# Not the command palette: Textual gathers its providers' hits concurrently, so their order
# (and so the picture) varies from run to run.
SHOTS: dict[str, list[Step]] = {
    "home": [],
    "command": [press("colon", *"doc")],
    "filter": [press("slash", *"att")],
    "doctor": [open_view("doctor")],
    "help": [open_view("doctor"), press("question_mark")],
    "console": [open_console, press("slash", *"nsm", "enter")],
    "images": [open_images],
    "image-build": [open_images, press("b", *"./rootfs")],
    "image-diff": [open_diff],
    "enclaves": [open_enclaves, press("d")],
    "enclave-run": [open_enclaves, press("r"), type_into("run-cpu-count", "3")],
    "pool": [open_pool, type_into("pool-cpu-count", "8")],
    "labs": [open_view("labs"), press("down", "down")],
    "tour": [open_enclaves, press("d"), narrate(2)],
}


def make_app() -> Any:
    from textual.widgets import Input

    from core.home import Home
    from core.platform.demo import DemoPlatform
    from tui.app import NitrodeckApp
    from tui.engine.access import PlatformHeaderProvider, PlatformHolder

    Input.cursor_blink = False  # type: ignore[assignment]
    # The frozen demo platform: the real simulator's ids, CIDs and uptimes change every run.
    holder = PlatformHolder.of(DemoPlatform(CLOCK, home=Home.resolve()))  # the scratch home
    return NitrodeckApp(
        header_provider=PlatformHeaderProvider(holder),
        clock=lambda: CLOCK,
        platform=holder,
    )


async def shoot(name: str, steps: list[Step], size: tuple[int, int], out: Path) -> Path:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for step in steps:
            await step(pilot)
        path = app.save_screenshot(filename=f"{name}.svg", path=str(out))
    return Path(path)


def to_png(svg: Path, columns: int) -> Path | None:
    converter = shutil.which("rsvg-convert")
    if converter is None:
        return None
    png = svg.with_suffix(".png")
    subprocess.run([converter, "-w", str(columns * 10), str(svg), "-o", str(png)], check=True)
    return png


def clear_output() -> None:
    """Start empty, so a screen dropped from SHOTS (or the old single size) leaves nothing stale."""
    for old in OUT.glob("*"):
        if old.is_file() and old.suffix in (".svg", ".png"):
            old.unlink()
    for label in SIZES:
        shutil.rmtree(OUT / label, ignore_errors=True)
        (OUT / label).mkdir(parents=True)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    # A fixed scratch path: the images view prints paths, and screenshots must not churn.
    scratch = Path(tempfile.gettempdir()) / "nitrodeck-screenshots"
    shutil.rmtree(scratch, ignore_errors=True)
    os.environ["NITRODECK_CONFIG"] = str(scratch / "config.json")
    # HOME is the scratch directory, so the home shows as ~/.local/state/nitrodeck (as a real
    # user's would) and the working directory is that home: paths on screen are relative.
    home = scratch / ".local" / "state" / "nitrodeck"
    os.environ["HOME"] = str(scratch)
    os.environ["NITRODECK_HOME"] = str(home)
    home.mkdir(parents=True)
    os.chdir(home)
    clear_output()
    from core.demo_images import build_demo_images

    build_demo_images(images_dir())
    from screenshots_trust import SHOTS as TRUST_SHOTS  # attest and kms, from frozen inputs
    from screenshots_trust import stage_document

    stage_document(home)
    try:
        for label, size in SIZES.items():
            for name, steps in {**SHOTS, **TRUST_SHOTS}.items():
                svg = asyncio.run(shoot(name, steps, size, OUT / label))
                png = to_png(svg, size[0])
                print(f"{svg.relative_to(ROOT)}" + (f" + {png.name}" if png else ""))
    finally:
        os.chdir(ROOT)
        shutil.rmtree(scratch, ignore_errors=True)
    if shutil.which("rsvg-convert") is None:
        print("rsvg-convert not found: SVGs only (apt-get install librsvg2-bin for PNGs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
