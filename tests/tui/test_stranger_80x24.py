"""What tripped a stranger at 80×24 (issue 22's walk-through), each pinned by a Pilot test."""

from __future__ import annotations

from typing import Any

SMALL = (80, 24)


def bottom_line(app: Any) -> str:
    strips = app.screen._compositor.render_strips()
    return "".join(segment.text for segment in strips[-1])


async def test_palette_key_owns_the_footers_last_column(make_app: Any, wait: Any) -> None:
    """A footer wider than 80 columns is clipped under the docked `^p palette`, which ended one
    column early: the last column showed a stray letter of the clipped keys (`^p palettey`)."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        app.run_command("images")
        await wait(pilot)
        line = bottom_line(app)
        assert len(line) == 80
        assert line.endswith("▏^p palette"), repr(line[-14:])
