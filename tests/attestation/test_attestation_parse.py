"""Parsing: real documents decode to the manifest's values; malformed input fails cleanly."""

from __future__ import annotations

import base64
from typing import Any

import cbor2
import pytest
from attestation_forge import assemble, encode_payload, fields, split, with_payload
from attestation_vectors import DOCUMENTS

from core.attestation import AttestationError, decode_document_input, parse_document
from core.attestation.document import (
    AttestationDocument,
    _algorithm,
    _document,
    _envelope,
    _fast_parse,
    _payload_fields,
)
from core.attestation.fastcbor import exact_map


@pytest.mark.parametrize("name", DOCUMENTS)
def test_real_documents_parse_to_manifest_values(
    name: str, documents: dict[str, bytes], manifest: dict[str, Any]
) -> None:
    expected = manifest[name]
    doc = parse_document(documents[name])
    assert doc.module_id == expected["module_id"]
    assert doc.timestamp_ms == expected["timestamp_ms"]
    assert doc.digest == "SHA384"
    assert doc.algorithm == -35
    assert not doc.tagged
    assert doc.indefinite_payload == expected["payload_map_encoding"].startswith("indefinite")
    assert sorted(doc.pcrs) == list(range(16))
    nonzero = {str(i): v.hex() for i, v in doc.pcrs.items() if any(v)}
    assert nonzero == expected["nonzero_pcrs"]
    for field in ("public_key", "user_data", "nonce"):
        value = getattr(doc, field)
        assert (None if value is None else len(value)) == expected[f"{field}_len"]
    assert len(doc.cabundle) == 4
    # the signed bytes are kept exactly as received
    protected, payload, signature = split(documents[name])
    assert (doc.protected, doc.payload, doc.signature) == (protected, payload, signature)


def test_tagged_document_parses(documents: dict[str, bytes]) -> None:
    raw = documents["base_prod_2024-11-30.cose"]
    doc = parse_document(b"\xd2" + raw)
    assert doc.tagged
    assert doc.payload == parse_document(raw).payload


def test_other_tag_is_rejected(documents: dict[str, bytes]) -> None:
    with pytest.raises(AttestationError, match="tag 17 is not COSE_Sign1"):
        parse_document(b"\xd1" + documents["base_prod_2024-11-30.cose"])


def test_trailing_bytes_are_rejected(documents: dict[str, bytes]) -> None:
    raw = documents["eternis_debug_2024-09-09.cose"]
    with pytest.raises(AttestationError, match="1 trailing bytes") as caught:
        parse_document(raw + b"\x00")
    assert str(len(raw)) in caught.value.what


def test_duplicate_payload_key_is_rejected(documents: dict[str, bytes]) -> None:
    raw = documents["base_prod_indefinite_2026-01-03.cose"]
    payload = split(raw)[1]
    assert payload[:1] == b"\xbf" and payload[-1:] == b"\xff"
    # a second "nonce" entry: cbor2 would silently keep the last one
    doubled = payload[:-1] + cbor2.dumps("nonce") + cbor2.dumps(b"replayed") + b"\xff"
    assert cbor2.loads(doubled)["nonce"] == b"replayed"
    with pytest.raises(AttestationError, match="duplicate map key 'nonce'"):
        parse_document(with_payload(raw, doubled))


def test_duplicate_pcr_index_is_rejected(documents: dict[str, bytes]) -> None:
    raw = documents["base_prod_2024-11-30.cose"]
    values = fields(raw)
    pcrs = cbor2.dumps(values["pcrs"])
    assert pcrs[:1] == b"\xb0"  # definite map of 16: make it 17 with PCR0 again
    forged_pcrs = b"\xb1" + pcrs[1:] + b"\x00" + cbor2.dumps(bytes(48))
    payload = bytearray(encode_payload(values))
    start = payload.index(pcrs)
    payload[start : start + len(pcrs)] = forged_pcrs
    with pytest.raises(AttestationError, match="duplicate map key 0"):
        parse_document(with_payload(raw, bytes(payload)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"module_id": 7}, "'module_id' must be a text string, found an integer"),
        ({"timestamp": "now"}, "'timestamp' must be an unsigned integer"),
        ({"pcrs": [b"x"]}, "'pcrs' must be a map"),
        ({"cabundle": [b"ok", 5]}, "must be a byte string, found an integer"),
        ({"nonce": "text"}, "'nonce' must be a byte string or null"),
        ({"pcrs": {"0": bytes(48)}}, "PCR index must be an integer"),
    ],
)
def test_wrong_field_types_are_rejected(
    documents: dict[str, bytes], change: dict[str, Any], message: str
) -> None:
    raw = documents["base_prod_2024-11-30.cose"]
    values = fields(raw) | change
    with pytest.raises(AttestationError, match=message):
        parse_document(with_payload(raw, encode_payload(values)))


