"""Where nitrodeck keeps its state: one home directory, so independent simulators can coexist.

A `Home` is that directory as a value. It is resolved once at an edge (`Home.resolve()`: the
command line's entry, the app's start; a lab's or the tour's home when the app switches into
it) and handed down to the simulator, the KMS daemon and the builders, so one process can work
in several homes; `nitrodeck_home()` is only that edge's reading of the environment.

Everything under the home is private to its owner whatever the umask: directories 0700, files
0600 (`ensure_private_dir`, `write_private_file`, `private_open`). User data is written atomically
(a temporary file of a unique name, fsync, rename, fsync of the directory), so a crash leaves the
old file or the new one, never a torn or empty key. Writers that read first (`update_file`) hold
an `flock` on a lock file beside the data across the read and the write, and a file that must be
made once (`create_file_once`) is linked into place with O_EXCL semantics, so racing processes
agree on one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def nitrodeck_home() -> Path:
    """`$NITRODECK_HOME`, else `$XDG_STATE_HOME/nitrodeck`, else `~/.local/state/nitrodeck`."""
    explicit = os.environ.get("NITRODECK_HOME")
    if explicit:
        return Path(explicit).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "nitrodeck"


@dataclass(frozen=True)
class Home:
    """One nitrodeck home; `label` names it where the app shows it ("" for the user's own,
    `lab debug-mode`, `tour`)."""

    path: Path
    label: str = ""

    @classmethod
    def resolve(cls) -> Home:
        """The home this process was started with (`nitrodeck_home()`): call it at an edge only."""
        return cls(nitrodeck_home())

    def __truediv__(self, relative: str | Path) -> Path:
        return self.path / relative

    @property
    def kms_dir(self) -> Path:
        """The local KMS: its daemon's files, credentials, key store and endpoint."""
        return self.path / "kms"

    @property
    def images_dir(self) -> Path:
        return self.path / "images"

    @property
    def consoles_dir(self) -> Path:
        """Where the app saves consoles it was asked to keep."""
        return self.path / "consoles"

    def sim_dir(self, profile: str) -> Path:
        """One simulated instance's state (`sim/<profile>`)."""
        return self.path / "sim" / profile

    def child_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for a child process that must work in this home (a KMS daemon, an
        enclave supervisor): `base` (default: this process's) with `$NITRODECK_HOME` set."""
        return dict(os.environ if base is None else base, NITRODECK_HOME=str(self.path))

    def shown(self) -> str:
        """How the app names it: the label, else the path as a person reads it."""
        return self.label or display_path(self.path)


def display_path(path: Path) -> str:
    """`path` as a person reads it: `~/…` under the user's home directory, else absolute."""
    try:
        return "~/" + str(Path(path).relative_to(Path.home()))
    except ValueError:
        return str(path)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` and any missing parents 0700 (chmod, not the umask, decides); return it.

    Directories that already exist keep their mode: tightening a directory the user made on
    purpose (say, a shared parent of the home) is not ours to do.
    """
    missing: list[Path] = []
    current = Path(path)
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=PRIVATE_DIR)
            os.chmod(directory, PRIVATE_DIR)
    return path


def private_open(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_APPEND) -> int:
    """An fd on `path`, created 0600 (fchmod: the umask cannot widen or narrow it)."""
    ensure_private_dir(path.parent)
    fd = os.open(path, flags | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        if os.fstat(fd).st_mode & 0o777 != PRIVATE_FILE and flags & os.O_CREAT:
            os.fchmod(fd, PRIVATE_FILE)
    except OSError:
        os.close(fd)
        raise
    return fd


def create_private_file(path: Path) -> None:
    """Create an empty 0600 `path` unless it exists; an existing file is never opened.

    For SQLite databases: closing any descriptor of a database file drops every POSIX lock this
    process holds on it, so a file SQLite may already have open must not be opened and closed.
    """
    ensure_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def _written_temp(path: Path, data: bytes) -> Path:
    """`data` in a fresh 0600 file of a unique name beside `path`, fsynced; its path."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    return tmp


def write_private_file(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically, 0600 from the first byte (keys and secrets).

    Written to a temporary file in the same directory, fsynced, renamed over `path`, and the
    directory fsynced: a reader or a crash sees the old contents or the new, never a part.
    """
    path = Path(path)
    tmp = _written_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def create_file_once(path: Path, make: Callable[[], bytes]) -> bytes:
    """The contents of `path`, which `make()` creates (0600, whole) unless another process
    got there first: then that process's bytes, never a second, different file.

    The new file is complete before it appears: written to a temporary name and hard-linked to
    `path`, which fails if `path` exists (O_EXCL semantics), so exactly one creator wins.
    """
    path = Path(path)
    tmp = _written_temp(path, make())
    try:
        os.link(tmp, path)
    except FileExistsError:
        return path.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return path.read_bytes()


def lock_path(path: Path) -> Path:
    """The lock file that guards `path`: `.<name>.lock` beside it."""
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def file_lock(lock_file: Path) -> Iterator[None]:
    """An exclusive `flock` on `lock_file` (created 0600) while the block runs.

    Every process that changes the guarded file takes the same lock, so a read-modify-write
    is never interleaved with another; the lock dies with its process, so a crash frees it.
    """
    fd = private_open(lock_file, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def update_file(path: Path, change: Callable[[bytes | None], bytes]) -> bytes:
    """Replace `path` with `change(current bytes, or None when absent)`, under its lock.

    The lock is held from the read to the rename, so concurrent updates all land; the write is
    atomic (`write_private_file`). `change` raises to refuse (say, a corrupt file): the file is
    then left exactly as it was. Returns what was written.
    """
    path = Path(path)
    with file_lock(lock_path(path)):
        try:
            current: bytes | None = path.read_bytes()
        except FileNotFoundError:
            current = None
        data = change(current)
        write_private_file(path, data)
    return data


def fsync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable (best effort where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
