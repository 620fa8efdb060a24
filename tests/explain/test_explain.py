"""The explainer: every nitro-cli code explained in our own words, and error chains recorded from
nitro-cli (in its output format, with the error logs they name) collapsed to their root cause."""

from __future__ import annotations

import io
import json
import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import NitrodeckError, UsageError
from core.explain import (
    collapse,
    collapse_error,
    error_from_output,
    lookup,
    parse_err_log,
    parse_output,
    table,
)
from core.nitro_errors import (
    MESSAGES,
    TABLE_RESOURCE,
    EnclaveProcessError,
    NitroCliCode,
    NitroCliError,
    detailed_info,
)
from tui.cli.main import main

RECORDED = Path(__file__).parent / "recorded"
SYSROOT = RECORDED / "sysroot"
NITRO_CLI = json.loads(
    resources.files("core").joinpath(TABLE_RESOURCE).read_text(encoding="utf-8")
)


def nitro_cli_codes() -> dict[str, str]:
    """`E26 -> InsufficientMemoryRequested`, from nitro-cli 1.5's table kept as data."""
    return {row["code"]: row["name"] for row in NITRO_CLI["errors"]}


def test_the_table_says_which_nitro_cli_release_it_was_taken_from() -> None:
    upstream = NITRO_CLI["upstream"]
    assert upstream["repository"] == "https://github.com/aws/aws-nitro-enclaves-cli"
    assert (upstream["version"], upstream["tag"]) == ("1.5.0", "v1.5.0")
    assert re.fullmatch(r"[0-9a-f]{40}", upstream["commit"])
    assert {"names", "codes", "messages"} <= set(upstream)


def test_every_code_of_nitro_cli_has_an_entry_under_its_name() -> None:
    codes = nitro_cli_codes()
    assert list(codes) == [f"E{number:02d}" for number in range(61)]
    assert [member.name for member in NitroCliCode] == list(codes.values())
    entries = table()
    assert list(entries) == list(codes)
    assert {code: e.name for code, e in entries.items()} == codes


def test_the_messages_we_print_are_nitro_cli_1_5s() -> None:
    rows = NITRO_CLI["errors"]
    assert {f"E{n:02d}": text for n, text in MESSAGES.items()} == {
        row["code"]: row["message"] for row in rows
    }
    # the two texts nitrodeck had paraphrased before they were taken from 1.5.0 as data
    assert MESSAGES[27].endswith("then restart the nitro-enclaves-allocator.service.")
    assert MESSAGES[60].startswith("Signing error. Such error appears if incorrect key")
    assert detailed_info(1) == (
        f"[ E01 ] Missing mandatory argument. User did not provide the "
        f"`{NITRO_CLI['placeholder']}` argument."
    )
    assert NITRO_CLI["help_link"].format(code="E60") in str(NitroCliError(60))


def test_entries_are_complete_and_in_our_own_words() -> None:
    for code, entry in table().items():
        assert entry.title and entry.cause and entry.trigger and entry.fix, code
        assert entry.number == NitroCliCode[entry.name].value
        theirs = MESSAGES[entry.number]
        for ours in (entry.cause, entry.trigger, entry.fix):
            # no run of 40 characters of prose (not a path) copied from nitro-cli's own text
            runs = (ours[i : i + 40] for i in range(max(1, len(ours) - 39)))
            assert not any(run in theirs and run.count(" ") >= 5 for run in runs), code
    assert len({e.title for e in table().values()}) == 61


@pytest.mark.parametrize("text", ["E26", "e26", "26", " E26 ", "InsufficientMemoryRequested"])
def test_lookup_accepts_the_usual_spellings(text: str) -> None:
    assert lookup(text).code == "E26"


@pytest.mark.parametrize("text", ["E61", "99", "", "E2x", "NoSuchError"])
def test_lookup_refuses_what_is_not_a_code(text: str) -> None:
    with pytest.raises(UsageError, match="not a nitro-cli error code"):
        lookup(text)


RECORDINGS = [
    # file, root, chain, evidence contains, fix contains
    ("run-expired-cert.txt", "E59", ("E59", "E39"), "Invalid signing certificate", "valid cert"),
    ("run-boot-timeout.txt", "E36", ("E36", "E39", "E11"), "VsockTimeoutError", "heartbeat"),
    ("console-stale-socket.txt", "E11", ("E11",), "ConnectionRefused", "stale socket"),
    ("console-enclave-gone.txt", "E11", ("E11",), "NotFound", "no enclave with this ID"),
    ("run-no-device.txt", "E19", ("E19", "E39"), "/dev/nitro_enclaves", "enclave support"),
    ("run-full-cores.txt", "E29", ("E29", "E39"), "full CPU cores", "even CPU counts"),
    ("run-backtrace-memory.txt", "E26", ("E26",), "Insufficient memory", "minimum"),
]


