"""The images view on real EIFs built by core.eif: list, describe, build, diff, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from core.eif import build_eif, read_eif
from tui.screens.confirm import ConfirmScreen
from tui.screens.image_build import BuildScreen
from tui.screens.image_diff import ImageDiffScreen
from tui.screens.images import ImagesScreen

SIZE = (120, 36)


def make_rootfs(root: Path, payload: str) -> Path:
    (root / "bin").mkdir(parents=True)
    app = root / "bin" / "app"
    app.write_text(f"#!/bin/sh\necho {payload}\n")
    app.chmod(0o755)
    return root


def build(tmp: Path, name: str, payload: str, out: Path) -> Path:
    rootfs = make_rootfs(tmp / f"rootfs-{name}", payload)
    _, path = build_eif(
        output=out / f"{name}.eif", rootfs=rootfs, name=name, version="1", cmd=["/bin/app"]
    )
    return path


@pytest.fixture
def images(tmp_path: Path) -> Path:
    out = tmp_path / "images"
    out.mkdir()
    build(tmp_path, "alpha", "v1", out)
    build(tmp_path, "beta", "v2", out)
    (out / "broken.eif").write_bytes(b"not an eif at all")
    return out


async def open_images(app: Any, pilot: Any, wait: Any, where: Path) -> ImagesScreen:
    await wait(pilot)
    screen = ImagesScreen([where])
    await app.push_screen(screen)
    await wait(pilot)
    return screen


async def test_lists_images_with_pcr0_and_flags_broken_files(make_app, wait, images) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_images(app, pilot, wait, images)
        rows = screen.table.all_rows
        alpha = rows[str(images / "alpha.eif")]
        assert alpha[:3] == ("alpha", "1", "alpha.eif")
        pcr0 = read_eif(images / "alpha.eif").measurements.pcr0
        assert alpha[3] == f"{pcr0[:11]}…{pcr0[-4:]}"  # shortened; y copies it whole
        assert alpha[4:] == ("unsigned", "ok")
        assert rows[str(images / "broken.eif")][5].startswith("INVALID: ")
        panel = str(screen.query_one("#image-describe").render())
        assert "PCR0" in panel and "alpha" in panel


async def test_describe_follows_the_cursor(make_app, wait, images) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_images(app, pilot, wait, images)
        await pilot.press("down")
        await wait(pilot)
        key = screen.table.cursor_key
        assert key is not None
        panel = str(screen.query_one("#image-describe").render())
        assert Path(key).name in panel


async def test_mark_then_diff_shows_moved_pcrs_and_the_file(make_app, wait, images) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_images(app, pilot, wait, images)
        keys = screen.table.shown_keys
        screen.table.move_cursor(row=keys.index(str(images / "alpha.eif")))
        await pilot.press("m")
        screen.table.move_cursor(row=keys.index(str(images / "beta.eif")))
        await pilot.press("x")
        await wait(pilot)
        diff_screen = app.screen
        assert isinstance(diff_screen, ImageDiffScreen)
        assert diff_screen.diff is not None
        assert "PCR0" in diff_screen.diff.moved and "PCR2" in diff_screen.diff.moved
        detail = str(diff_screen.query_one("#diff-detail").render())
        assert "bin/app" in detail


async def test_marks_are_shown_kept_two_and_never_diff_an_image_with_itself(
    make_app, wait, images
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_images(app, pilot, wait, images)
        keys = screen.table.shown_keys
        alpha, beta = str(images / "alpha.eif"), str(images / "beta.eif")
        screen.table.move_cursor(row=keys.index(alpha))
        await pilot.press("m", "x")  # diff the marked image with itself: refused, says why
        await wait(pilot)
        assert app.screen is screen
        assert any("does not differ from itself" in n.message for n in app._notifications)
        screen.table.move_cursor(row=keys.index(beta))
        await pilot.press("m")
        await wait(pilot)
        assert screen.table.all_rows[alpha][0] == "[1] alpha"
        assert screen.table.all_rows[beta][0] == "[2] beta"
        screen.table.move_cursor(row=keys.index(alpha))  # wherever the cursor is: the two marks
        await pilot.press("x")
        await wait(pilot)
        assert isinstance(app.screen, ImageDiffScreen)
        assert (app.screen.a, app.screen.b) == (Path(alpha), Path(beta))


async def test_ctrl_d_deletes_the_file_after_confirmation(make_app, wait, images) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_images(app, pilot, wait, images)
        target = screen.table.cursor_key
        assert target is not None
        await pilot.press("ctrl+d")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen) and app.screen.target == target
        await pilot.press("y")
        await wait(pilot)
        assert not Path(target).exists()
        assert target not in screen.table.all_rows


async def test_read_only_cannot_delete(make_app, wait, images) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_images(app, pilot, wait, images)
        await pilot.press("ctrl+d")
        await wait(pilot)
        assert app.screen is screen
        assert len(list(images.glob("*.eif"))) == 3


async def test_build_form_builds_and_shows_pcrs(make_app, wait, tmp_path, nitrodeck_home) -> None:
    rootfs = make_rootfs(tmp_path / "rootfs", "hello")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_images(app, pilot, wait, nitrodeck_home / "images")
        await pilot.press("b")
        await wait(pilot)
        assert isinstance(app.screen, BuildScreen)
        build_screen = app.screen
        await pilot.press(*"/tmp")  # typing reaches the focused source field
        assert build_screen.query_one("#build-source", Input).value == "/tmp"
        for field, value in [
            ("source", str(rootfs)),
            ("name", "hello"),
            ("version", "2"),
            ("cmd", "/bin/app --serve"),
        ]:
            build_screen.query_one(f"#build-{field}", Input).value = value
        await pilot.click("#build-go")
        await wait(pilot)
        built = nitrodeck_home / "images" / "hello-2.eif"
        assert build_screen.built == built and built.is_file()
        assert build_screen.measurements == read_eif(built).measurements
        result = str(build_screen.query_one("#build-result").render())
        assert str(built) in result
        # PCRs are folded at a fixed width (never wrapped mid-value by the terminal)
        assert build_screen.measurements.pcr0 in "".join(result.split())
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is screen
        assert str(built) in screen.table.all_rows


async def test_build_error_is_shown_not_raised(make_app, wait, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        screen = BuildScreen(tmp_path / "out")
        await app.push_screen(screen)
        await wait(pilot)
        screen.query_one("#build-source").value = str(tmp_path / "missing.tar")  # type: ignore[attr-defined]
        screen.action_build()
        await wait(pilot)
        assert "build failed" in str(screen.query_one("#build-result").render())
        assert app.is_running and screen.built is None
