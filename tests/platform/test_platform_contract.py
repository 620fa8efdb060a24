"""The `Platform` contract: the same behaviour from every implementation, so callers never ask
which one they have.

Each implementation is one entry of `SCENES`: a function that takes a `Scene` (a temporary
directory, the session's real EIFs, a list of clean-ups) and returns a platform with a scene
on it: at least one running enclave in debug mode and one running without it. Adding an
implementation is one line here, e.g. for real Nitro over a fixture sysroot:

    SCENES["nitro"] = nitro_scene   # builds the sysroot + nitro-cli stand-in, runs two enclaves

The factory registers whatever must be undone (terminate, close) in `scene.cleanups`. Nothing
here connects an AF_VSOCK socket: `connect_vsock` is tested per platform.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from nitro_fixtures import SHAPES, HostState, build_sysroot, install_nitro_cli

from core.attestation.trust import AWS_ROOT_SHA256, anchor_from_pem
from core.checks import Check, CheckStatus
from core.home import Home
from core.nitro_errors import NitroCliError
from core.platform.base import (
    ConsoleHistory,
    EnclaveInfo,
    Platform,
    PoolConfig,
    PoolPlan,
    RunRequest,
)
from core.platform.demo import DemoPlatform
from core.platform.nitro.platform import NitroPlatform
from core.platform.nitro.sysfs import SysRoot
from core.platform.sim.platform import SimPlatform
from core.platform.trust import TrustChoiceError
from core.remote.target import Target, open_target

pytestmark = pytest.mark.slow


@dataclass
class Scene:
    """What a factory gets: where to put files, real EIFs, and what to undo afterwards."""

    tmp_path: Path
    eifs: dict[str, Path]
    cleanups: list[Callable[[], object]] = field(default_factory=list)


def sim_scene(scene: Scene) -> Platform:
    sim = SimPlatform("m5.2xlarge", boot_timeout=30, home=Home.resolve())
    scene.cleanups += [lambda: sim.terminate_enclave(all_enclaves=True), sim.close]
    sim.apply_pool(PoolConfig(memory_mib=512, cpu_count=4))
    eif = scene.eifs["printer"]
    sim.run_enclave(RunRequest(eif, 128, cpu_count=2, debug_mode=True, enclave_name="dbg"))
    sim.run_enclave(RunRequest(eif, 128, cpu_count=2, enclave_name="plain"))
    return sim


def nitro_scene(scene: Scene) -> Platform:
    """A fixture m5.2xlarge parent whose nitro-cli is the stand-in over the simulator."""
    sim = SimPlatform("m5.2xlarge", home=Home.resolve())
    pool = sim.apply_pool(PoolConfig(memory_mib=512, cpu_count=4))
    sim.close()
    pages = {(h.node, h.size_kib): h.count for h in pool.hugepages}
    root = build_sysroot(scene.tmp_path / "root", SHAPES["m5.2xlarge"], HostState(pool.cpus, pages))
    install_nitro_cli(scene.tmp_path / "bin")
    saved = {k: os.environ.get(k) for k in ("PATH", "NITRODECK_PROFILE")}
    os.environ["PATH"] = f"{scene.tmp_path / 'bin'}:{os.environ['PATH']}"
    os.environ["NITRODECK_PROFILE"] = "m5.2xlarge"
    nitro = NitroPlatform(sysroot=SysRoot(root))
    scene.cleanups += [lambda: _restore(saved), lambda: nitro.terminate_enclave(all_enclaves=True)]
    eif = scene.eifs["printer"]
    nitro.run_enclave(RunRequest(eif, 128, cpu_count=2, debug_mode=True, enclave_name="dbg"))
    nitro.run_enclave(RunRequest(eif, 128, cpu_count=2, enclave_name="plain"))
    return nitro


def _restore(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def remote_scene(scene: Scene) -> Platform:
    """The simulator in its own home behind `serve --stdio`: the whole protocol over the wire."""
    from core.kms.local.daemon import stop_local_kms

    home = Path(tempfile.mkdtemp(prefix="nd-remote-"))  # short: vsock socket paths live below
    scene.cleanups.append(lambda: shutil.rmtree(home, ignore_errors=True))
    target = Target(name="remote", home=str(home), profile="m5.2xlarge")
    remote = open_target(target, home=Home.resolve())

    def terminate_all() -> None:  # over a new connection: a test may have closed this one
        again = open_target(target, home=Home.resolve())
        again.terminate_enclave(all_enclaves=True)
        again.close()

    scene.cleanups += [terminate_all, remote.close, lambda: stop_local_kms(Home(home))]
    remote.apply_pool(PoolConfig(memory_mib=512, cpu_count=4))
    eif = scene.eifs["printer"]
    remote.run_enclave(RunRequest(eif, 128, cpu_count=2, debug_mode=True, enclave_name="dbg"))
    remote.run_enclave(RunRequest(eif, 128, cpu_count=2, enclave_name="plain"))
    return remote


def demo_scene(scene: Scene) -> Platform:
    return DemoPlatform(home=Home.resolve())


SCENES: dict[str, Callable[[Scene], Platform]] = {
    "sim": sim_scene,
    "demo": demo_scene,
    "nitro": nitro_scene,
    "remote": remote_scene,
}


@pytest.fixture(params=sorted(SCENES))
def platform(
    request: pytest.FixtureRequest, tmp_path: Path, eifs: dict[str, Path]
) -> Iterator[Platform]:
    scene = Scene(tmp_path, eifs)
    try:
        yield SCENES[request.param](scene)
    finally:
        for undo in reversed(scene.cleanups):
            undo()


def enclaves(platform: Platform) -> tuple[EnclaveInfo, EnclaveInfo]:
    """The scene's (debug, non-debug) running enclaves."""
    running = [e for e in platform.describe_enclaves() if e.state == "RUNNING"]
    debug = next(e for e in running if e.debug)
    plain = next(e for e in running if not e.debug)
    return debug, plain


