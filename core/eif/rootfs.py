"""Turn a root filesystem directory into cpio entries, reproducibly.

Owners become 0 and mtimes are clamped to the build epoch, so two checkouts of the same tree
(different mtimes, different users) give the same bytes. Symlinks are kept as links, never
followed; sockets are skipped (they cannot live in an archive).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from core.eif.cpio import CpioEntry
from core.eif.errors import EifBuildError
from core.eif.writer import FileRange

# Directories nitro-cli's customer ramdisk always has under rootfs/ (its linuxkit template).
STANDARD_DIRS = ("dev", "run", "sys", "var", "proc", "tmp")


def clamp(mtime: float, epoch: int) -> int:
    """An mtime no later than the build epoch."""
    return min(int(mtime), epoch)


def _entry(path: Path, name: str, epoch: int) -> CpioEntry | None:
    try:
        info = path.lstat()
    except OSError as error:
        raise EifBuildError(f"cannot stat {path}: {error.strerror}") from error
    mode, mtime = info.st_mode, clamp(info.st_mtime, epoch)
    if stat.S_ISSOCK(mode):
        return None
    if stat.S_ISLNK(mode):
        target = os.readlink(path).encode("utf-8", "surrogateescape")
        return CpioEntry(name, mode, mtime, target)
    if stat.S_ISREG(mode):
        if not os.access(path, os.R_OK):
            raise EifBuildError(
                f"cannot read {path}", fix="make every file of the rootfs readable to you"
            )
        return CpioEntry(name, mode, mtime, FileRange(path, 0, info.st_size))
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        rdev = (os.major(info.st_rdev), os.minor(info.st_rdev))
        return CpioEntry(name, mode, mtime, rdevmajor=rdev[0], rdevminor=rdev[1])
    return CpioEntry(name, mode, mtime)  # directories and FIFOs


def walk_rootfs(root: Path, epoch: int, exclude: set[Path] | None = None) -> Iterator[CpioEntry]:
    """Entries for everything below `root`, named relative to it (no leading `./`).

    Paths in `exclude` (absolute, e.g. the image being written) are skipped, with their trees.
    """
    skip = {path.resolve() for path in exclude or set()}
    if not root.is_dir():
        raise EifBuildError(
            f"the rootfs {root} is not a directory", fix="pass --rootfs a directory"
        )
    root = root.resolve()  # os.walk never follows links, so every `base` below stays real
    for directory, dirnames, filenames in os.walk(root, onerror=_raise):
        base = Path(directory)
        dirnames[:] = [name for name in dirnames if base / name not in skip]
        for name in sorted(dirnames) + sorted(filenames):
            path = base / name
            if path in skip:
                continue
            entry = _entry(path, path.relative_to(root).as_posix(), epoch)
            if entry is not None:
                yield entry


def _raise(error: OSError) -> None:
    raise EifBuildError(f"cannot list {error.filename}: {error.strerror}") from error


def customer_entries(
    tree: list[CpioEntry], cmd: list[str], env: list[str], epoch: int
) -> list[CpioEntry]:
    """The customer ramdisk: `rootfs/` + the tree + standard dirs, and the `cmd`/`env` files.

    `cmd` holds one argument per line and `env` one K=V per line, each line ending in a
    newline, as nitro-cli writes them for the enclave's init.
    """
    entries = [CpioEntry.directory("rootfs", mtime=epoch)]
    names = {entry.path for entry in tree}
    entries += [_prefixed(entry) for entry in tree]
    for name in STANDARD_DIRS:
        if name not in names:
            entries.append(CpioEntry.directory(f"rootfs/{name}", mtime=epoch))
    entries.append(CpioEntry.file("cmd", _lines(cmd), mtime=epoch))
    entries.append(CpioEntry.file("env", _lines(env), mtime=epoch))
    return entries


def _prefixed(entry: CpioEntry) -> CpioEntry:
    return CpioEntry(
        f"rootfs/{entry.path}",
        entry.mode,
        entry.mtime,
        entry.source,
        entry.rdevmajor,
        entry.rdevminor,
    )


def _lines(items: list[str]) -> bytes:
    for item in items:
        if "\n" in item:
            raise EifBuildError(
                f"{item!r} contains a newline; cmd and env files hold one item per line",
                fix="remove newlines from command arguments and environment values",
            )
    return "".join(f"{item}\n" for item in items).encode("utf-8")
