"""Which EIF files are in a set of directories, each read once per change (the images view).

Reading an EIF measures it (hashes every byte), so results are cached by (mtime, size) and a
refresh only re-reads files that changed. A broken file is listed with its error, not hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.eif import EifInfo, read_eif
from core.errors import NitrodeckError


@dataclass(frozen=True)
class ImageEntry:
    path: Path
    size: int
    info: EifInfo | None
    error: str | None = None

    @property
    def name(self) -> str:
        if self.info is None:
            return self.path.stem
        name = self.info.metadata.get("ImageName")
        return str(name) if name else self.path.stem

    @property
    def version(self) -> str:
        return "" if self.info is None else str(self.info.metadata.get("ImageVersion", ""))


class ImageCatalog:
    """Lists `*.eif` in `dirs` (not recursive); thread-safe enough for one poller at a time."""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = dirs
        self._cache: dict[Path, tuple[tuple[int, int], ImageEntry]] = {}

    def scan(self) -> list[ImageEntry]:
        entries: list[ImageEntry] = []
        seen: set[Path] = set()
        for directory in self.dirs:
            if not directory.is_dir():
                continue
            for path in sorted(directory.glob("*.eif")):
                path = path.resolve()
                if path in seen or not path.is_file():
                    continue
                seen.add(path)
                entries.append(self._entry(path))
        self._cache = {path: value for path, value in self._cache.items() if path in seen}
        return entries

    def _entry(self, path: Path) -> ImageEntry:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            entry = ImageEntry(path, stat.st_size, read_eif(path))
        except NitrodeckError as error:
            entry = ImageEntry(path, stat.st_size, None, str(error))
        except OSError as error:
            entry = ImageEntry(path, stat.st_size, None, f"cannot read: {error.strerror}")
        self._cache[path] = (stamp, entry)
        return entry

    def get(self, path: Path) -> ImageEntry | None:
        cached = self._cache.get(path)
        return cached[1] if cached else None