def test_every_member_is_there_with_a_known_value(platform: Platform) -> None:
    assert isinstance(platform, Platform)
    assert platform.name and isinstance(platform.simulated, bool)
    assert platform.default_trust in ("sim", "aws")
    assert platform.default_kms in ("local", "aws")


def test_the_trust_anchor_is_a_root_held_on_this_machine(platform: Platform) -> None:
    """Its own root is the pinned AWS one or a file here; the operator's choice wins; a pin
    accepts only the root it names."""
    own = platform.trust_anchor()
    if platform.default_trust == "aws":
        assert own.fingerprint == AWS_ROOT_SHA256
    else:
        assert Path(own.source).is_file()
        assert anchor_from_pem(own.source).fingerprint == own.fingerprint
    assert platform.trust_anchor("aws").fingerprint == AWS_ROOT_SHA256
    assert platform.trust_anchor(f"sha256:{own.fingerprint}").fingerprint == own.fingerprint
    with pytest.raises(TrustChoiceError, match="not the pinned"):
        platform.trust_anchor("sha256:" + "0" * 64)


def test_a_kms_target_is_only_named_when_this_machine_cannot_reach_the_kms(
    platform: Platform,
) -> None:
    target = platform.kms_target()
    if target is not None:  # a forwarded KMS: on this machine's loopback, signed as local
        assert target.local and (target.endpoint_url or "").startswith("http://127.0.0.1:")


def test_preflight_says_what_it_saw_and_how_to_fix_a_failure(platform: Platform) -> None:
    checks = platform.preflight()
    assert checks and all(isinstance(c, Check) for c in checks)
    assert len({c.name for c in checks}) == len(checks), "check names must be unique"
    for check in checks:
        assert check.evidence, check
        assert check.status is not CheckStatus.FAIL or check.hint, check


