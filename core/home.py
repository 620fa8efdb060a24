"""Where nitrodeck keeps its state: one home directory, so independent simulators can coexist."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def nitrodeck_home() -> Path:
    """`$NITRODECK_HOME`, else `$XDG_STATE_HOME/nitrodeck`, else `~/.local/state/nitrodeck`."""
    explicit = os.environ.get("NITRODECK_HOME")
    if explicit:
        return Path(explicit).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "nitrodeck"


def display_path(path: Path) -> str:
    """`path` as a person reads it: `~/…` under the user's home directory, else absolute."""
    try:
        return "~/" + str(Path(path).relative_to(Path.home()))
    except ValueError:
        return str(path)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by the owner only; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` with mode 0600 from the first byte (for private keys and secrets)."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


@contextlib.contextmanager
def using_home(home: Path) -> Iterator[Path]:
    """Make `home` the nitrodeck home for the duration (process-wide: `$NITRODECK_HOME`), so
    the simulator, the KMS daemon and the builders work in it unchanged (labs, the tour)."""
    previous = os.environ.get("NITRODECK_HOME")
    os.environ["NITRODECK_HOME"] = str(home)
    try:
        yield home
    finally:
        if previous is None:
            os.environ.pop("NITRODECK_HOME", None)
        else:
            os.environ["NITRODECK_HOME"] = previous
