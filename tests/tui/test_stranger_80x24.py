"""What tripped a stranger at 80×24 (issue 22's walk-through), each pinned by a Pilot test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from screens2_fakes import FixedKms, FixedPlatform
from textual.widgets import Button, Input, RichLog, Static
from tui_fakes import open_labs, shown

from core.errors import NitrodeckError
from tui.engine.kms_access import KmsAccess
from tui.screens.confirm import ConfirmScreen
from tui.screens.fields_form import FieldsForm
from tui.screens.image_build import BuildScreen
from tui.screens.kms import KmsScreen
from tui.screens.tour import NarrationScreen
from tui.widgets.prompt_bar import PromptQuestion

SMALL = (80, 24)
STAND_INS = "No nitro-cli blobs found: using nitrodeck's simulator stand-ins (simulator only)."


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


@pytest.mark.parametrize("view", ["enclaves", "images", "kms", "labs"])
async def test_footer_shows_whole_keys_only(make_app: Any, wait: Any, view: str) -> None:
    """The footer clipped its last key to a fragment at 80 columns (`esc Back / Fi▏^p palette`):
    each key it shows is whole, the keys that do not fit are hidden, and widening shows them."""
    from textual.widgets._footer import FooterKey

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        app.run_command(view)
        await wait(pilot)
        keys = list(app.screen.query(FooterKey))
        palette = next(key for key in keys if key.has_class("-command-palette"))
        shown_keys = [key for key in keys if key.display and key is not palette]
        assert shown_keys and any(not key.display for key in keys), "nothing to fit at 80"
        for key in shown_keys:
            assert key.region.right <= palette.region.x, f"{key.key_display} is cut"
            assert f"{key.key_display} {key.description}" in bottom_line(app)
        await pilot.resize_terminal(200, 40)
        await wait(pilot)
        assert all(key.display for key in app.screen.query(FooterKey))


async def test_build_progress_lines_wrap_inside_the_dialog(
    make_app: Any, wait: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build log cut its lines at the dialog's edge: at 80 columns the stand-in blobs'
    warning lost its end, `(simulator only).`, the part that matters."""
    import tui.screens.image_build as image_build

    def build_eif(**options: Any) -> None:
        options["progress"](STAND_INS)
        raise NitrodeckError("stopped here", fix="nothing")

    monkeypatch.setattr(image_build, "build_eif", build_eif)
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        screen = BuildScreen(tmp_path / "out")
        await app.push_screen(screen)
        await wait(pilot)
        screen.query_one("#build-source", Input).value = str(tmp_path)
        screen.action_build()
        await wait(pilot)
        log = screen.query_one("#build-log", RichLog)
        assert shown(log)
        rows = [strip.text.rstrip() for strip in log.lines]
        assert " ".join(" ".join(rows).split()) == STAND_INS
        width = log.scrollable_content_region.width
        assert len(rows) > 1 and all(len(row) <= width for row in rows), (width, rows)
        assert not log.show_horizontal_scrollbar  # no bar eating a row of the four


async def test_a_toast_never_covers_the_confirmation_buttons(make_app: Any, wait: Any) -> None:
    """`l` on an enclave without debug mode leaves E44 as a lasting toast; `ctrl+d` then asked
    to terminate with its Yes/No buttons under that toast for 15 s."""
    app = make_app()
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await wait(pilot)
        app.notify("E44 the console is not available\n" * 8, severity="error", timeout=15)
        await wait(pilot)
        app.push_screen(ConfirmScreen("Terminate this enclave?", "demo (i-0123)"))
        await wait(pilot)
        for button in app.screen.query(Button):
            region = button.region
            for x in range(region.x, region.right):
                for y in range(region.y, region.bottom):
                    widget, _ = app.screen.get_widget_at(x, y)
                    assert widget is button, (button.label, x, y, widget)
        await pilot.press("n")
        await wait(pilot)
        assert app.screen.query("Toast")  # the error is still there once answered


