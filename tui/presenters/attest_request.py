"""What the attestation form asks for, checked and turned into core calls (no widgets here).

The form's text fields become a `core.flows.attest.AttestRequest`, which that flow fetches and
verifies. Every bad field is a `UsageError` naming the field and how to fix it, shown in the
form.
"""

from __future__ import annotations

from pathlib import Path

from core.attestation.expectations import file_expectations
from core.attestation.inputs import parse_hex, parse_time
from core.errors import UsageError
from core.flows.attest import AttestRequest

DOCUMENT_SUFFIXES = (".cose", ".cbor", ".bin", ".b64", ".hex", ".txt", ".doc")


def user_data_bytes(text: str) -> bytes | None:
    """User data: `hex:…` for bytes, anything else is taken as UTF-8 text."""
    if text.startswith("hex:"):
        return parse_hex("user data", text[4:])
    return text.encode() or None


def parse_request(
    source: str,
    nonce: str,
    user_data: str,
    expect_from: str = "",
    trust: str = "",
    at: str = "",
) -> AttestRequest:
    """The form as a request. The nonce on screen is always the one checked (clear the field to
    skip the check); a source that looks like a path must be an existing file."""
    source = source.strip()
    if not source:
        raise UsageError(
            "choose an enclave or a document file", where="source", fix="type a name or a path"
        )
    path = Path(source).expanduser()
    from_file = path.is_file()
    if not from_file and looks_like_path(source):
        problem = "is a directory" if path.is_dir() else "no such file"
        raise UsageError(
            f"{problem}: {source}",
            where="source",
            fix="give an attestation document file (raw, base64 or hex), or a running "
            "enclave's name or id",
        )
    names = tuple(name.strip() for name in trust.split(",") if name.strip())
    return AttestRequest(
        source=str(path) if from_file else source,
        from_file=from_file,
        nonce=parse_hex("nonce", nonce),
        user_data=user_data_bytes(user_data),
        expected_pcrs=_expected(expect_from.strip()),
        expect_source=expect_from.strip(),
        trust=names,
        at=parse_time(at.strip(), where="at") if at.strip() else None,
    )


def looks_like_path(source: str) -> bool:
    """A source with a directory part or a document's extension names a file, not an enclave
    (nitro-cli's enclave names hold neither `/` nor these suffixes in practice)."""
    return "/" in source or source.startswith(("~", ".")) or source.endswith(DOCUMENT_SUFFIXES)


def _expected(path_text: str) -> dict[int, bytes]:
    return file_expectations(Path(path_text).expanduser()) if path_text else {}
