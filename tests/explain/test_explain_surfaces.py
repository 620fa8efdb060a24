"""Where errors surface, they read as their root cause: the app's one error rendering and the
command line's footer after a relayed (E39) failure."""

from __future__ import annotations

import pytest
from rich.text import Text

from core.errors import NitrodeckError
from core.nitro_errors import EnclaveProcessError, NitroCliCode, NitroCliError
from tui.cli.main import print_root_cause
from tui.engine.errors import error_markup


def relayed_e59() -> EnclaveProcessError:
    inner = NitroCliError(
        NitroCliCode.EIFSignatureCheckerError,
        detail="the signing certificate expired on [2026-10-01]",
        fix="sign it again with a valid certificate",
    )
    return EnclaveProcessError(inner)


def test_the_app_shows_the_root_of_a_chain_first() -> None:
    plain = Text.from_markup(error_markup(relayed_e59())).plain
    lines = plain.splitlines()
    assert lines[0] == "E59 the image's signature or certificate was rejected (via E39)"
    assert lines[1] == "the signing certificate expired on [2026-10-01]"  # brackets kept
    assert lines[-1] == "fix: sign it again with a valid certificate"


def test_the_app_shows_a_single_coded_error_with_the_tables_fix_when_it_has_none() -> None:
    error = NitroCliError(NitroCliCode.EnclaveNamingError, detail="No enclave matched [ x ]")
    lines = Text.from_markup(error_markup(error)).plain.splitlines()
    assert lines[0] == "E58 no enclave (or more than one) has that name"
    assert lines[1] == "No enclave matched [ x ]"
    assert lines[2].startswith("fix: List names with `nitro-cli describe-enclaves`")


def test_the_app_shows_other_errors_as_they_are() -> None:
    error = NitrodeckError("cannot read: denied", where="/srv/x [1]", fix="chmod it")
    assert Text.from_markup(error_markup(error)).plain.splitlines() == [
        "cannot read: denied",
        "at /srv/x [1]",
        "fix: chmod it",
    ]
    assert Text.from_markup(error_markup(KeyError("k"))).plain == "unexpected error (KeyError): 'k'"


def test_the_command_line_names_the_root_cause_only_for_chains(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_root_cause(relayed_e59())
    err = capsys.readouterr().err
    assert err.startswith("root cause: E59") and "surfaced as: E59 -> E39" in err
    print_root_cause(NitroCliError(NitroCliCode.InsufficientCpus, "cpu-count", 4, 2))
    assert capsys.readouterr().err == ""
