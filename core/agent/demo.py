"""The demo enclave image: the nitrodeck agent as the payload, ready for the simulator.

The rootfs holds the `enclave_agent` package under `/app/enclave_agent`; the image runs
`python3 -m enclave_agent --port 5005` with `PYTHONPATH=/app`. The simulator maps `python3` to
its own interpreter, so the image needs no Python of its own there; on real hardware use
`enclave_agent/Dockerfile` instead. The build is reproducible (the EIF builder takes every
timestamp from `SOURCE_DATE_EPOCH`), so the same nitrodeck gives the same PCR0.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import enclave_agent
from core.eif.build import build_eif
from core.eif.measure import Measurements

DEMO_NAME = "nitrodeck-agent-demo"
DEMO_VERSION = "1.0"
AGENT_PORT = 5005
DEMO_CMD = ["python3", "-m", "enclave_agent", "--port", str(AGENT_PORT)]
DEMO_ENV = ["PYTHONPATH=/app", "PYTHONUNBUFFERED=1"]


def agent_sources() -> list[Path]:
    """The agent's modules, sorted (caches and the Dockerfile are not part of the image)."""
    package = Path(enclave_agent.__file__).resolve().parent
    return sorted(package.glob("*.py"))


def stage_rootfs(root: Path, extra_files: Mapping[str, bytes] | None = None) -> Path:
    """Lay out the demo rootfs under `root`; `extra_files` (path → bytes) go in beside it."""
    target = root / "app" / "enclave_agent"
    target.mkdir(parents=True)
    for source in agent_sources():
        shutil.copyfile(source, target / source.name)
    for relative, data in sorted((extra_files or {}).items()):
        path = root / relative.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def build_demo_image(
    output: Path,
    *,
    extra_files: Mapping[str, bytes] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Measurements:
    """Build the demo EIF at `output` and return its measurements.

    `extra_files` changes the image on purpose (e.g. `{"/app/VERSION": b"2"}`), which moves
    PCR0 and PCR2: the demo of a key policy that no longer matches a rebuilt image.
    """
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".nitrodeck-demo-", dir=output.parent) as tmp:
        root = stage_rootfs(Path(tmp) / DEMO_NAME, extra_files)
        measurements, _ = build_eif(
            output=output,
            rootfs=root,
            name=DEMO_NAME,
            version=DEMO_VERSION,
            cmd=list(DEMO_CMD),
            env=list(DEMO_ENV),
            progress=progress,
        )
    return measurements
