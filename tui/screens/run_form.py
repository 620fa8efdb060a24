"""The run form: image, CPUs (count or ids), memory with the 4× hint, CID, name, debug mode.

Every rule the request would break is listed live, before submitting, with nitro-cli's code
and the fix (`core.flows.run.broken_rules`). Dismisses with the `RunRequest`, or None on cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from core.errors import NitrodeckError
from core.flows.run import RunContext, broken_rules, memory_note
from core.platform import rules
from core.platform.base import RunRequest
from core.platform.cpulist import parse_cpulist
from tui.engine.errors import error_markup, escape, run_job
from tui.widgets.form_keys import KeepsEdits

ContextLoader = Callable[[], RunContext]


def debug_label(on: bool) -> str:
    """The debug box says its state in words: the box glyph alone is unclear in plain text."""
    if on:
        return "ON: console readable, PCRs all zero"
    return "off: no console, PCRs measured"


def find_images(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.eif")) if directory.is_dir() else []


class RunForm(KeepsEdits, ModalScreen[RunRequest | None]):
    DEFAULT_CSS = """
    RunForm { align: center middle; }
    RunForm > Vertical { width: 90; max-width: 100%; height: auto; max-height: 100%;
        padding: 0 1; border: thick $primary; background: $surface; }
    RunForm #run-body { height: auto; }
    RunForm #run-buttons { dock: bottom; }
    RunForm #run-fields { grid-size: 2; grid-columns: 26 1fr; grid-rows: auto; grid-gutter: 0 0;
        height: auto; margin-top: 1; }
    RunForm Label { color: $text-muted; }
    RunForm #run-hint { color: $accent; margin-top: 1; }
    RunForm #run-violations { margin-top: 1; color: $error; height: auto; }
    RunForm #run-violations.-ok { color: $success; }
    RunForm Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    RunForm Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "back", "Leave field / cancel", id="run.cancel"),
        Binding("ctrl+s", "submit", "Run", id="run.submit"),
    ]

    def __init__(self, images: Sequence[Path], load_context: ContextLoader) -> None:
        super().__init__()
        self.images = list(images)
        self.load_context = load_context
        self.context: RunContext | None = None
        self.request: RunRequest | None = None
        self.violations: list[str] = []
        self._auto_memory = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll(id="run-body"):
                yield Static(
                    "[b]Run an enclave[/b] · ctrl+s runs · esc leaves a field, then the form"
                )
                with Grid(id="run-fields"):
                    yield Label("image (EIF)")
                    yield Select(
                        [(f"{p.name}  ({p.stat().st_size // 1024} KiB)", p) for p in self.images],
                        value=self.images[0] if self.images else Select.NULL,
                        allow_blank=not self.images,
                        compact=True,
                        id="run-image",
                    )
                    yield Label("CPU count")
                    yield Input("2", compact=True, id="run-cpu-count")
                    yield Label("or CPU ids (1,5 or 2-3)")
                    yield Input("", compact=True, id="run-cpu-ids")
                    yield Label("memory (MiB, or 2G)")
                    yield Input("", compact=True, id="run-memory")
                    yield Label("enclave CID (empty: auto)")
                    yield Input("", compact=True, id="run-cid")
                    yield Label("name (empty: image's)")
                    yield Input("", compact=True, id="run-name")
                    yield Label("debug mode")
                    yield Checkbox(debug_label(False), compact=True, id="run-debug")
                yield Static("", id="run-hint")
                yield Static("checking against the pool…", id="run-violations")
            with Horizontal(id="run-buttons"):
                yield Button("Cancel", compact=True, id="run-cancel")
                yield Button("Run", id="run-submit", variant="primary", compact=True, disabled=True)

    FORM_SELECTOR = "#run-fields"

    def on_mount(self) -> None:
        self.query_one("#run-cpu-count", Input).focus()
        self._image_changed()
        self.remember_form()
        self._load()

    def _load(self) -> None:
        run_job(
            self,
            self.load_context,
            self._loaded,
            lambda markup: self._show([f"cannot read the pool: {markup}"]),
            group="run-form",
        )

    def _loaded(self, context: RunContext) -> None:
        self.context = context
        self.validate()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _image(self) -> Path | None:
        value = self.query_one("#run-image", Select).value
        return value if isinstance(value, Path) else None

    @on(Select.Changed, "#run-image")
    def _image_changed(self) -> None:
        image = self._image()
        hint = self.query_one("#run-hint", Static)
        if image is None:
            hint.update(Text(f"no images yet: build one into {self.images_hint()}"))
            return
        need = max(rules.min_memory_mib(image.stat().st_size), rules.DRIVER_MIN_MEMORY_MIB)
        hint.update(
            f"at least {need} MiB: 4 × the EIF's size, and the driver's 64 MiB minimum; "
            "memory is reserved in whole hugepages, so the enclave may get a little more"
        )
        memory = self.query_one("#run-memory", Input)
        if memory.value == self._auto_memory:
            self._auto_memory = str(need)
            memory.value = str(need)
        self.validate()

    def images_hint(self) -> str:
        return "the images directory (press esc, then :images)"

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        debug = self.query_one("#run-debug", Checkbox)
        debug.label = debug_label(debug.value)
        self.validate()

    def build_request(self) -> RunRequest:
        """The form as run-enclave's arguments; a field that does not parse raises E03-style."""
        image = self._image()
        if image is None:
            raise NitrodeckError("no image chosen", fix="build or copy an .eif into the images dir")
        ids_text = self._value("run-cpu-ids")
        cpu_ids = parse_cpulist(ids_text.replace(" ", ",")) if ids_text else None
        count_text = self._value("run-cpu-count")
        cpu_count = None
        if cpu_ids is None:
            cpu_count = _integer("CPU count", _required(count_text, "CPU count", "e.g. 2"))
        need = max(rules.min_memory_mib(image.stat().st_size), rules.DRIVER_MIN_MEMORY_MIB)
        memory_text = _required(self._value("run-memory"), "memory", f"at least {need} MiB")
        cid_text = self._value("run-cid")
        return RunRequest(
            eif_path=image,
            memory_mib=rules.parse_memory(memory_text),
            cpu_count=cpu_count,
            cpu_ids=cpu_ids,
            enclave_cid=rules.check_cid(_integer("enclave-cid", cid_text)) if cid_text else None,
            debug_mode=self.query_one("#run-debug", Checkbox).value,
            enclave_name=self._value("run-name") or None,
        )

    def validate(self) -> list[str]:
        """Re-check the whole form; the Run button is enabled only when nothing is broken."""
        self.request = None
        try:
            request = self.build_request()
        except NitrodeckError as error:
            self._show([error_markup(error)])
            return self.violations
        if self.context is None:
            return self.violations
        broken = broken_rules(request, self.context)
        self._show([error_markup(error) for error in broken])
        if not broken:
            self.request = request
            self._show([], ok=f"✓ the pool can run this: {memory_note(request, self.context)}")
        return self.violations

    def _show(self, lines: list[str], ok: str = "✓ the pool can run this") -> None:
        """Show each broken rule (markup from `error_markup`); `violations` keeps them plain."""
        self.violations = [Text.from_markup(line).plain for line in lines]
        box = self.query_one("#run-violations", Static)
        box.set_class(not lines, "-ok")
        box.update("\n".join(f"✗ {line}" for line in lines) or escape(ok))
        self.query_one("#run-submit", Button).disabled = bool(lines)

    def action_submit(self) -> None:
        """Re-read the form first: a burst of keys ending in ctrl+s may arrive before the
        fields' change messages have re-validated it."""
        self.validate()
        if self.request is not None:
            self.dismiss(self.request)

    def leave_form(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_submit()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "run-submit":
            self.action_submit()
        else:
            self.action_back()


def _required(text: str, name: str, example: str) -> str:
    """A cleared field is an error naming it, never a silent default."""
    if not text:
        raise NitrodeckError(f"{name} is empty", fix=f"type the {name}: {example}")
    return text


def _integer(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise NitrodeckError(
            f"{name} must be a whole number, not {text!r}", fix=f"type a number into {name}"
        ) from None
