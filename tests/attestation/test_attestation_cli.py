"""`nitrodeck attestation verify|show`: exit codes, human and JSON output, option parsing."""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cbor2
import pytest
from attestation_forge import Forge

from tui.cli.main import main

BASE = "base_prod_2024-11-30.cose"
BASE_MS = "1732983768387"
DEBUG = "evervault_debug_2023-09-18.cose"
PCR0 = (
    "ec74bfbe7f7445a6c7610e152935e028276f638042b74797"
    "b119648e13f7a3675796b721034c320f140ea001b41aeae2"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["attestation", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_at_the_document_time_exits_0(
    vectors: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "verify", str(vectors / DEBUG), "--at", "2023-09-18T15:03:31Z")
    assert code == 0
    assert "! warn  debug_mode  PCR0 is all zeros" in out
    assert "hint: launch without --debug-mode" in out
    assert "✓ pass  signature" in out
    assert out.rstrip().endswith("verdict: VERIFIED with 1 warning(s) (debug_mode)")


def test_verify_now_exits_1_with_the_expiry(
    vectors: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "verify", str(vectors / BASE))
    assert code == 1
    assert "✗ FAIL  validity    the leaf certificate expired at 2024-11-30T19:22:48Z" in out
    assert "hint: documents are valid for about 3 hours; fetch a fresh one" in out
    assert "verdict: NOT VERIFIED: 1 check(s) failed (validity)" in out


def test_verify_json_with_expectations(
    vectors: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.json"
    condition = {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": PCR0}}
    policy.write_text(json.dumps({"Statement": [{"Effect": "Allow", "Condition": condition}]}))
    code, out, _ = run(
        capsys,
        "verify",
        str(vectors / BASE),
        "--at",
        BASE_MS,
        "--policy",
        str(policy),
        "--expect-pcr",
        f"0={PCR0}",
        "--public-key",
        "00",
        "--max-age",
        "10",
        "--json",
    )
    assert code == 1
    report = json.loads(out)
    statuses = {check["name"]: check["status"] for check in report["checks"]}
    assert statuses["pcrs"] == "pass"
    assert statuses["public_key"] == "fail"
    assert statuses["age"] == "pass"
    assert report["ok"] is False and report["module_id"].startswith("i-0de38b2b6853cc9e8")


def test_base64_document_on_stdin(
    vectors: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = base64.encodebytes((vectors / BASE).read_bytes())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    code, out, _ = run(capsys, "verify", "-", "--at", BASE_MS)
    assert code == 0, out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--at", "yesterday"], "--at 'yesterday' is neither ISO 8601 nor Unix milliseconds"),
        (["--at", "9" * 30], "is neither ISO 8601 nor Unix milliseconds"),
        (["--max-age", "nan"], "--max-age nan is not a positive number of seconds"),
        (["--expect-pcr", "0=abcd"], "is not INDEX=HEX"),
        (["--expect-pcr", f"32={PCR0}"], "is not INDEX=HEX"),
        (["--nonce", "xyz"], "--nonce 'xyz' is not hex"),
        (["--trust", "/nonexistent.pem"], "cannot read the trust anchor"),
        (["--policy", "/nonexistent.json"], "cannot read the key policy"),
        (["--expect-pcr", f"0={PCR0}", "--expect-pcr", "0=" + "00" * 48], "PCR0 from --expect-pcr"),
    ],
)
def test_bad_options_exit_2(
    vectors: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, "verify", str(vectors / BASE), *argv)
    assert code == 2
    assert message in err


def test_unreadable_documents_exit_2_and_missing_files_e19(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01\x02")
    code, out, err = run(capsys, "verify", str(garbage))
    assert (code, out) == (2, "")
    assert "not an attestation document" in err and "Traceback" not in err
    code, out, err = run(capsys, "show", str(tmp_path / "missing.cose"))
    assert (code, out) == (19, "")
    assert "[ E19 ]" in err and "cannot read the document" in err and "fix:" in err


def test_expect_eif_uses_core_eif_measurements(
    vectors: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    measured: list[Path] = []

    def measure_eif(path: Path) -> SimpleNamespace:
        measured.append(path)
        return SimpleNamespace(pcr0=PCR0, pcr1="11" * 48, pcr2=PCR0, pcr8=None)

    monkeypatch.setitem(sys.modules, "core.eif", SimpleNamespace(measure_eif=measure_eif))
    eif = tmp_path / "image.eif"
    code, out, _ = run(
        capsys, "verify", str(vectors / BASE), "--at", BASE_MS, "--expect-eif", str(eif)
    )
    assert measured == [eif]
    assert code == 1
    assert "PCR1: expected 1111111111111111…, found fa2593b59f3e4fc7…" in out
    assert "PCR2: expected ec74bfbe7f7445a6…, found 56ba201a72e36cd0…" in out
    assert "PCR0:" not in out
    assert "hint: PCR1: the enclave's kernel or bootstrap differs" in out


def test_expect_eif_without_core_eif_is_explained(
    vectors: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "core.eif", None)  # import fails as if the module were absent
    code, _, err = run(
        capsys, "verify", str(vectors / BASE), "--expect-eif", str(tmp_path / "x.eif")
    )
    assert code == 2
    assert "cannot measure EIF files" in err and "--expect-pcr" in err


def test_trusting_a_pem_anchor(
    vectors: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = (vectors / BASE).read_bytes()
    forge = Forge.clone(real)
    document = tmp_path / "forged.cose"
    document.write_bytes(forge.document(real))
    root = tmp_path / "root.pem"
    root.write_bytes(forge.root_pem)
    assert run(capsys, "verify", str(document), "--at", BASE_MS, "--trust", str(root))[0] == 0
    code, out, _ = run(capsys, "verify", str(document), "--at", BASE_MS)
    assert code == 1 and "look-alike" in out


def test_show_human(vectors: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", str(vectors / "evervault_prod_2022-10-13.cose"))
    assert code == 0
    assert "module id    i-020b6af9246d90e92-enc0183d09086c24190" in out
    assert "timestamp    2022-10-13T08:58:02.136Z (1665651482136 ms)" in out
    assert "  PCR8   8790eb3cce6c83d07e84b126dc61ca92" in out
    assert "  all zero: 5–7, 9–15" in out
    assert "  cabundle[0]: CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US" in out
    assert "nonce        256 bytes cb3dc2eb" in out
    assert "public_key   null" in out


def test_show_json(
    vectors: Path, capsys: pytest.CaptureFixture[str], manifest: dict[str, Any]
) -> None:
    name = "base_prod_indefinite_2026-01-03.cose"
    code, out, _ = run(capsys, "show", str(vectors / name), "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["module_id"] == manifest[name]["module_id"]
    assert shown["nonzero_pcrs"] == [0, 1, 2, 4]
    assert shown["cose"]["payload_map"] == "indefinite"
    assert shown["user_data"]["length"] == 20
    assert [c["position"] for c in shown["certificates"]] == [
        "certificate (leaf)",
        "cabundle[3]",
        "cabundle[2]",
        "cabundle[1]",
        "cabundle[0]",
    ]
    assert shown["certificates"][-1]["sha256"].startswith("641a0321")


def simulated_document(home: Path, pcrs: dict[int, bytes], nonce: bytes = b"n-1") -> Path:
    """A document from the simulated NSM of `home` (its PKI created on first use)."""
    from core.nsm.device import SimulatedNsm
    from core.nsm.pki import SimPki

    device = SimulatedNsm(
        SimPki.load_or_create(home),
        measurements=pcrs,
        debug=False,
        instance_id="i-0123456789abcdef0",
        role_arn="arn:aws:iam::123456789012:role/Webserver",
        enclave_uid=0x0193685E7FEE7D85,
    )
    request = cbor2.dumps({"Attestation": {"user_data": None, "nonce": nonce, "public_key": None}})
    path = home / "sim.cose"
    path.write_bytes(cbor2.loads(device.handle(request))["Attestation"]["document"])
    return path


def test_simulated_nsm_documents_verify_against_the_sim_root_only(
    nitrodeck_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = simulated_document(nitrodeck_home, {i: bytes([i + 1]) * 48 for i in (0, 1, 2)})
    code, out, _ = run(capsys, "verify", str(document), "--trust", "sim", "--nonce", b"n-1".hex())
    assert code == 0, out
    assert "nitrodeck simulator root" in out
    code, out, _ = run(capsys, "verify", str(document), "--trust", "aws")
    assert code == 1
    assert "✗ FAIL  chain" in out and "✗ FAIL  anchor" in out
    both = run(capsys, "verify", str(document), "--trust", "aws", "--trust", "sim")
    assert both[0] == 0


METADATA = (
    b'{"ImageName":"test","ImageVersion":"1.0","BuildMetadata":{"BuildTime":'
    b'"2024-01-01T00:00:00+00:00","BuildTool":"nitro-cli","BuildToolVersion":"1.5.0",'
    b'"OperatingSystem":"Linux","KernelVersion":"6.1.0"},"DockerInfo":{},"CustomMetadata":null}'
)


def test_expect_eif_end_to_end(
    nitrodeck_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.eif.format import SectionType
    from core.eif.writer import Section, write_eif

    def eif(name: str, application: bytes) -> tuple[Path, dict[int, bytes]]:
        sections = [
            Section(SectionType.KERNEL, b"kernel"),
            Section(SectionType.CMDLINE, b"console=ttyS0"),
            Section(SectionType.METADATA, METADATA),
            Section(SectionType.RAMDISK, b"bootstrap-ramdisk"),
            Section(SectionType.RAMDISK, application),
        ]
        measured = write_eif(tmp_path / name, sections)
        pcrs = {0: measured.pcr0, 1: measured.pcr1, 2: measured.pcr2}
        return tmp_path / name, {i: bytes.fromhex(v) for i, v in pcrs.items()}

    launched, pcrs = eif("launched.eif", b"app v1")
    other, _ = eif("other.eif", b"app v2")
    document = simulated_document(nitrodeck_home, pcrs)
    good = run(capsys, "verify", str(document), "--trust", "sim", "--expect-eif", str(launched))
    assert good[0] == 0, good[1]
    assert "✓ pass  pcrs        PCR0, PCR1, PCR2 match" in good[1]
    code, out, _ = run(
        capsys, "verify", str(document), "--trust", "sim", "--expect-eif", str(other)
    )
    assert code == 1
    assert "PCR0: expected" in out and "PCR2: expected" in out and "PCR1:" not in out
