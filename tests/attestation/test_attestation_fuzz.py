"""Property tests: no input, however damaged, escapes as anything but a report or a parse error."""

from __future__ import annotations

from typing import Any

from attestation_vectors import DOCUMENTS, at_ms
from hypothesis import given
from hypothesis import strategies as st

from core.attestation import (
    AttestationError,
    CheckStatus,
    VerificationReport,
    Verifier,
    aws_root_anchor,
    parse_document,
)
from core.attestation.describe import describe_document

# one verifier for every example: its caches are keyed by bytes, so sharing cannot leak results
VERIFIER = Verifier([aws_root_anchor()])
AT = at_ms(1732983768387)  # inside base_prod_2024-11-30's window


def outcome(data: bytes) -> VerificationReport | AttestationError:
    try:
        report = VERIFIER.verify(data, at=AT)
    except AttestationError as error:
        assert error.exit_code == 2 and error.what
        return error
    assert len(report.checks) == 14
    assert all(isinstance(check.status, CheckStatus) and check.evidence for check in report.checks)
    report.to_json()
    describe_document(report.document)
    return report


@given(st.binary(max_size=600))
def test_arbitrary_bytes(data: bytes) -> None:
    outcome(data)


@given(st.binary(min_size=1, max_size=600))
def test_arbitrary_bytes_behind_a_cose_prefix(data: bytes) -> None:
    outcome(b"\x84" + data)


mutation = st.tuples(
    st.sampled_from(DOCUMENTS),
    st.lists(
        st.tuples(
            st.integers(min_value=0),
            st.sampled_from(["flip", "insert", "delete", "set"]),
            st.integers(min_value=0, max_value=255),
        ),
        min_size=1,
        max_size=4,
    ),
)


def mutate(data: bytes, edits: list[tuple[int, str, int]]) -> bytes:
    buffer = bytearray(data)
    for position, kind, value in edits:
        index = position % len(buffer)
        if kind == "flip":
            buffer[index] ^= 1 << (value % 8)
        elif kind == "insert":
            buffer.insert(index, value)
        elif kind == "delete" and len(buffer) > 1:
            del buffer[index]
        else:
            buffer[index] = value
    return bytes(buffer)


def signed_parts(data: bytes) -> tuple[bytes, bytes, bytes]:
    doc = parse_document(data)
    return doc.protected, doc.payload, doc.signature


@given(case=mutation)
def test_mutated_real_documents(documents: dict[str, bytes], case: Any) -> None:
    name, edits = case
    original = documents[name]
    mutated = mutate(original, edits)
    result = outcome(mutated)
    if isinstance(result, VerificationReport) and result.ok:
        # only a document with the very same signed bytes may verify against the AWS root
        assert signed_parts(mutated) == signed_parts(original)
