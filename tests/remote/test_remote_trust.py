"""A simulator home on this machine is trusted by its root read here, whatever it reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.attestation.trust import AWS_ROOT_SHA256, sim_root_anchor
from core.home import Home
from core.remote.target import Target, open_target

pytestmark = pytest.mark.slow


def test_a_home_members_root_is_read_from_the_home_here(tmp_path: Path) -> None:
    home = tmp_path / "home"
    platform = open_target(Target(name="lab", home=str(home)), home=Home.resolve())
    try:
        own = sim_root_anchor(Home(home))
        assert platform.trust_anchor().fingerprint == own.fingerprint
        assert platform.trust_anchor().source == own.source  # the file here, not the wire
        assert platform.trust_anchor("sim").fingerprint == own.fingerprint
        assert platform.trust_anchor("aws").fingerprint == AWS_ROOT_SHA256
    finally:
        platform.close()
    kept = open_target(  # a context's choice
        Target(name="lab", home=str(home), trust="aws"), home=Home.resolve()
    )
    try:
        assert kept.trust_anchor().fingerprint == AWS_ROOT_SHA256
        assert kept.trust_anchor("sim").fingerprint == own.fingerprint  # the command's wins
    finally:
        kept.close()