def test_missing_required_key_is_rejected(documents: dict[str, bytes]) -> None:
    raw = documents["base_prod_2024-11-30.cose"]
    values = fields(raw)
    del values["certificate"]
    with pytest.raises(AttestationError, match="no 'certificate' key"):
        parse_document(with_payload(raw, encode_payload(values)))


def test_missing_optional_keys_mean_absent(documents: dict[str, bytes]) -> None:
    raw = documents["eternis_debug_2024-09-09.cose"]
    values = fields(raw)
    del values["nonce"]
    doc = parse_document(with_payload(raw, encode_payload(values)))
    assert doc.nonce is None and doc.user_data is not None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (cbor2.dumps([b"", {}, b""]), "array of 4 items, found an array of 3"),
        (cbor2.dumps({"a": 1}), "found CborMap"),
        (cbor2.dumps([b"", [], b"", b""]), "unprotected header must be a map"),
        (cbor2.dumps(["x", {}, b"", b""]), "protected header must be a byte string"),
        (assemble(b"\xff", b"\xa0", b""), "protected header is not valid CBOR"),
        (assemble(b"", b"\x01", b""), "payload must be a map"),
        (b"\x84\x40", "truncated"),
    ],
)
def test_malformed_envelopes_are_rejected(document: bytes, message: str) -> None:
    with pytest.raises(AttestationError, match=message):
        parse_document(document)


def test_input_forms_are_detected(documents: dict[str, bytes]) -> None:
    raw = documents["evervault_prod_2022-10-13.cose"]
    wrapped = base64.encodebytes(raw)  # 76-column lines, as `base64` prints
    assert decode_document_input(raw) == raw
    assert decode_document_input(wrapped) == raw
    assert decode_document_input(base64.urlsafe_b64encode(raw).rstrip(b"=")) == raw
    assert decode_document_input(b"0x" + raw.hex().encode() + b"\n") == raw
    assert decode_document_input(raw.hex().upper().encode()) == raw


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "input is empty"),
        (b"hello world!", "neither hex nor base64"),
        (b"abcd", "decodes as hex but the result starts with 0xab"),
        (b"\x83\x01\x02\x03", "starts with 0x83"),
    ],
)
def test_unrecognised_input_is_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(AttestationError, match=message) as caught:
        decode_document_input(data)
    assert caught.value.exit_code == 2
    assert caught.value.fix


def strict_parse(raw: bytes) -> AttestationDocument:
    """The strict decoder's document, bypassing the cbor2 fast path."""
    protected, payload, signature, tagged = _envelope(raw)
    fields_ = _payload_fields(payload)
    return _document(fields_, protected, payload, signature, tagged, _algorithm(protected))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_fast_and_strict_parsing_agree(name: str, documents: dict[str, bytes]) -> None:
    fast = _fast_parse(documents[name])
    assert fast is not None  # real documents take the fast path
    assert fast == strict_parse(documents[name])


@pytest.mark.parametrize(
    "payload",
    [
        bytes.fromhex("a2616101616102"),  # duplicate key: cbor2 keeps the last one
        bytes.fromhex("bf616101616102ff"),  # the same in the indefinite form
        cbor2.dumps({"pcrs": {}}) + b"\x00",  # trailing bytes
        bytes.fromhex("b900016161f6"),  # a non-shortest length
    ],
)
def test_exact_decoding_declines_what_only_the_strict_decoder_judges(payload: bytes) -> None:
    assert exact_map(payload) is None


def test_fast_path_declines_bignums_and_bool_keys(documents: dict[str, bytes]) -> None:
    raw = documents["base_prod_2024-11-30.cose"]
    bignum = with_payload(raw, encode_payload(fields(raw) | {"timestamp": 2**70}))
    assert _fast_parse(bignum) is None
    with pytest.raises(AttestationError, match="'timestamp' must be an unsigned integer"):
        parse_document(bignum)
    _protected, payload, signature = split(raw)
    true_alg = assemble(bytes.fromhex("a1f53822"), payload, signature)  # {true: -35}
    assert strict_parse(true_alg).algorithm is None
    assert parse_document(true_alg).algorithm is None  # true is not the label 1