async def test_a_prompt_with_a_suggested_answer_still_shows_its_question(
    make_app: Any, wait: Any
) -> None:
    """`c` in :kms prefilled the running enclave's name, which hid the placeholder, the only
    place the question was: a bare ` demo` line under the table, asking nothing."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        screen = KmsScreen(kms=KmsAccess(client=FixedKms()), platform=FixedPlatform())  # type: ignore[arg-type]
        await app.push_screen(screen)
        await wait(pilot)
        await pilot.press("c")
        await wait(pilot)
        prompt = screen.query_one("#kms-prompt", Input)
        assert prompt.value  # the suggestion, a running enclave of the fixed platform
        question = screen.query_one(PromptQuestion)
        assert shown(question) and shown(prompt)
        assert "demo key for which running enclave" in str(question.render())
        await pilot.press("escape")
        await wait(pilot)
        assert not question.display and not prompt.display


async def test_filtering_to_one_lab_shows_that_lab(make_app: Any, wait: Any) -> None:
    """`/grant` left grant-bypass the only row under the cursor, but the panel still described
    happy-path (the row the cursor was on), and `s` then asked to start grant-bypass."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_labs(app, pilot, wait)
        assert screen.table.cursor_key == "happy-path"
        await pilot.press("slash", *"grant", "enter")
        await wait(pilot)
        assert screen.table.shown_keys == ["grant-bypass"]
        text = str(screen.query_one("#lab-text", Static).render())
        assert text.startswith("lab grant-bypass:"), text[:60]


async def test_a_started_lab_points_at_its_symptom_where_it_is(
    make_app: Any, wait: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note after `s` said "the symptom is above" while the panel shows the note first."""
    from core.labs.runner import LabRunner

    monkeypatch.setattr(LabRunner, "start", lambda *args: None)  # no lab home built: the text
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        app.run_command("labs")
        await wait(pilot)
        await pilot.press("s", "y")
        await wait(pilot)
        text = str(app.screen.query_one("#lab-text", Static).render())
        where = "below" if text.index("started:") < text.index("symptom:") else "above"
        assert f"the symptom is {where}" in text, text[:200]


async def test_the_tours_caption_is_never_under_a_toast(make_app: Any, wait: Any) -> None:
    """`:tour` toasts "preparing the story…" at the bottom right, where the first caption and
    its `space: next · esc: end` were hidden for the toast's five seconds."""
    app = make_app()
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await wait(pilot)
        app.notify("preparing the story: demo image, an enclave, a key", title="tour")
        await app.push_screen(NarrationScreen("nitrodeck is a terminal console. " * 5, 1, 9, 0))
        await wait(pilot)
        caption = app.screen.query_one("#narration").region
        toasts = [toast.region for toast in app.screen.query("Toast")]
        assert toasts and not any(caption.overlaps(toast) for toast in toasts), (caption, toasts)


async def test_the_cpu_pool_example_fits_its_field(make_app: Any, wait: Any) -> None:
    """The allocator editor's row was 83 columns wide: the screen's edge cut the cpu_pool field
    to 9 columns and its example to `e.g. 1-3,`."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        app.run_command("pool")
        await wait(pilot)
        field = app.screen.query_one("#pool-cpu-pool", Input)
        assert shown(field)
        assert len(field.placeholder) <= field.content_region.width, field.content_region


async def test_a_refused_context_keeps_the_form_and_says_which_field(
    make_app: Any, wait: Any
) -> None:
    """`a` in :ctx with `ssh://` closed the form at ctrl+s, then a toast said `at --host` (a
    flag the form does not have): what was typed was gone."""
    from tui.contexts import load_contexts

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        app.run_command("ctx")
        await wait(pilot)
        await pilot.press("a", *"p1", "tab", *"ssh://", "ctrl+s")
        await wait(pilot)
        form = app.screen
        assert isinstance(form, FieldsForm)
        assert form.values() == {"name": "p1", "where": "ssh://"}
        note = form.query_one("#fields-note", Static)
        text = str(note.render())
        assert "names no valid host" in text and "where" in text and "--host" not in text
        assert "fix: write it as ssh://" in " ".join(text.split())
        assert shown(note)
        assert "p1" not in load_contexts()


async def test_an_empty_prompt_asks_once(make_app: Any, wait: Any) -> None:
    """With nothing suggested the placeholder is the question: no second copy above it."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        screen = KmsScreen(kms=KmsAccess(client=FixedKms()), platform=FixedPlatform())  # type: ignore[arg-type]
        await app.push_screen(screen)
        await wait(pilot)
        await pilot.press("t")  # the target question: nothing suggested
        await wait(pilot)
        question = screen.query_one(PromptQuestion)
        assert not question.display
        await pilot.press(*"aws")
        await wait(pilot)
        assert question.display and "KMS target" in str(question.render())


async def test_the_build_dialog_shows_paths_under_home_as_tilde(
    make_app: Any, wait: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`writes to /home/me/.local/state/nitrodeck/images/` took a whole 80-column line; the
    rest of the app says `~/…` for the same place."""
    monkeypatch.setenv("HOME", str(tmp_path))
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        await app.push_screen(BuildScreen(tmp_path / ".local" / "state" / "nitrodeck" / "images"))
        await wait(pilot)
        text = str(app.screen.query_one("#build-result", Static).render())
        assert text == "writes to ~/.local/state/nitrodeck/images/"
