"""Find the kernel, cmdline and bootstrap blobs an image is built from.

Search order, as nitro-cli: `--blobs`, else `$NITRO_CLI_BLOBS`, else
`/usr/share/nitro_enclaves/blobs`. When none of those exists, nitrodeck's own simulator stand-ins
(`core/eif/sim_blobs`, clearly labelled text files) are used so images build anywhere; they run
on the simulator only. A directory that was named explicitly but is incomplete is an error, never
silently replaced.
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

from core.eif.errors import EifBuildError
from core.eif.format import FLAG_ARCH_AARCH64

SYSTEM_BLOBS = Path("/usr/share/nitro_enclaves/blobs")
SIM_BLOBS = Path(__file__).resolve().parent / "sim_blobs"
_KERNELS = ("bzImage", "Image")


@dataclass(frozen=True)
class Blobs:
    """The files of one blob set and where they came from."""

    directory: Path
    kernel: Path
    kernel_config: Path
    cmdline: Path
    init: Path
    nsm: Path
    simulated: bool

    @property
    def flags(self) -> int:
        """EIF header flags: bit 0 set for an arm64 `Image` kernel."""
        return FLAG_ARCH_AARCH64 if self.kernel.name == "Image" else 0

    @property
    def arch(self) -> str:
        return "aarch64" if self.flags else "x86_64"

    def cmdline_text(self) -> bytes:
        """The cmdline blob, whitespace-trimmed, without a NUL (docs/eif.md §1)."""
        return self.cmdline.read_bytes().strip()

    def kernel_identity(self) -> tuple[str, str]:
        """(OperatingSystem, KernelVersion): words 1 and 3 of line 3 of the kernel config."""
        try:
            lines = self.kernel_config.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as error:
            raise EifBuildError(
                f"cannot read the kernel config: {error.strerror}", path=self.kernel_config
            ) from error
        words = re.split(r"[ /-]", lines[2]) if len(lines) >= 3 else []
        if len(words) < 4:
            raise EifBuildError(
                "line 3 of the kernel config does not look like '# Linux/<arch> <version>-…'",
                path=self.kernel_config,
            )
        return words[1], words[3]


def _pick_kernel(directory: Path) -> str | None:
    present = [name for name in _KERNELS if (directory / name).is_file()]
    if not present:
        return None
    if "Image" in present and platform.machine() in ("aarch64", "arm64"):
        return "Image"
    return present[0]


def _load(directory: Path, *, simulated: bool) -> Blobs:
    kernel = _pick_kernel(directory)
    if kernel is None:
        raise EifBuildError(
            "no kernel blob (bzImage or Image) in the blobs directory",
            path=directory,
            fix="point --blobs (or NITRO_CLI_BLOBS) at nitro-cli's blobs directory",
        )
    names = {
        "kernel_config": f"{kernel}.config",
        "cmdline": "cmdline",
        "init": "init",
        "nsm": "nsm.ko",
    }
    missing = [name for name in names.values() if not (directory / name).is_file()]
    if missing:
        raise EifBuildError(
            f"the blobs directory lacks {', '.join(missing)}",
            path=directory,
            fix="point --blobs (or NITRO_CLI_BLOBS) at a complete nitro-cli blobs directory",
        )
    paths = {field: directory / name for field, name in names.items()}
    return Blobs(directory=directory, kernel=directory / kernel, simulated=simulated, **paths)


def find_blobs(explicit: Path | None = None) -> Blobs:
    """The blob set to build with (see the module docstring for the search order)."""
    if explicit is not None:
        return _load(Path(explicit), simulated=False)
    from_env = os.environ.get("NITRO_CLI_BLOBS")
    if from_env:
        return _load(Path(from_env), simulated=False)
    if SYSTEM_BLOBS.is_dir():
        return _load(SYSTEM_BLOBS, simulated=False)
    return _load(SIM_BLOBS, simulated=True)
