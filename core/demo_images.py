"""Two small demo EIFs (a web API and its next version) for first runs, screenshots and tests.

Built with the simulator kit and SOURCE_DATE_EPOCH's default, so they are byte-reproducible:
the same PCRs on every machine, and their diff shows one changed file.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from core.eif import build_eif
from core.home import ensure_private_dir

DEMOS = (("web-api", "print('hello from v1')\n"), ("web-api-next", "print('hello from v2')\n"))


def build_demo_images(directory: Path) -> list[Path]:
    """Build the demo images into `directory` (created); returns their paths."""
    ensure_private_dir(directory)
    built: list[Path] = []
    scratch = Path(tempfile.mkdtemp(prefix="nitrodeck-demo-"))
    try:
        for name, program in DEMOS:
            rootfs = scratch / name
            (rootfs / "app").mkdir(parents=True)
            (rootfs / "app" / "server.py").write_text(program)
            _, path = build_eif(
                output=directory / f"{name}.eif",
                rootfs=rootfs,
                name=name,
                version="1.0",
                cmd=["/usr/bin/python3", "/app/server.py"],
            )
            built.append(path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return built
