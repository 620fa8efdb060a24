"""Why did the PCRs of two images differ? `core.eif.diff_eifs`, laid out for reading."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from core.eif import EifDiff, diff_eifs
from tui.screens.base import NitrodeckScreen

PCRS = ("pcr0", "pcr1", "pcr2", "pcr8")


def ramdisk_lines(diff: EifDiff) -> list[str]:
    """One line per file that changed, grouped by ramdisk (timestamp-only changes apart)."""
    lines: list[str] = []
    for ramdisk in diff.ramdisks:
        lines.append(f"[b]{ramdisk.name}[/b]")
        lines += [f"  + {escape(path)}" for path in ramdisk.added]
        lines += [f"  - {escape(path)}" for path in ramdisk.removed]
        for change in ramdisk.content_changes():
            lines.append(f"  ~ {escape(change.path)} ({', '.join(sorted(change.fields))})")
        stamps = ramdisk.timestamp_changes()
        if stamps:
            lines.append(f"  {len(stamps)} file(s) differ only in mtime (non-reproducible build)")
    return lines


class ImageDiffScreen(NitrodeckScreen):
    crumb = "diff"
    ABOUT = "Which PCRs moved between the two images, and which files caused it."
    DEFAULT_CSS = """
    ImageDiffScreen #diff-body { padding: 0 1; }
    ImageDiffScreen #diff-pcrs { height: auto; margin: 1 0; }
    """

    def __init__(self, a: Path, b: Path) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.diff: EifDiff | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="diff-body"):
            yield Static(escape(f"A: {self.a}\nB: {self.b}") + "\n\ncomparing…", id="diff-head")
            yield DataTable(id="diff-pcrs", cursor_type="none")
            yield Static("", id="diff-detail")

    def on_mount(self) -> None:
        self._compare()

    def _compare(self) -> None:
        self.run_job(
            lambda: diff_eifs(self.a, self.b), self.show, failed=self.show_error, group="diff"
        )

    def show_error(self, markup: str) -> None:
        self.query_one("#diff-head", Static).update(f"[b]Cannot compare:[/]\n{markup}")

    def show(self, diff: EifDiff) -> None:
        self.diff = diff
        moved = diff.moved
        head = escape(f"A: {diff.a}\nB: {diff.b}") + "\n\n"
        head += f"[b]moved: {', '.join(moved)}[/b]" if moved else "[b]no PCR moved[/b]"
        self.query_one("#diff-head", Static).update(f"{head}\n{escape(diff.explanation())}")
        table = self.query_one("#diff-pcrs", DataTable)
        table.add_columns("PCR", "A", "B", "")
        for name in PCRS:
            left = getattr(diff.measurements_a, name) or "-"
            right = getattr(diff.measurements_b, name) or "-"
            table.add_row(name.upper(), left[:40], right[:40], "MOVED" if left != right else "")
        detail = ramdisk_lines(diff)
        detail += [
            f"[b]section[/b] {s.name}: {s.status}" for s in diff.sections if s.status != "same"
        ]
        detail += [f"[b]metadata[/b] {escape(f'{k}: {a!r} → {b!r}')}" for k, a, b in diff.metadata]
        self.query_one("#diff-detail", Static).update("\n".join(detail) or "identical images")
