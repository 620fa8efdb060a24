"""Attested rollout: replace the enclave called NAME on every member, wave by wave.

On each member: copy the image, start the new enclave beside the old one when the pool holds
both (else, only with `allow_downtime`, after ending the old one), attest the new one (its PCRs
must be the image's, with a fresh nonce) and only then end the old one. A wave runs its members
concurrently; the next wave starts only when every member of this one verified. The first
failure stops the rollout, and every member ends in a described state: replaced, kept on the
old enclave (the unverified new one ended), or not reached.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from core.attestation import TrustAnchor
from core.errors import NitrodeckError, UsageError
from core.fleet.attest import attest_enclave
from core.fleet.keys import KeyPin
from core.home import Home
from core.platform.base import EnclaveInfo, Platform, RunRequest
from core.remote.target import Target, open_target

REPLACED, KEPT_OLD, FAILED, NOT_REACHED = "replaced", "kept-old", "failed", "not-reached"


@dataclass(frozen=True)
class RolloutPlan:
    eif_path: Path
    enclave_name: str
    wave_size: int = 1
    allow_downtime: bool = False
    memory_mib: int | None = None
    cpu_count: int | None = None
    """Size of the new enclave where no old one exists (else the old one's size is kept)."""
    trust: str | None = None
    """The operator's root for every member (`--trust`); else each member's context's, else
    the member's own root when this machine holds it (`core.platform.trust`)."""


@dataclass
class MemberOutcome:
    """What happened on one member, step by step, and the state it was left in."""

    name: str
    location: str
    wave: int
    state: str = NOT_REACHED
    steps: list[str] = field(default_factory=list)
    running: str = ""
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "member": self.name,
            "location": self.location,
            "wave": self.wave,
            "state": self.state,
            "running": self.running,
            "steps": self.steps,
            "error": self.error,
        }


@dataclass
class RolloutReport:
    outcomes: list[MemberOutcome]
    stopped_at_wave: int | None = None
    key_steps: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.stopped_at_wave is None


Opener = Callable[[Target], Platform]
Progress = Callable[[MemberOutcome, str], None]


def waves(members: Sequence[Target], size: int) -> list[list[Target]]:
    if size < 1:
        raise UsageError("--wave must be 1 or more", where="--wave")
    return [list(members[i : i + size]) for i in range(0, len(members), size)]


def _matches(name: str | None, wanted: str) -> bool:
    """NAME itself, or NAME_k: the name nitro-cli gives a second enclave started as NAME."""
    return name is not None and re.fullmatch(rf"{re.escape(wanted)}(_\d+)?", name) is not None


class _Member:
    """One member's replacement, as a sequence of small steps that record themselves."""

    def __init__(
        self,
        platform: Platform,
        plan: RolloutPlan,
        outcome: MemberOutcome,
        pcrs: dict[int, bytes],
        progress: Progress | None,
    ) -> None:
        self.platform, self.plan, self.outcome, self.pcrs = platform, plan, outcome, pcrs
        self.progress = progress

    def step(self, text: str) -> None:
        self.outcome.steps.append(text)
        if self.progress is not None:
            self.progress(self.outcome, text)

    def run(self, trust: str | None) -> None:
        """Replace the enclave; the root is settled first, so a member whose root cannot be
        chosen is left exactly as it was."""
        platform, plan = self.platform, self.plan
        anchor = platform.trust_anchor(trust)
        self.step(f"documents must chain to {anchor.name} ({anchor.fingerprint[:16]}…)")
        old = [e for e in platform.describe_enclaves() if _matches(e.name, plan.enclave_name)]
        request = self._request(old)
        if old and not self._fits(request, old):
            for enclave in old:
                platform.terminate_enclave(enclave_id=enclave.enclave_id)
                self.step(f"terminated old {enclave.enclave_id} first (--allow-downtime)")
            old = []
        new = platform.run_enclave(request)
        self.step(f"started new {new.enclave_id}" + (" beside the old one" if old else ""))
        self._verify(new, old, anchor)
        for enclave in old:
            platform.terminate_enclave(enclave_id=enclave.enclave_id)
            self.step(f"terminated old {enclave.enclave_id}")
        self.outcome.state = REPLACED
        self.outcome.running = f"new {new.enclave_id} ({new.name})"

    def _request(self, old: list[EnclaveInfo]) -> RunRequest:
        plan = self.plan
        if old:
            model = old[0]
            return RunRequest(
                plan.eif_path,
                model.memory_mib,
                cpu_count=len(model.cpu_ids),
                debug_mode=model.debug,
                enclave_name=plan.enclave_name,
            )
        if plan.memory_mib is None or plan.cpu_count is None:
            raise UsageError(
                f"no enclave {plan.enclave_name!r} runs here to take its size from",
                where=self.outcome.name,
                fix="pass --memory and --cpu-count for members that run none yet",
            )
        return RunRequest(
            plan.eif_path, plan.memory_mib, cpu_count=plan.cpu_count, enclave_name=plan.enclave_name
        )

    def _fits(self, request: RunRequest, old: list[EnclaveInfo]) -> bool:
        pool = self.platform.pool_state()
        free_memory = pool.memory_mib - pool.used_memory_mib
        cpus = request.cpu_count or 0
        if len(pool.free_cpus) >= cpus and free_memory >= request.memory_mib:
            return True
        need = f"{cpus} CPUs and {request.memory_mib} MiB free"
        have = f"{len(pool.free_cpus)} CPUs and {free_memory} MiB"
        if not self.plan.allow_downtime:
            raise NitrodeckError(
                f"the pool cannot hold the new enclave beside the old one: needs {need}, "
                f"has {have}",
                where=self.outcome.name,
                fix="grow the pool (nitrodeck pool apply) or pass --allow-downtime to end the "
                "old enclave before starting the new one",
            )
        self.step(f"the pool cannot hold both (needs {need}, has {have})")
        return False

    def _verify(self, new: EnclaveInfo, old: list[EnclaveInfo], anchor: TrustAnchor) -> None:
        try:
            failures = attest_enclave(self.platform, new.enclave_id, self.pcrs, anchor=anchor)
            problem = "; ".join(f"{c.name}: {c.evidence}" for c in failures)
        except NitrodeckError as error:
            problem = f"no attestation: {error.what}"
        if not problem:
            self.step(f"verified {new.enclave_id}: PCRs equal the image's")
            return
        self.platform.terminate_enclave(enclave_id=new.enclave_id)
        self.step(f"terminated unverified new {new.enclave_id}")
        if old:
            self.outcome.state = KEPT_OLD
            self.outcome.running = "old " + ", ".join(e.enclave_id for e in old)
        raise NitrodeckError(f"attestation failed: {problem}", where=self.outcome.name)


