"""The state the tour shows: the demo image, an enclave running it, a key pinned to it.

Prepared through the real mechanisms (EIF builder, platform, local KMS) in the home it is given
(the tour's own, `tour_home`), so every screen the tour opens shows live data. Idempotent: a
second tour reuses what is there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.errors import NitrodeckError
from core.home import Home, write_private_file
from core.platform.base import Platform, RunRequest

ENCLAVE = "tour"
IMAGE = "demo.eif"


@dataclass(frozen=True)
class Story:
    image: Path
    enclave: str
    key_id: str | None


def tour_home(home: Home) -> Home:
    """The tour's own home inside `home`: the tour never touches the user's enclaves or keys."""
    return Home(home / "tour", label="tour")


def _record_path(home: Home) -> Path:
    return home / "tour.json"


def prepare_story(platform: Platform, home: Home) -> Story:
    """Build the demo image, run it as enclave `tour`, create its demo key (simulator only)."""
    if not platform.simulated:
        raise NitrodeckError(
            "the tour prepares its enclave on the simulator only",
            fix="run it with --platform sim (nothing is started on real hardware)",
        )
    from core.agent.demo import build_demo_image

    image = home.images_dir / IMAGE
    if not image.exists():
        build_demo_image(image)
    running = {e.name: e for e in platform.describe_enclaves()}
    enclave = running.get(ENCLAVE)
    if enclave is None:
        enclave = platform.run_enclave(
            RunRequest(eif_path=image, memory_mib=256, cpu_count=2, enclave_name=ENCLAVE)
        )
    recorded = _recorded(home)
    if recorded.get("pcr0") == enclave.measurements.get("PCR0") and recorded.get("key_id"):
        return Story(image, ENCLAVE, str(recorded["key_id"]))
    from core.kms.demo import create_demo_key
    from core.kms.target import demo_roles, local_target

    roles = demo_roles(local_target(home))
    demo = create_demo_key(
        roles.client, enclave, admin=roles.admin, decryptor=roles.decryptor, home=home
    )
    record = json.dumps({"pcr0": demo.pcr0, "key_id": demo.key_id}) + "\n"
    write_private_file(_record_path(home), record.encode())
    return Story(image, ENCLAVE, demo.key_id)


def _recorded(home: Home) -> dict[str, object]:
    try:
        data = json.loads(_record_path(home).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