def test_the_pool_is_made_of_the_hosts_cpus_and_holds_the_enclaves(platform: Platform) -> None:
    host, pool = platform.host_info(), platform.pool_state()
    host_cpus = {c.cpu for c in host.cpus}
    assert set(pool.cpus) <= host_cpus and 0 not in pool.cpus
    assert pool.node in host.numa_nodes
    described = platform.describe_enclaves()
    assert pool.enclaves == len(described)
    assert set(pool.used_cpus) == {c for e in described for c in e.cpu_ids}
    assert set(pool.used_cpus) <= set(pool.cpus)
    assert pool.used_memory_mib <= pool.memory_mib


def test_planning_the_current_pool_reports_without_applying(platform: Platform) -> None:
    before = platform.pool_state()
    assert before.config is not None
    plan = platform.plan_pool(before.config)
    assert isinstance(plan, PoolPlan) and plan.config == before.config
    assert all(isinstance(v, str) and v for v in plan.violations)
    assert platform.pool_state() == before


def test_described_enclaves_are_found_again_by_id_and_name(platform: Platform) -> None:
    described = platform.describe_enclaves()
    assert len({e.enclave_id for e in described}) == len(described)
    assert len({e.cid for e in described}) == len(described) and all(e.cid > 3 for e in described)
    for info in described:
        assert platform.find_enclave(enclave_id=info.enclave_id).cid == info.cid
        assert info.name is not None
        assert platform.find_enclave(enclave_name=info.name).enclave_id == info.enclave_id
        assert info.started_at is None or 0 < info.started_at <= time.time() + 1


def test_an_unknown_enclave_is_a_nitro_cli_error(platform: Platform) -> None:
    with pytest.raises(NitroCliError):
        platform.find_enclave(enclave_id="i-00000000000000000-enc0")
    with pytest.raises(NitroCliError):
        platform.find_enclave(enclave_name="no-such-enclave")
    with pytest.raises(NitroCliError):
        platform.terminate_enclave(enclave_id="i-00000000000000000-enc0")


def test_the_console_is_for_debug_enclaves_only(platform: Platform) -> None:
    debug, plain = enclaves(platform)
    stream = platform.console(debug.enclave_id, follow=False)
    try:
        assert isinstance(next(iter(stream)), bytes)
    finally:
        stream.close()
    with pytest.raises(NitroCliError) as caught:
        platform.console(plain.enclave_id, follow=False)
    assert caught.value.code == "E44" and caught.value.exit_code == 44


def test_an_invalid_cid_is_refused_before_anything_starts(platform: Platform) -> None:
    before = {e.enclave_id for e in platform.describe_enclaves()}
    request = RunRequest(Path("/nonexistent.eif"), 256, cpu_count=2, enclave_cid=3)
    with pytest.raises(NitroCliError) as caught:
        platform.run_enclave(request)
    assert caught.value.code == "E03"
    assert {e.enclave_id for e in platform.describe_enclaves()} == before


def test_console_history_when_the_platform_keeps_it(platform: Platform) -> None:
    if not isinstance(platform, ConsoleHistory):
        pytest.skip(f"{platform.name} keeps no console history")
    debug, plain = enclaves(platform)
    saved = platform.saved_consoles()
    assert saved and all(s.debug for s in saved)
    assert debug.enclave_id in {s.enclave_id for s in saved}
    assert plain.enclave_id not in {s.enclave_id for s in saved}
    assert platform.saved_console(enclave_id=debug.enclave_id).cid == debug.cid
    with pytest.raises(NitroCliError):
        platform.saved_console(enclave_id="i-00000000000000000-enc0")


def test_terminating_returns_what_was_terminated_and_close_is_idempotent(
    platform: Platform,
) -> None:
    _, plain = enclaves(platform)
    done = platform.terminate_enclave(enclave_id=plain.enclave_id)
    assert [e.enclave_id for e in done] == [plain.enclave_id]
    platform.close()
    platform.close()