@pytest.mark.parametrize(("name", "root", "chain", "evidence", "fix"), RECORDINGS)
def test_recorded_chains_collapse_to_their_root_cause(
    name: str, root: str, chain: tuple[str, ...], evidence: str, fix: str
) -> None:
    failures = parse_output((RECORDED / name).read_text(), sysroot=SYSROOT)
    cause = collapse(failures)
    assert cause is not None
    assert (cause.code, cause.chain) == (root, chain)
    assert evidence in (cause.evidence or ""), cause
    assert fix in cause.fix, cause
    assert cause.log_path is not None and cause.log_path.startswith("/var/log/nitro_enclaves/err")


def test_the_logs_are_what_tells_a_stale_socket_from_a_missing_enclave() -> None:
    stale = (RECORDED / "console-stale-socket.txt").read_text()
    cause = collapse(parse_output(stale, read_logs=False))
    assert cause is not None and cause.code == "E11"
    assert cause.hint is None and cause.fix == lookup("E11").fix


def test_logs_are_found_under_nitrodeck_sysroot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NITRODECK_SYSROOT", str(SYSROOT))
    cause = collapse(parse_output((RECORDED / "run-full-cores.txt").read_text()))
    assert cause is not None and cause.evidence is not None
    assert "full CPU cores have not been set" in cause.evidence


def test_an_inline_backtrace_is_read_without_the_log_file() -> None:
    failures = parse_output((RECORDED / "run-backtrace-memory.txt").read_text(), read_logs=False)
    log = failures[0].log
    assert log is not None and log.action == "Run Enclave" and log.root_line == 1032
    assert log.innermost == "Insufficient memory requested" and log.version == "1.5.0"
    assert failures[0].message.startswith("Insufficient memory requested. User provided")


def test_our_own_e39_collapses_to_the_enclave_process_error() -> None:
    inner = NitroCliError(
        NitroCliCode.EIFSignatureCheckerError, detail="the signing certificate expired"
    )
    cause = collapse_error(EnclaveProcessError(inner))
    assert cause is not None and cause.chain == ("E59", "E39")
    assert cause.evidence == "the signing certificate expired"
    assert collapse_error(NitrodeckError("no code")) is None
    assert collapse_error(ValueError("not ours")) is None


@given(st.text(max_size=400))
def test_parsing_arbitrary_text_never_crashes(text: str) -> None:
    parse_err_log(text)
    for failure in parse_output(text, read_logs=False):
        assert re.fullmatch(r"E\d\d", failure.code)


@given(st.sampled_from(sorted(table())), st.text(max_size=80), st.text(max_size=80))
def test_any_printed_block_is_found_again(code: str, message: str, detail: str) -> None:
    message = message.replace("\n", " ").replace("[", "(") or "x"
    detail = detail.replace("\n", " ").replace("[", "(")
    text = f"noise\n[ {code} ] {message}\n{detail}\n\nFor more details, please visit X\n"
    failures = parse_output(text, read_logs=False)
    assert [f.code for f in failures] == [code]


def test_cli_explains_a_code_as_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "E44"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("E44 EnclaveConsoleConnectionFailure") and "--debug-mode" in out
    assert main(["explain", "44", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == lookup("E44").to_json()


def test_cli_collapses_a_captured_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NITRODECK_SYSROOT", str(SYSROOT))
    captured = str(RECORDED / "run-expired-cert.txt")
    assert main(["explain", "--from", captured, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["root_cause"] == "E59" and data["chain"] == ["E59", "E39"]
    assert data["explanation"]["code"] == "E59" and "Invalid signing" in data["evidence"]
    monkeypatch.setattr("sys.stdin", io.StringIO((RECORDED / "run-no-device.txt").read_text()))
    assert main(["explain", "--from", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("root cause: E19") and "E19 -> E39" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explain"], "either an error code or --from"),
        (["explain", "E26", "--from", "x"], "either an error code or --from"),
        (["explain", "E77"], "not a nitro-cli error code"),
        (["explain", "--from", "/nonexistent/stderr.txt"], "cannot read"),
    ],
)
def test_cli_bad_input_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) in (1, 2, 19)
    assert message in capsys.readouterr().err


def test_cli_says_when_the_input_holds_no_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = tmp_path / "out.txt"
    quiet.write_text("Start allocating memory...\n")
    assert main(["explain", "--from", str(quiet)]) == 2
    assert "no nitro-cli error" in capsys.readouterr().err


def test_a_real_nitro_cli_failure_becomes_our_error_chain() -> None:
    text = (RECORDED / "run-full-cores.txt").read_text()
    error = error_from_output(text, 39, sysroot=SYSROOT)
    assert isinstance(error, EnclaveProcessError) and error.exit_code == 39
    inner = error.inner
    assert isinstance(inner, NitroCliError) and inner.code == "E29"
    assert inner.what.startswith("[ E29 ] Ioctl failure.")
    assert inner.detail == "The enclave cannot start because full CPU cores have not been set"
    single = error_from_output((RECORDED / "console-stale-socket.txt").read_text(), 11)
    assert not isinstance(single, EnclaveProcessError) and single.code == "E11"
    unknown = error_from_output("Segmentation fault\n", 139)
    assert unknown.code == "E00" and unknown.detail == "Segmentation fault"
