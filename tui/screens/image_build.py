"""Build an EIF from a rootfs directory or an image archive, in a worker, showing progress.

The form feeds `core.eif.build_eif`; its progress lines appear as they come and the output path
and PCRs at the end, scrolled into view. Designed for 80×24: the fields scroll, the buttons are
always on screen. Errors are the builder's own (code, what, where, fix), shown in the dialog.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RichLog, Static

from core.eif import Measurements, build_eif
from core.errors import NitrodeckError
from core.home import display_path
from tui.engine.errors import error_markup, run_job
from tui.presenters.long_values import folded
from tui.widgets.form_keys import KeepsEdits


class BuildScreen(KeepsEdits, ModalScreen[Path | None]):
    """Dismisses with the built image's path, or None when closed without building."""

    DEFAULT_CSS = """
    BuildScreen { align: center middle; }
    BuildScreen > Vertical { width: 104; max-width: 100%; height: auto; max-height: 100%;
        padding: 0 1; border: thick $primary; background: $surface; }
    BuildScreen #build-body { height: auto; }
    BuildScreen #build-fields { grid-size: 2; grid-columns: 12 1fr; grid-rows: auto;
        height: auto; margin-top: 1; }
    BuildScreen #build-fields Label { color: $text-muted; }
    BuildScreen RichLog { height: 4; margin-top: 1; background: $panel; display: none;
        overflow-x: hidden; }
    BuildScreen RichLog.-active { display: block; }
    BuildScreen ProgressBar { margin-top: 1; }
    BuildScreen #build-result { margin-top: 1; height: auto; }
    BuildScreen #build-buttons { dock: bottom; height: auto; align-horizontal: right; }
    BuildScreen Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "back", "Leave field / close", id="build.close"),
        Binding("ctrl+s", "submit", "Build", id="build.go"),
    ]
    FORM_SELECTOR = "#build-fields"

    def __init__(self, output_dir: Path) -> None:
        super().__init__()
        self.output_dir = output_dir
        self.built: Path | None = None
        self.measurements: Measurements | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll(id="build-body"):
                yield Static(
                    "[b]Build an image (EIF)[/b] · ctrl+s builds · esc: leave field, then form",
                    id="build-title",
                )
                with Grid(id="build-fields"):
                    yield Label("source")
                    yield Input(
                        placeholder="rootfs directory, or image archive (docker save .tar)",
                        compact=True,
                        id="build-source",
                    )
                    yield Label("name")
                    yield Input(
                        placeholder="default: from the source", compact=True, id="build-name"
                    )
                    yield Label("version")
                    yield Input(placeholder="optional", compact=True, id="build-version")
                    yield Label("command")
                    yield Input(
                        placeholder="replaces the entrypoint, shell quoting: /bin/app --serve",
                        compact=True,
                        id="build-cmd",
                    )
                yield ProgressBar(total=None, show_eta=False, id="build-progress")
                # Wrapped: a progress line wider than the dialog (80 columns) is read whole.
                yield RichLog(wrap=True, markup=False, highlight=False, id="build-log")
                yield Static(
                    f"writes to {escape(display_path(self.output_dir))}/", id="build-result"
                )
            with Horizontal(id="build-buttons"):
                yield Button("Close", compact=True, id="build-close")
                yield Button("Build", compact=True, id="build-go", variant="primary")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one("#build-source", Input).focus()
        self.remember_form()

    def _value(self, field: str) -> str:
        return self.query_one(f"#build-{field}", Input).value.strip()

    def action_submit(self) -> None:
        self.action_build()

    @on(Button.Pressed, "#build-go")
    @on(Input.Submitted)
    def action_build(self) -> None:
        if self.query_one("#build-go", Button).disabled:
            return  # a build is running
        source = self._value("source")
        try:
            if not source:
                raise NitrodeckError(
                    "no source to build from",
                    where="source",
                    fix="type a rootfs directory or an image archive (docker save -o x.tar)",
                )
            try:
                cmd = shlex.split(self._value("cmd")) or None
            except ValueError as error:
                raise NitrodeckError(
                    f"the command does not parse: {error}", where="command", fix="close the quote"
                ) from None
        except NitrodeckError as error:
            self._result(error_markup(error))
            return
        self.query_one("#build-go", Button).disabled = True
        self.query_one(ProgressBar).display = True
        self.query_one(RichLog).add_class("-active")
        self._result("building…")
        self.remember_form()
        self._build(Path(source).expanduser(), self._value("name"), self._value("version"), cmd)

    def _build(self, source: Path, name: str, version: str, cmd: list[str] | None) -> None:
        log = self.query_one(RichLog)

        def progress(message: str) -> None:
            self.app.call_from_thread(log.write, message)

        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name or source.stem) or "image"
        output = self.output_dir / f"{stem}{'-' + version if version else ''}.eif"

        def build() -> tuple[Measurements, Path]:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            return build_eif(
                output=output,
                rootfs=source if source.is_dir() else None,
                image_tar=None if source.is_dir() else source,
                name=name or None,
                version=version or None,
                cmd=cmd,
                progress=progress,
            )

        run_job(self, build, lambda built: self._done(*built), self._failed, group="build")

    def _done(self, measurements: Measurements, path: Path) -> None:
        self.built, self.measurements = path, measurements
        self._finished()
        pcrs = "\n".join(
            f"{k:<5}{folded(v, indent=' ' * 5)}"
            for k, v in measurements.to_json().items()
            if k != "HashAlgorithm"
        )
        self._result(f"[b green]✓ built {escape(display_path(path))}[/]\n{escape(pcrs)}")

    def _failed(self, markup: str) -> None:
        self._finished()
        self._result(f"[b red]✗ build failed[/]\n{markup}")

    def _finished(self) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one("#build-go", Button).disabled = False

    def _result(self, markup: str) -> None:
        result = self.query_one("#build-result", Static)
        result.update(markup)
        self.show_result(result)

    @on(Button.Pressed, "#build-close")
    def _close_pressed(self) -> None:
        self.action_back()

    def leave_form(self) -> None:
        self.dismiss(self.built)
