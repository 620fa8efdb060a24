"""What an EIF diff found (`EifDiff`) and the words and JSON for it: the sentence that says
why PCRs moved. `core.eif.diff` computes one; this module only describes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.eif.measure import Measurements


@dataclass(frozen=True)
class EntryChange:
    path: str
    fields: dict[str, tuple[Any, Any]]

    @property
    def timestamp_only(self) -> bool:
        return set(self.fields) == {"mtime"}


@dataclass
class RamdiskDiff:
    name: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[EntryChange] = field(default_factory=list)
    unreadable: str | None = None  # why the members could not be compared (not a cpio, …)

    def content_changes(self) -> list[EntryChange]:
        return [change for change in self.changed if not change.timestamp_only]

    def timestamp_changes(self) -> list[EntryChange]:
        return [change for change in self.changed if change.timestamp_only]


@dataclass(frozen=True)
class SectionDiff:
    name: str
    status: str  # "same", "changed", "added", "removed"
    measured: bool
    size_a: int | None
    size_b: int | None


@dataclass
class EifDiff:
    a: Path
    b: Path
    measurements_a: Measurements
    measurements_b: Measurements
    sections: list[SectionDiff]
    ramdisks: list[RamdiskDiff]
    metadata: list[tuple[str, Any, Any]]

    @property
    def moved(self) -> list[str]:
        return self.measurements_a.moved(self.measurements_b)

    def explanation(self) -> str:
        """One or two sentences on why the PCRs moved (or why they did not)."""
        return explain(self)

    def to_json(self) -> dict[str, Any]:
        return diff_json(self)


_ROLE = {"ramdisk 0": "the bootstrap ramdisk", "ramdisk 1": "the customer ramdisk"}


def _examples(paths: list[str], limit: int = 3) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_ADVICE = (
    " Timestamps are part of the measured ramdisk bytes: build with a fixed SOURCE_DATE_EPOCH "
    "to make images reproducible."
)


def _ramdisk_reason(ramdisk: RamdiskDiff) -> str:
    if ramdisk.unreadable:
        return f"its bytes differ, and its files cannot be listed ({ramdisk.unreadable})"
    parts = []
    content = ramdisk.content_changes()
    if content:
        parts.append(
            f"{_count(len(content), 'file')} changed ({_examples([c.path for c in content])})"
        )
    if ramdisk.added:
        parts.append(f"{_count(len(ramdisk.added), 'file')} added ({_examples(ramdisk.added)})")
    if ramdisk.removed:
        parts.append(
            f"{_count(len(ramdisk.removed), 'file')} removed ({_examples(ramdisk.removed)})"
        )
    stamps = ramdisk.timestamp_changes()
    if stamps and not parts:
        entries = _count(len(stamps), "entry", "entries")
        return f"only the mtimes of {entries} differ ({_examples([c.path for c in stamps])})"
    if stamps:
        parts.append(f"{_count(len(stamps), 'more entry', 'more entries')} differ only in mtime")
    if not parts:
        return "its bytes differ but it unpacks to the same files (compression or entry order)"
    return "; ".join(parts)


def _unmeasured(diff: EifDiff, names: list[str]) -> str:
    keys = [key for key, _, _ in diff.metadata]
    described = [
        f"{name} ({_examples(keys, 4)})" if name == "metadata" and keys else name for name in names
    ]
    return _join(described)


def explain(diff: EifDiff) -> str:
    """A short answer to "why did PCR0 change?" (or why nothing measured did)."""
    moved = diff.moved
    measured = [s for s in diff.sections if s.measured and s.status != "same"]
    unmeasured = [s.name for s in diff.sections if not s.measured and s.status != "same"]
    if not measured:
        if not unmeasured and not moved:
            return "The images are identical in every section."
        tail = " (PCR8 moved: the signing certificate differs)" if "PCR8" in moved else ""
        keys = ", ".join(key for key, _, _ in diff.metadata[:4])
        what = f"{' and '.join(unmeasured)}" + (f" ({keys})" if keys else "")
        return f"PCR0, PCR1 and PCR2 are unchanged: only unmeasured parts differ: {what}{tail}."
    ramdisks = {r.name: r for r in diff.ramdisks}
    reasons = []
    for section in measured:
        role = _ROLE.get(section.name, f"the {section.name}")
        if section.status != "changed":
            reasons.append(f"{role} was {section.status}")
        elif section.name in ramdisks:
            reasons.append(f"{role} changed: {_ramdisk_reason(ramdisks[section.name])}")
        else:
            reasons.append(f"{role} changed")
    pcrs = _join(moved) if moved else "no PCR"
    sentence = f"{pcrs} moved because " + "; and ".join(reasons) + "."
    if any(r.timestamp_changes() for r in diff.ramdisks):
        sentence += _ADVICE
    if unmeasured:
        sentence += f" Unmeasured differences too: {_unmeasured(diff, unmeasured)}."
    return sentence[0].upper() + sentence[1:]


def diff_json(diff: EifDiff) -> dict[str, Any]:
    """The `--json` shape of a diff."""
    return {
        "A": str(diff.a),
        "B": str(diff.b),
        "MovedPCRs": diff.moved,
        "Measurements": {"A": diff.measurements_a.to_json(), "B": diff.measurements_b.to_json()},
        "Sections": [
            {
                "Section": s.name,
                "Status": s.status,
                "Measured": s.measured,
                "SizeA": s.size_a,
                "SizeB": s.size_b,
            }
            for s in diff.sections
        ],
        "Ramdisks": [
            {
                "Section": r.name,
                "Added": r.added,
                "Removed": r.removed,
                "Changed": [
                    {"Path": c.path, "Fields": {k: list(v) for k, v in c.fields.items()}}
                    for c in r.content_changes()
                ],
                "TimestampOnly": [c.path for c in r.timestamp_changes()],
                "Unreadable": r.unreadable,
            }
            for r in diff.ramdisks
        ],
        "Unmeasured": {
            "Metadata": [{"Key": key, "A": a, "B": b} for key, a, b in diff.metadata],
        },
        "Explanation": explain(diff),
    }
