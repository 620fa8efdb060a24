"""nitro-cli mode's command line follows clap 4.5's rules as nitro-cli 1.5 declares its args."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tui.cli.nitro_cli.clap import ClapExit, parse
from tui.cli.shellenv import install_link


def refused(*words: str) -> str:
    with pytest.raises(ClapExit) as caught:
        parse(list(words))
    assert caught.value.status == 2
    assert caught.value.text.endswith("For more information, try '--help'.\n")
    return caught.value.text


def test_values_flags_and_equals() -> None:
    sub, values = parse(
        [
            "run-enclave",
            "--eif-path=a.eif",
            "--memory",
            "512",
            "--cpu-ids",
            "1",
            "5",
            "--debug-mode",
        ]
    )
    assert sub.name == "run-enclave"
    assert values == {
        "eif-path": "a.eif",
        "memory": "512",
        "cpu-ids": ["1", "5"],
        "debug-mode": True,
    }
    assert (
        parse(["build-enclave", "--docker-uri", "a", "--output-file", "o", "--name", "n"])[1][
            "image_name"
        ]
        == "n"
    )


def test_claps_refusals() -> None:
    assert refused("describe-eif", "--eif-path", "a", "--eif-path", "b").startswith(
        "error: the argument '--eif-path <eif-path>' cannot be used multiple times"
    )
    assert refused("describe-eif", "--eif").startswith("error: unexpected argument '--eif' found")
    assert refused("describe-eif", "--eif-path").startswith(
        "error: a value is required for '--eif-path <eif-path>' but none was supplied"
    )
    assert refused("run-enclave", "--config", "c.json", "--memory", "5").startswith(
        "error: the argument '--memory <memory>' cannot be used with '--config <json-config>'"
    )
    assert "  --private-key <private-key>\n" in refused(
        "sign-eif", "--eif-path", "x", "--signing-certificate", "c"
    )
    assert refused("terminate-enclave").startswith(
        "error: the following required arguments were not provided:\n  --enclave-id <enclave-id>"
    )
    assert refused("frobnicate").startswith("error: unrecognized subcommand 'frobnicate'")


def test_help_and_version_go_to_stdout() -> None:
    for words, start in ((["--help"], "CLI for enclave lifetime management"),
                         (["run-enclave", "--help"], "Starts a new enclave"),
                         (["-V"], "Nitro CLI 1.5.0")):  # fmt: skip
        with pytest.raises(ClapExit) as caught:
            parse(words)
        assert caught.value.status == 0 and caught.value.text.startswith(start)


def test_shellenv_links_the_nitrodeck_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "venv" / "nitrodeck"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setattr(sys, "argv", [str(program), "shellenv"])
    link = install_link(tmp_path / "home" / "bin")
    assert link.name == "nitro-cli" and link.is_symlink() and link.resolve() == program
    assert install_link(tmp_path / "home" / "bin") == link  # again: replaced, not refused
