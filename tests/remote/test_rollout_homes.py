"""Rollout on a local fleet of simulator homes: downtime only when allowed, waves of two."""

from __future__ import annotations

from pathlib import Path

import pytest
from fleet_helpers import TIGHT, local_key, pinned_pcr0s, running, start_old

from core.eif import measure_eif
from core.errors import UsageError
from core.fleet.keys import KeyPin
from core.fleet.rollout import FAILED, REPLACED, RolloutPlan, rollout, waves
from core.home import Home
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN
from core.remote.target import Target

pytestmark = pytest.mark.slow


def test_waves_split_in_order_and_refuse_zero() -> None:
    members = [Target(name=str(n)) for n in range(5)]
    assert [[t.name for t in w] for w in waves(members, 2)] == [["0", "1"], ["2", "3"], ["4"]]
    with pytest.raises(UsageError):
        waves(members, 0)


def test_a_full_pool_needs_allow_downtime(
    remote_homes: dict[str, Path], agent_images: tuple[Path, Path]
) -> None:
    v1, v2 = agent_images
    target = Target(name="tight", home=str(remote_homes["a"]))
    old = start_old(target, v1, pool=TIGHT)

    refused = rollout(RolloutPlan(eif_path=v2, enclave_name="web"), [target], home=Home.resolve())
    outcome = refused.outcomes[0]
    assert outcome.state == FAILED and refused.stopped_at_wave == 1
    assert "cannot hold the new enclave beside the old one" in (outcome.error or "")
    assert [e.enclave_id for e in running(target)] == [old.enclave_id]

    allowed = rollout(
        RolloutPlan(eif_path=v2, enclave_name="web", allow_downtime=True),
        [target],
        home=Home.resolve(),
    )
    outcome = allowed.outcomes[0]
    assert allowed.ok and outcome.state == REPLACED
    assert any("first (--allow-downtime)" in step for step in outcome.steps)
    (now,) = running(target)
    assert now.measurements["PCR0"] == measure_eif(v2).pcr0


def test_waves_of_two_replace_every_member(
    remote_homes: dict[str, Path], agent_images: tuple[Path, Path]
) -> None:
    v1, v2 = agent_images
    targets = [Target(name=n, home=str(h)) for n, h in remote_homes.items()]
    for target in targets:
        start_old(target, v1)
    old_pcr0, new_pcr0 = measure_eif(v1).pcr0, measure_eif(v2).pcr0
    with local_key(old_pcr0) as (kms, key_id):
        key = KeyPin(kms, key_id, ADMIN_PRINCIPAL_ARN)
        plan = RolloutPlan(eif_path=v2, enclave_name="web", wave_size=2)
        seen = []
        report = rollout(
            plan,
            targets,
            home=Home.resolve(),
            key=key,
            progress=lambda o, s: seen.append(pinned_pcr0s(kms, key_id)),
        )
        assert all(pins == {old_pcr0, new_pcr0} for pins in seen)  # both while waves run
        assert pinned_pcr0s(kms, key_id) == {new_pcr0}  # the old one only after the last
    assert report.ok and [o.wave for o in report.outcomes] == [1, 1, 2]
    assert len(report.key_steps) == 2
    assert all(o.state == REPLACED for o in report.outcomes)
    for target in targets:
        assert [e.measurements["PCR0"] for e in running(target)] == [measure_eif(v2).pcr0]
