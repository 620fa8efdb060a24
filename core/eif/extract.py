"""Unpack an image's ramdisks the way the enclave kernel does, for the simulator and for `diff`.

Ramdisks are unpacked in order into one directory (a later one overrides an earlier one), so
the result is what the enclave's init sees: `init`, `nsm.ko`, `dev/`, `rootfs/…`, `cmd`, `env`.
Paths that would escape the destination are refused; device nodes are skipped (creating them
needs root, and the simulator provides its own /dev).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from core.eif.cpio import CpioMember, CpioReader
from core.eif.errors import EifError
from core.eif.format import SectionType
from core.eif.ramdisk import read_ramdisk
from core.eif.reader import SectionInfo, read_layout
from core.eif.writer import FileRange


def section_range(path: Path, section: SectionInfo) -> FileRange:
    return FileRange(path, section.data_offset, section.size)


def _safe_target(dest: Path, member: CpioMember, where: str) -> Path | None:
    parts = [part for part in member.path.split("/") if part not in ("", ".")]
    if not parts:
        return None
    if ".." in parts:
        raise EifError(f"cpio member {member.path!r} escapes the destination", where=where)
    target = dest.joinpath(*parts)
    parent = target.parent.resolve()
    if parent != dest and dest not in parent.parents:
        raise EifError(
            f"cpio member {member.path!r} lies behind a symlink out of the tree", where=where
        )
    return target


def _clear(target: Path, keep_dir: bool) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir() and not keep_dir:
        raise EifError(f"{target} is a directory in one ramdisk and a file in a later one")


def _unpack(reader: CpioReader, dest: Path, where: str, dir_modes: dict[Path, int]) -> None:
    for member in reader:
        target = _safe_target(dest, member, where)
        if target is None:
            continue
        try:
            _place(reader, member, target, dir_modes)
        except (OSError, ValueError) as error:
            raise EifError(
                f"cannot unpack cpio member {member.path!r}: {error}",
                where=f"{where}, uncompressed offset {member.offset}",
            ) from error


def _place(
    reader: CpioReader, member: CpioMember, target: Path, dir_modes: dict[Path, int]
) -> None:
    kind = stat.S_IFMT(member.mode)
    perm = member.mode & 0o7777
    _clear(target, keep_dir=kind == stat.S_IFDIR)
    if kind == stat.S_IFDIR:
        target.mkdir(parents=True, exist_ok=True)
        dir_modes[target] = perm
    elif kind == stat.S_IFREG:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as sink:
            for chunk in reader.chunks():
                sink.write(chunk)
        os.chmod(target, perm)
    elif kind == stat.S_IFLNK:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(reader.read_all(4096).decode("utf-8", "surrogateescape"), target)
    elif kind == stat.S_IFIFO:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(target, perm)


def extract_ramdisks(eif: Path, dest: Path) -> None:
    """Unpack every ramdisk of `eif` into `dest`, in order (customer files land in rootfs/)."""
    eif = Path(eif)
    sections = read_layout(eif)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    dest = dest.resolve()
    dir_modes: dict[Path, int] = {}
    for section in _ramdisks(sections):
        where = f"{section.name} of {eif}"
        stream, reader = read_ramdisk(section_range(eif, section), where)
        with stream:
            _unpack(reader, dest, where, dir_modes)
    for directory in sorted(dir_modes, key=lambda path: len(path.parts), reverse=True):
        os.chmod(directory, dir_modes[directory] | 0o700)  # keep it removable by its owner


def _ramdisks(sections: list[SectionInfo]) -> list[SectionInfo]:
    return [section for section in sections if section.type is SectionType.RAMDISK]


def read_cmd_env(eif: Path) -> tuple[list[str], list[str]]:
    """The customer command (argv) and environment (K=V list) from the `cmd`/`env` files.

    One pass over the ramdisks; a later ramdisk's file wins, as when the kernel unpacks them.
    """
    eif = Path(eif)
    found: dict[str, bytes] = {}
    for section in _ramdisks(read_layout(eif)):
        where = f"{section.name} of {eif}"
        stream, reader = read_ramdisk(section_range(eif, section), where)
        with stream:
            for member in reader:
                name = member.path.strip("/").removeprefix("./")
                if name in ("cmd", "env"):
                    found[name] = reader.read_all()
    values = []
    for name in ("cmd", "env"):
        if name not in found:
            raise EifError(
                f"the image has no {name!r} file in its ramdisks",
                path=eif,
                fix="build it with `nitrodeck eif build` or nitro-cli",
            )
        values.append([line for line in found[name].decode("utf-8", "replace").split("\n") if line])
    return values[0], values[1]
