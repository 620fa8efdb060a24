"""The doctor view renders the injected providers' checks and re-runs them on `r`."""

from __future__ import annotations

from core.checks import Check
from tui.screens.doctor import DoctorScreen


async def test_doctor_shows_checks_and_reruns(make_app, wait) -> None:
    results = [[Check.verdict("sim device", False, "missing", "start the simulator")]]
    app = make_app(check_providers=[lambda: results[-1]])
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        app.run_command("doctor")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        assert screen.table.all_rows["sim device"] == (
            "sim device",
            "FAIL",
            "missing",
            "start the simulator",
        )
        assert screen.sub_title == "1 failed"
        results.append([Check.verdict("sim device", True, "running")])
        await pilot.press("r")
        await wait(pilot)
        assert screen.table.all_rows["sim device"][1] == "PASS"
        assert screen.sub_title == "all checks passed"
        assert screen.table.last_delta.updated == 1


async def test_results_are_coloured_but_filter_on_plain_text(make_app, wait) -> None:
    checks = [
        Check.verdict("python version", True, "3.11"),
        Check.verdict("sim device", False, "missing", "start"),
    ]
    app = make_app(check_providers=[lambda: checks])
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        app.run_command("doctor")
        await wait(pilot)
        table = app.screen.table  # type: ignore[attr-defined]
        fail = table.get_cell("sim device", "result")
        assert fail.plain == "FAIL" and "red" in str(fail.style)
        assert table.get_cell("python version", "result").plain == "PASS"
        table.set_filter("red")  # the style's name is not the cell's text
        assert table.shown_keys == []
        table.set_filter("fail")
        assert table.shown_keys == ["sim device"]
