"""The attestation step-through: real documents (a running simulator enclave, the AWS vectors)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.agent.demo import build_demo_image
from core.attestation import CheckStatus, parse_document
from core.errors import UsageError
from core.home import Home
from core.platform.base import RunRequest
from core.platform.sim.platform import SimPlatform
from tui.presenters.attest_request import parse_hex, parse_request
from tui.screens.attest import AttestScreen

SIZE = (120, 36)
BASE_PROD = "base_prod_2024-11-30.cose"


def fixed_nonce(length: int) -> bytes:
    return bytes(range(length))


async def open_attest(app: Any, pilot: Any, wait: Any, **kwargs: Any) -> AttestScreen:
    await wait(pilot)
    screen = AttestScreen(nonce_source=fixed_nonce, step_delay=0, **kwargs)
    await app.push_screen(screen)
    await wait(pilot)
    return screen


async def finish(pilot: Any, wait: Any, screen: AttestScreen) -> None:
    """Wait until every check is on screen (the worker, then the rows)."""
    for _ in range(60):
        await wait(pilot)
        report = screen.report
        if report is not None and screen.query_one("#attest-checks").row_count == len(
            report.checks
        ):
            return
    raise AssertionError(f"no report; status: {screen.query_one('#attest-status').render()}")


@pytest.fixture
def demo_enclave(tmp_path: Path) -> Iterator[tuple[SimPlatform, Path]]:
    eif = tmp_path / "demo.eif"
    build_demo_image(eif)
    sim = SimPlatform(home=Home.resolve())
    try:
        sim.run_enclave(RunRequest(eif_path=eif, memory_mib=512, cpu_count=2, enclave_name="demo"))
        yield sim, eif
    finally:
        sim.terminate_enclave(all_enclaves=True)
        sim.close()


@pytest.mark.slow
async def test_attest_a_running_enclave_every_check_passes_and_export(
    make_app: Any, wait: Any, demo_enclave: tuple[SimPlatform, Path], tmp_path: Path
) -> None:
    sim, eif = demo_enclave
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_attest(app, pilot, wait, platform=sim)
        assert screen.field("source").value == "demo"  # the running enclave is offered
        assert screen.field("nonce").value == bytes(range(32)).hex()
        screen.field("user-data").value = "hello"
        screen.field("expect").value = str(eif)
        screen.field("source").focus()
        await pilot.press("enter")
        await finish(pilot, wait, screen)
        report = screen.report
        assert report is not None and report.ok, report.verdict if report else None
        statuses = {check.name: check.status for check in report.checks}
        for name in ("signature", "chain", "nonce", "user_data", "pcrs", "debug_mode"):
            assert statuses[name] is CheckStatus.PASS, (name, report.check(name))
        assert report.document.nonce == bytes(range(32))
        assert "VERIFIED" in str(screen.query_one("#attest-status").render())
        # the checks arrived in core's order, each as its own row
        table = screen.query_one("#attest-checks")
        assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)] == [
            c.name for c in report.checks
        ]
        # e exports the document; the default path is offered, any path accepted
        target = tmp_path / "exported.cose"
        await pilot.press("e")
        await wait(pilot)
        bar = screen.query_one("#attest-export")
        assert bar.value.endswith(".cose")  # type: ignore[attr-defined]
        bar.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait(pilot)
        assert parse_document(target.read_bytes()).nonce == bytes(range(32))


async def test_a_document_file_verifies_against_aws_and_pcr_tabs_fill(
    make_app: Any, wait: Any, vectors: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_attest(app, pilot, wait, platform=None)
        screen.field("source").value = str(vectors / BASE_PROD)
        screen.field("at").value = "2024-11-30T16:22:50Z"
        screen.field("trust").value = "aws"
        screen.field("nonce").value = ""
        await pilot.click("#attest-go")  # the mouse works too
        await finish(pilot, wait, screen)
        assert screen.report is not None and screen.report.ok
        # The nonce shown on screen is always checked: a cleared field skips the check.
        assert screen.report.check("nonce").status is CheckStatus.SKIP
        certs = screen.query_one("#attest-certs")
        assert certs.row_count == 5  # leaf, 3 intermediates, root
        assert "aws.nitro-enclaves" in str(certs.get_row_at(certs.row_count - 1)[1])
        assert screen.query_one("#attest-pcrs").row_count >= 3


async def test_wrong_nonce_and_late_time_fail_with_hints(
    make_app: Any, wait: Any, vectors: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_attest(app, pilot, wait)
        screen.field("source").value = str(vectors / BASE_PROD)
        screen.field("nonce").value = "c0ffee"
        screen.field("trust").value = "aws"
        await screen.run_action("attest")  # at = the frozen clock: the chain has expired
        await finish(pilot, wait, screen)
        report = screen.report
        assert report is not None and not report.ok
        failed = {check.name for check in report.failures}
        assert {"nonce", "validity"} <= failed
        assert "NOT VERIFIED" in str(screen.query_one("#attest-status").render())
        table = screen.query_one("#attest-checks")
        table.move_cursor(
            row=[str(table.get_row_at(i)[1]) for i in range(table.row_count)].index("nonce")
        )
        await wait(pilot)
        detail = str(screen.query_one("#attest-check-detail").render())
        assert "nonce" in detail and "hint" in detail


async def test_bad_fields_are_shown_inline_not_raised(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_attest(app, pilot, wait)
        screen.field("source").value = "no-such-enclave"
        screen.field("nonce").value = "zz"
        await screen.run_action("attest")
        await wait(pilot)
        assert "not hex" in str(screen.query_one("#attest-status").render())
        screen.field("nonce").value = "00"
        await screen.run_action("attest")
        await wait(pilot)
        status = str(screen.query_one("#attest-status").render())
        assert "E58" in status and "describe-enclaves" in status and screen.report is None
        screen.query_one("#attest-checks").focus()  # leave the form (keys go to the screen)
        await pilot.press("e")  # nothing to export yet: a notice, no crash
        await wait(pilot)
        assert any("Attest first" in n.message for n in app._notifications)


def test_expected_pcrs_come_from_a_policy_or_an_eif(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    pcr0 = "ab" * 48
    condition = {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": pcr0}}
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "Condition": condition}
    policy.write_text(json.dumps({"Statement": [statement]}))
    request = parse_request(str(policy), "", "", expect_from=str(policy))
    assert request.from_file and request.expected_pcrs == {0: bytes.fromhex(pcr0)}
    (tmp_path / "x.txt").write_text("not json")
    with pytest.raises(UsageError, match="neither an EIF"):
        parse_request("demo", "", "", expect_from=str(tmp_path / "x.txt"))
    with pytest.raises(UsageError, match="cannot read"):
        parse_request("demo", "", "", expect_from=str(tmp_path / "missing.eif"))
    with pytest.raises(UsageError):
        parse_request("  ", "", "")


@given(st.binary(max_size=1024))
def test_parse_hex_round_trips(data: bytes) -> None:
    assert parse_hex("nonce", data.hex()) == (data or None)
    assert parse_hex("nonce", "0x" + data.hex()) == (data or None)


@given(st.text(max_size=40))
def test_parse_hex_never_raises_anything_but_usage_errors(text: str) -> None:
    try:
        parse_hex("nonce", text)
    except UsageError as error:
        assert error.where == "nonce"


async def test_help_says_why_there_is_no_public_key_field(make_app: Any, wait: Any) -> None:
    """Issue 14: the form binds a nonce and user data only; its help says why no key."""
    from tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_attest(app, pilot, wait)
        assert not any("key" in widget.id for widget in screen.query("Input") if widget.id)
        await screen.run_action("help")  # `?` would type into the focused field
        await wait(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = str(app.screen.query_one("#help-about").render())
        assert "No public key is bound on request" in shown
        assert "CiphertextForRecipient" in shown
