"""Reading a file the user named on the command line: one error for every command.

A file that cannot be opened or read is nitro-cli's E19 (file operation failure) wherever it is
named, as `run-enclave --eif-path` reports it, with the flag to check in the fix.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import NitrodeckError


class InputFileError(NitrodeckError):
    """A named input file cannot be read (E19, exit 19)."""

    exit_code = 19
    code = "E19"


def read_input(path: Path | str, flag: str) -> bytes:
    """The bytes of `path`, given as `flag` (e.g. `--ciphertext-file`)."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputFileError(
            f"cannot read the {flag} file: {error.strerror}",
            where=str(path),
            fix=f"check {flag}: the file must exist and be readable by you",
        ) from None


def read_input_text(path: Path | str, flag: str) -> str:
    """`read_input` decoded as UTF-8 (undecodable bytes replaced)."""
    return read_input(path, flag).decode("utf-8", errors="replace")
