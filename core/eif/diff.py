"""Compare two EIFs and answer "why did PCR0 change?".

Sections are paired by role (kernel, cmdline, metadata, signature, ramdisk N) and compared by
SHA-256. Changed ramdisks are unpacked member by member (streamed; only a summary per path is
kept) and compared by path, mode, owner, size, mtime and content hash. Differences are split into
measured ones (they move PCRs) and unmeasured ones (metadata such as BuildTime, the signature).
A change of only cpio mtimes *is* measured (the mtime is inside the ramdisk bytes) and is
reported apart, since it is the classic non-reproducible-build cause.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from core.eif.diff_report import EifDiff, EntryChange, RamdiskDiff, SectionDiff
from core.eif.errors import EifError
from core.eif.extract import section_range
from core.eif.format import SectionType
from core.eif.ramdisk import read_ramdisk
from core.eif.reader import EifInfo, SectionInfo, read_eif
from core.eif.writer import iter_range

_MEASURED = {SectionType.KERNEL, SectionType.CMDLINE, SectionType.RAMDISK}
_FIELDS = ("mode", "uid", "gid", "size", "mtime", "sha256")


def _section_key(section: SectionInfo) -> str:
    return section.name


def _digest(info: EifInfo, section: SectionInfo) -> str:
    digest = hashlib.sha256()
    for chunk in iter_range(section_range(info.path, section)):
        digest.update(chunk)
    return digest.hexdigest()


def ramdisk_index(info: EifInfo, section: SectionInfo) -> dict[str, dict[str, Any]]:
    """path -> {mode, uid, gid, size, mtime, sha256} for every member of one ramdisk."""
    entries: dict[str, dict[str, Any]] = {}
    stream, reader = read_ramdisk(
        section_range(info.path, section), f"{section.name} of {info.path}"
    )
    with stream:
        for member in reader:
            digest = hashlib.sha256()
            for chunk in reader.chunks():
                digest.update(chunk)
            entries[member.path] = {
                "mode": f"{member.mode:o}",
                "uid": member.uid,
                "gid": member.gid,
                "size": member.size,
                "mtime": member.mtime,
                "sha256": digest.hexdigest(),
            }
    return entries


def _compare_ramdisk(
    name: str, a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]
) -> RamdiskDiff:
    result = RamdiskDiff(name, sorted(set(b) - set(a)), sorted(set(a) - set(b)))
    for path in sorted(set(a) & set(b)):
        fields = {
            key: (a[path][key], b[path][key]) for key in _FIELDS if a[path][key] != b[path][key]
        }
        if fields:
            result.changed.append(EntryChange(path, fields))
    return result


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def diff_eifs(a: Path, b: Path) -> EifDiff:
    """Compare image `a` (before) with image `b` (after)."""
    info_a, info_b = read_eif(Path(a)), read_eif(Path(b))
    by_a = {_section_key(s): s for s in info_a.sections}
    by_b = {_section_key(s): s for s in info_b.sections}
    sections: list[SectionDiff] = []
    ramdisks: list[RamdiskDiff] = []
    for name in [*by_a, *[key for key in by_b if key not in by_a]]:
        left, right = by_a.get(name), by_b.get(name)
        present = left or right
        assert present is not None
        kind = present.type
        if left is None or right is None:
            status = "added" if left is None else "removed"
        else:
            same = left.size == right.size and _digest(info_a, left) == _digest(info_b, right)
            status = "same" if same else "changed"
        sections.append(
            SectionDiff(
                name,
                status,
                kind in _MEASURED,
                left.size if left else None,
                right.size if right else None,
            )
        )
        if status == "changed" and kind is SectionType.RAMDISK and left and right:
            try:
                members = ramdisk_index(info_a, left), ramdisk_index(info_b, right)
            except EifError as error:
                ramdisks.append(RamdiskDiff(name, unreadable=str(error)))
            else:
                ramdisks.append(_compare_ramdisk(name, *members))
    flat_a, flat_b = _flatten(info_a.metadata), _flatten(info_b.metadata)
    metadata = [
        (key, flat_a.get(key), flat_b.get(key))
        for key in [*flat_a, *[k for k in flat_b if k not in flat_a]]
        if flat_a.get(key) != flat_b.get(key)
    ]
    return EifDiff(
        info_a.path,
        info_b.path,
        info_a.measurements,
        info_b.measurements,
        sections,
        ramdisks,
        metadata,
    )