def rollout(
    plan: RolloutPlan,
    members: Sequence[Target],
    *,
    home: Home,
    opener: Opener | None = None,
    progress: Progress | None = None,
    key: KeyPin | None = None,
) -> RolloutReport:
    """Replace the enclave on every member in waves; stop at the first failing wave. Members
    are opened with `open_target` (`home`: this machine's) unless `opener` says otherwise.

    With `key`, the key is pinned to the new image first and unpinned from the old one only
    after the last wave verified.
    """
    from core.attestation import eif_expectations

    opener = opener or partial(open_target, home=home)
    pcrs = eif_expectations(plan.eif_path)
    groups = waves(members, plan.wave_size)
    outcomes = [
        MemberOutcome(t.name, t.location, wave=n)
        for n, group in enumerate(groups, 1)
        for t in group
    ]
    by_name = {o.name: o for o in outcomes}
    report = RolloutReport(outcomes)
    if key is not None:
        report.key_steps.append(key.pin_new(plan.eif_path))
    for number, group in enumerate(groups, 1):
        with ThreadPoolExecutor(max_workers=len(group)) as pool:
            list(
                pool.map(
                    lambda t: _replace(t, plan, by_name[t.name], pcrs, opener, progress), group
                )
            )
        if any(by_name[t.name].state != REPLACED for t in group):
            report.stopped_at_wave = number
            for later in outcomes:
                if later.wave > number:
                    later.running = f"untouched: the rollout stopped at wave {number}"
            if key is not None:
                report.key_steps.append("key keeps the old image's values: not every member moved")
            return report
    if key is not None:
        report.key_steps.append(key.drop_old(plan.eif_path))
    return report


def _replace(
    target: Target,
    plan: RolloutPlan,
    outcome: MemberOutcome,
    pcrs: dict[int, bytes],
    opener: Opener,
    progress: Progress | None,
) -> None:
    try:
        platform = opener(target)
    except (NitrodeckError, OSError) as error:
        outcome.state, outcome.error = FAILED, f"unreachable: {error}"
        outcome.running = "unknown (not reached)"
        return
    try:
        _Member(platform, plan, outcome, pcrs, progress).run(plan.trust)
    except (NitrodeckError, OSError) as error:
        outcome.error = _reason(error)
        if outcome.state != KEPT_OLD:
            outcome.state = FAILED
            outcome.running = _describe_running(platform, plan.enclave_name)
    finally:
        platform.close()


def _reason(error: NitrodeckError | OSError) -> str:
    if not isinstance(error, NitrodeckError):
        return str(error)
    return error.what + (f" (fix: {error.fix})" if error.fix else "")


def _describe_running(platform: Platform, name: str) -> str:
    try:
        found = [e for e in platform.describe_enclaves() if _matches(e.name, name)]
    except (NitrodeckError, OSError) as error:
        return f"unknown ({error})"
    return ", ".join(f"{e.enclave_id} ({e.name})" for e in found) or f"no enclave {name}"
