"""The images view: EIF files in a few directories, described, built, diffed, deleted.

Rows come from `core.image_catalog` (read in a worker thread, cached per file change). The
panel under the table is `core.eif.describe_text` of the highlighted image: measurements,
metadata, signature and certificate validity. `b` builds, `m` then `x` diffs, ctrl+d deletes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from core.eif import describe_text
from core.errors import UsageError
from core.home import Home
from core.image_catalog import ImageCatalog, ImageEntry
from tui.bindings import dangerous
from tui.presenters.long_values import fold_values, short
from tui.screens.list_screen import ListScreen
from tui.widgets.poller import Poller


def default_dirs(home: Home) -> list[Path]:
    return [Path.cwd(), home.images_dir]


def file_label(path: Path) -> str:
    """The file's name; `./name` in the current directory, so a copy there and one in the
    home's images directory (two `demo.eif`) read differently."""
    return f"./{path.name}" if path.parent == Path.cwd().resolve() else path.name


def _cells(entry: ImageEntry) -> tuple[str, ...]:
    info = entry.info
    if info is None:
        return (entry.name, "", file_label(entry.path), "", "", f"INVALID: {entry.error}")
    signed = "signed" if info.is_signed else "unsigned"
    state = "ok" if info.crc_ok and info.signature_ok is not False else "CHECK FAILED"
    return (
        entry.name,
        entry.version,
        file_label(entry.path),
        short(info.measurements.pcr0),
        signed,
        state,
    )


class ImagesScreen(ListScreen):
    crumb = "images"
    ABOUT = (
        "EIF files in the current directory and in nitrodeck's images directory. "
        "m marks (or unmarks) an image, up to two, shown as [1] and [2] before the name; x diffs "
        "the two marked ones, or the marked one against the highlighted one."
    )
    COLUMNS = (
        ("name", "NAME"),
        ("version", "VERSION"),
        ("file", "FILE"),
        ("pcr0", "PCR0"),
        ("signed", "SIGNED"),
        ("state", "STATE"),
    )
    NARROW = ("name", "version", "pcr0", "state")
    EMPTY = "no images: b builds one (or copy an .eif into the current directory)"
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
        self._dirs = dirs
        self._catalog: ImageCatalog | None = None
        self.marks: list[Path] = []
        self._rows: Mapping[str, Sequence[str]] = {}

    @property
    def dirs(self) -> list[Path]:
        """The directories given, else the working directory and the current home's images."""
        return self._dirs if self._dirs is not None else default_dirs(self.platforms.home)

    @property
    def catalog(self) -> ImageCatalog:
        """One catalog (and its cache) per set of directories: a context switch starts anew."""
        dirs = self.dirs
        if self._catalog is None or self._catalog.dirs != dirs:
            self._catalog = ImageCatalog(dirs)
        return self._catalog

    def cell_style(self, column: str, text: str) -> str | None:
        if column != "state":
            return None
        return "green" if text == "ok" else "bold red"

    def compose_detail(self) -> ComposeResult:
        with VerticalScroll(id="image-panel"):
            yield Static("No image selected.", id="image-describe")

    def copy_value(self, key: str) -> str:
        """y on an image: its whole PCR0 (what a key policy pins), else its path."""
        entry = self.catalog.get(Path(key))
        return entry.info.measurements.pcr0 if entry is not None and entry.info else key

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        return {str(entry.path): _cells(entry) for entry in self.catalog.scan()}

    def show_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        self._rows = rows
        self.marks = [mark for mark in self.marks if str(mark) in rows]  # deleted files unmark
        super().show_rows({key: self._marked_cells(key, cells) for key, cells in rows.items()})
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
        self.query_one("#image-describe", Static).update(Text(fold_values(text)))

    def action_rescan(self) -> None:
        self.query_one("#list-poller", Poller).poll_now()

    def _marked_cells(self, key: str, cells: Sequence[str]) -> Sequence[str]:
        path = Path(key)
        if path not in self.marks:
            return cells
        return (f"[{self.marks.index(path) + 1}] {cells[0]}", *cells[1:])

    def action_mark(self) -> None:
        """Mark the highlighted image (a second mark keeps the first; a third drops the oldest);
        on a marked image, unmark it."""
        key = self.table.cursor_key
        if key is None:
            return
        path = Path(key)
        if path in self.marks:
            self.marks.remove(path)
            self.notify(f"unmarked {path.name}")
        else:
            self.marks = [*self.marks, path][-2:]
            names = " and ".join(mark.name for mark in self.marks)
            then = "x diffs them" if len(self.marks) == 2 else "highlight another and press x"
            self.notify(f"marked {names}: {then}")
        self.show_rows(self._rows)

    def diff_pair(self) -> tuple[Path, Path]:
        """The two images `x` compares: both marks, or the mark and the highlighted image."""
        if len(self.marks) == 2:
            return self.marks[0], self.marks[1]
        key = self.table.cursor_key
        if not self.marks or key is None:
            raise UsageError(
                "no image marked", fix="mark an image with m, then highlight another (or mark it)"
            )
        if Path(key) == self.marks[0]:
            raise UsageError(
                f"{self.marks[0].name} is the marked image: an image does not differ from itself",
                fix="highlight another image, or mark a second one with m",
            )
        return self.marks[0], Path(key)

    def action_diff(self) -> None:
        from tui.screens.image_diff import ImageDiffScreen

        try:
            old, new = self.diff_pair()
        except UsageError as error:
            self.notify(f"{error.what}\nfix: {error.fix}", severity="warning", markup=False)
            return
        self.app.push_screen(ImageDiffScreen(old, new))

    def action_build(self) -> None:
        from tui.screens.image_build import BuildScreen

        def built(path: Path | None) -> None:
            if path is not None:
                self.action_rescan()

        self.app.push_screen(BuildScreen(self.platforms.home.images_dir), built)

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
