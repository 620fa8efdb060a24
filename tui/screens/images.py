"""The images view: EIF files in a few directories, described, built, diffed, deleted.

Rows come from `core.image_catalog` (read in a worker thread, cached per file change). The
panel under the table is `core.eif.describe_text` of the highlighted image: measurements,
metadata, signature and certificate validity. `b` builds, `m` then `x` diffs, ctrl+d deletes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from core.eif import describe_text
from core.home import nitrodeck_home
from core.image_catalog import ImageCatalog, ImageEntry
from tui.bindings import dangerous
from tui.screens.list_screen import ListScreen
from tui.widgets.poller import Poller


def default_dirs() -> list[Path]:
    return [Path.cwd(), nitrodeck_home() / "images"]


def _cells(entry: ImageEntry) -> tuple[str, ...]:
    info = entry.info
    if info is None:
        return (entry.name, "", entry.path.name, "", "", f"INVALID: {entry.error}")
    signed = "signed" if info.is_signed else "unsigned"
    state = "ok" if info.crc_ok and info.signature_ok is not False else "CHECK FAILED"
    return (
        entry.name,
        entry.version,
        entry.path.name,
        info.measurements.pcr0[:16],
        signed,
        state,
    )


class ImagesScreen(ListScreen):
    crumb = "images"
    ABOUT = (
        "EIF files in the current directory and in nitrodeck's images directory. "
        "m marks an image, x diffs the marked one against the highlighted one."
    )
    COLUMNS = (
        ("name", "NAME"),
        ("version", "VERSION"),
        ("file", "FILE"),
        ("pcr0", "PCR0"),
        ("signed", "SIGNED"),
        ("state", "STATE"),
    )
    REFRESH = 10.0
    danger_question = "Delete this image file?"
    BINDINGS = [
        Binding("b", "build", "Build", id="images.build"),
        Binding("m", "mark", "Mark", id="images.mark"),
        Binding("x", "diff", "Diff marked", id="images.diff"),
        Binding("r", "rescan", "Rescan", show=False, id="images.rescan"),
        dangerous("ctrl+d", "danger", "Delete"),
    ]
    DEFAULT_CSS = """
    ImagesScreen #list-table { height: 1fr; }
    ImagesScreen #image-panel { height: 2fr; border-top: solid $primary; }
    ImagesScreen #image-describe { padding: 0 1; }
    """

    def __init__(self, dirs: list[Path] | None = None) -> None:
        super().__init__()
        self.dirs = dirs if dirs is not None else default_dirs()
        self.catalog = ImageCatalog(self.dirs)
        self.marked: Path | None = None

    def cell_style(self, column: str, text: str) -> str | None:
        if column != "state":
            return None
        return "green" if text == "ok" else "bold red"

    def compose_detail(self) -> ComposeResult:
        with VerticalScroll(id="image-panel"):
            yield Static("No image selected.", id="image-describe")

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        return {str(entry.path): _cells(entry) for entry in self.catalog.scan()}

    def show_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        super().show_rows(rows)
        if not rows:
            where = " and ".join(str(d) for d in self.dirs)
            self.query_one("#image-describe", Static).update(
                f"No .eif files in {where}. Press b to build one."
            )
        self._describe(self.table.cursor_key)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(None if event.row_key.value is None else str(event.row_key.value))

    def _describe(self, key: str | None) -> None:
        entry = self.catalog.get(Path(key)) if key else None
        if entry is None:
            return
        text = describe_text(entry.info) if entry.info else f"{entry.path}\n  {entry.error}"
        self.query_one("#image-describe", Static).update(text)

    def action_rescan(self) -> None:
        self.query_one("#list-poller", Poller).poll_now()

    def action_mark(self) -> None:
        key = self.table.cursor_key
        if key is None:
            return
        self.marked = Path(key)
        self.notify(f"marked {self.marked.name}: highlight another image and press x to diff")

    def action_diff(self) -> None:
        from tui.screens.image_diff import ImageDiffScreen

        key = self.table.cursor_key
        if self.marked is None or key is None:
            self.notify("mark an image with m first, then highlight another", severity="warning")
            return
        self.app.push_screen(ImageDiffScreen(self.marked, Path(key)))

    def action_build(self) -> None:
        from tui.screens.image_build import BuildScreen

        def built(path: Path | None) -> None:
            if path is not None:
                self.action_rescan()

        self.app.push_screen(BuildScreen(nitrodeck_home() / "images"), built)

    def perform_danger(self, target: str) -> None:
        try:
            Path(target).unlink()
        except OSError as error:
            self.notify(f"cannot delete {target}: {error.strerror}", severity="error")
            return
        self.notify(f"deleted {target}")
        self.action_rescan()


def make_screen() -> ImagesScreen:
    return ImagesScreen()
