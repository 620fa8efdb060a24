"""Build an EIF from a rootfs directory or an image archive, in a worker, showing progress.

The form feeds `core.eif.build_eif`; its progress lines appear as they come and the resulting
PCRs at the end. Errors are the builder's own (what, where, fix), shown in the dialog.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Log, ProgressBar, Static

from core.eif import Measurements, build_eif
from core.errors import NitrodeckError
from tui.widgets.form_keys import KeepsEdits


class BuildScreen(KeepsEdits, ModalScreen[Path | None]):
    """Dismisses with the built image's path, or None when closed without building."""

    DEFAULT_CSS = """
    BuildScreen { align: center middle; }
    BuildScreen > Vertical { width: 104; max-width: 100%; height: auto; max-height: 95%;
        padding: 1 2;
        border: thick $primary; background: $surface; }
    BuildScreen Label { margin-top: 1; }
    BuildScreen #build-title { text-style: bold; margin-top: 0; }
    BuildScreen Log { height: 4; margin-top: 1; background: $panel; display: none; }
    BuildScreen Log.-active { display: block; }
    BuildScreen ProgressBar { margin-top: 1; }
    BuildScreen #build-result { margin-top: 1; }
    BuildScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    BuildScreen Button { margin-left: 2; }
    BuildScreen #build-names Input { width: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "back", "Leave field / close", id="build.close"),
        Binding("ctrl+s", "build", "Build", id="build.go"),
    ]

    def __init__(self, output_dir: Path) -> None:
        super().__init__()
        self.output_dir = output_dir
        self.built: Path | None = None
        self.measurements: Measurements | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Build an enclave image (EIF)", id="build-title")
            yield Label("Source: a rootfs directory or an image archive (docker save .tar)")
            yield Input(placeholder="/path/to/rootfs or image.tar", id="build-source")
            yield Label("Name and version")
            with Horizontal(id="build-names"):
                yield Input(placeholder="name (default: from the source)", id="build-name")
                yield Input(placeholder="version", id="build-version")
            yield Label("Command (replaces the image's entrypoint; shell quoting)")
            yield Input(placeholder="/bin/app --serve", id="build-cmd")
            yield ProgressBar(total=None, show_eta=False, id="build-progress")
            yield Log(id="build-log")
            yield Static("", id="build-result")
            with Horizontal():
                yield Button("Close", id="build-close")
                yield Button("Build", id="build-go", variant="primary")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one("#build-source", Input).focus()
        self.remember_form()

    def _value(self, field: str) -> str:
        return self.query_one(f"#build-{field}", Input).value.strip()

    @on(Button.Pressed, "#build-go")
    @on(Input.Submitted)
    def action_build(self) -> None:
        if self.query_one("#build-go", Button).disabled:
            return  # a build is running
        source = self._value("source")
        if not source:
            self._result("[b red]Give a rootfs directory or an image archive.[/]")
            return
        try:
            cmd = shlex.split(self._value("cmd")) or None
        except ValueError as error:
            self._result(f"[b red]Command: {escape(str(error))}[/]")
            return
        self.query_one("#build-go", Button).disabled = True
        self.query_one(ProgressBar).display = True
        self.query_one(Log).add_class("-active")
        self._result("building…")
        self.remember_form()
        self._build(Path(source).expanduser(), self._value("name"), self._value("version"), cmd)

    @work(thread=True, exclusive=True, exit_on_error=False, group="build", description="build EIF")
    def _build(self, source: Path, name: str, version: str, cmd: list[str] | None) -> None:
        log = self.query_one(Log)

        def progress(message: str) -> None:
            self.app.call_from_thread(log.write_line, message)

        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name or source.stem) or "image"
        output = self.output_dir / f"{stem}{'-' + version if version else ''}.eif"
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            measurements, path = build_eif(
                output=output,
                rootfs=source if source.is_dir() else None,
                image_tar=None if source.is_dir() else source,
                name=name or None,
                version=version or None,
                cmd=cmd,
                progress=progress,
            )
        except (NitrodeckError, OSError) as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        self.app.call_from_thread(self._done, measurements, path)

    def _done(self, measurements: Measurements, path: Path) -> None:
        self.built, self.measurements = path, measurements
        self.query_one(ProgressBar).display = False
        self.query_one("#build-go", Button).disabled = False
        pcrs = "\n".join(
            f"{k}\n{v}" for k, v in measurements.to_json().items() if k != "HashAlgorithm"
        )
        self._result(f"[b green]Built {escape(str(path))}[/]\n{pcrs}")

    def _failed(self, message: str) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one("#build-go", Button).disabled = False
        self._result(f"[b red]Build failed:[/] {escape(message)}")

    def _result(self, markup: str) -> None:
        self.query_one("#build-result", Static).update(markup)

    @on(Button.Pressed, "#build-close")
    def _close_pressed(self) -> None:
        self.action_back()

    def leave_form(self) -> None:
        self.dismiss(self.built)
