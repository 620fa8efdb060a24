"""The NSM's CBOR messages byte for byte (docs/attestation.md §2–§4), both directions."""

from __future__ import annotations

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from enclave_agent.nsm_messages import (
    ERROR_CODES,
    Attestation,
    AttestationResponse,
    DescribeNSM,
    DescribeNSMResponse,
    DescribePCR,
    DescribePCRResponse,
    ErrorResponse,
    ExtendPCR,
    ExtendPCRResponse,
    GetRandom,
    GetRandomResponse,
    LockPCR,
    LockPCRResponse,
    LockPCRs,
    LockPCRsResponse,
    Message,
    MessageFormatError,
    NsmError,
    decode_request,
    decode_response,
    expect_response,
)

# (message, hex), docs/attestation.md §3: the canonical serde_cbor forms the Rust and Go clients
# send.
REQUEST_VECTORS = [
    (DescribePCR(0), "a16b4465736372696265504352a165696e64657800"),
    (ExtendPCR(16, b"abc"), "a169457874656e64504352a265696e64657810646461746143616263"),
    (LockPCR(16), "a1674c6f636b504352a165696e64657810"),
    (LockPCRs(32), "a1684c6f636b50435273a16572616e67651820"),
    (DescribeNSM(), "6b44657363726962654e534d"),
    (
        Attestation(),
        "a16b4174746573746174696f6ea369757365725f64617461f6656e6f6e6365f66a7075626c69635f6b6579f6",
    ),
    (GetRandom(), "6947657452616e646f6d"),
]
RESPONSE_VECTORS = [
    (LockPCRResponse(), "674c6f636b504352"),
    (LockPCRsResponse(), "684c6f636b50435273"),
    (ErrorResponse("InvalidIndex"), "a1654572726f726c496e76616c6964496e646578"),
]


@pytest.mark.parametrize(("message", "hex_form"), REQUEST_VECTORS)
def test_request_encodes_to_the_spec_bytes(message: Message, hex_form: str) -> None:
    assert message.to_cbor().hex() == hex_form


@pytest.mark.parametrize(("message", "hex_form"), REQUEST_VECTORS)
def test_request_decodes_from_the_spec_bytes(message: Message, hex_form: str) -> None:
    assert decode_request(bytes.fromhex(hex_form)) == message


@pytest.mark.parametrize(("message", "hex_form"), RESPONSE_VECTORS)
def test_response_vectors_both_ways(message: Message, hex_form: str) -> None:
    assert message.to_cbor().hex() == hex_form
    assert decode_response(bytes.fromhex(hex_form)) == message


def test_struct_responses_use_declaration_order_and_canonical_ints() -> None:
    describe = DescribeNSMResponse(1, 0, 0, "i-0123456789abcdef0-enc0", 32, (0, 1, 16), "SHA384")
    encoded = describe.to_cbor()
    body = cbor2.loads(encoded)["DescribeNSM"]
    assert list(body) == [
        "version_major",
        "version_minor",
        "version_patch",
        "module_id",
        "max_pcrs",
        "locked_pcrs",
        "digest",
    ]
    assert b"\x68max_pcrs\x18\x20" in encoded  # 32 in its shortest form
    assert b"\x6blocked_pcrs\x83\x00\x01\x10" in encoded  # a sorted array of u16
    assert decode_response(encoded) == describe
    pcr = DescribePCRResponse(True, bytes(48))
    assert pcr.to_cbor() == (
        bytes.fromhex("a16b4465736372696265504352a2646c6f636bf5646461746158 30".replace(" ", ""))
        + bytes(48)
    )


def test_lenient_request_forms_are_accepted() -> None:
    assert decode_request(cbor2.dumps({"DescribeNSM": {}})) == DescribeNSM()
    assert decode_request(cbor2.dumps({"GetRandom": None})) == GetRandom()
    only_nonce = cbor2.dumps({"Attestation": {"nonce": b"n"}})
    assert decode_request(only_nonce) == Attestation(nonce=b"n")
    extra = cbor2.dumps({"DescribePCR": {"index": 3, "comment": "ignored like serde"}})
    assert decode_request(extra) == DescribePCR(3)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"DescribePCR": {}}, "missing the field 'index'"),
        ({"DescribePCR": {"index": -1}}, "wrong type or range"),
        ({"DescribePCR": {"index": 65536}}, "wrong type or range"),
        ({"DescribePCR": {"index": True}}, "wrong type or range"),
        ({"ExtendPCR": {"index": 16, "data": "text"}}, "'data'"),
        ({"Attestation": {"nonce": 5}}, "'nonce'"),
        ({"DescribeNSM": {"x": 1}}, "takes no fields"),
        ({"Reboot": {}}, "unknown request 'Reboot'"),
        ({"DescribePCR": {"index": 0}, "LockPCR": {"index": 0}}, "one-entry map"),
        ([1, 2], "one-entry map"),
        ({"LockPCR": [16]}, "needs a map"),
    ],
)
def test_malformed_requests_say_what_is_wrong(value: object, reason: str) -> None:
    with pytest.raises(MessageFormatError, match=reason.replace("(", r"\(")):
        decode_request(cbor2.dumps(value))


def test_trailing_bytes_and_garbage_are_rejected() -> None:
    with pytest.raises(MessageFormatError, match="1 trailing bytes"):
        decode_request(GetRandom().to_cbor() + b"\x00")
    with pytest.raises(MessageFormatError, match="not valid CBOR"):
        decode_request(b"\x1c")
    with pytest.raises(MessageFormatError, match="not valid CBOR"):
        decode_request(b"")


def test_error_codes_are_the_api_enum_in_order() -> None:
    assert ERROR_CODES.index("InvalidArgument") == 1
    assert ERROR_CODES.index("ReadOnlyIndex") == 4
    assert ERROR_CODES.index("InputTooLarge") == 7
    assert ERROR_CODES[-1] == "InternalError" and len(ERROR_CODES) == 9
    error = NsmError("ReadOnlyIndex")
    assert error.code == "ReadOnlyIndex" and error.ordinal == 4
    assert "locked" in str(error)
    assert NsmError("Mystery").ordinal is None


def test_expect_response_maps_errors_like_the_rust_client() -> None:
    random = GetRandomResponse(b"\x01" * 8)
    assert expect_response(random.to_cbor(), GetRandomResponse) == random
    with pytest.raises(NsmError) as caught:
        expect_response(ErrorResponse("InvalidIndex").to_cbor(), GetRandomResponse)
    assert caught.value.code == "InvalidIndex"
    with pytest.raises(NsmError) as caught:
        expect_response(random.to_cbor(), AttestationResponse)
    assert caught.value.code == "InvalidResponse"
    with pytest.raises(NsmError) as caught:
        expect_response(b"\xff\xff", AttestationResponse)
    assert caught.value.code == "InternalError"
    with pytest.raises(NsmError) as caught:
        expect_response(cbor2.dumps({"Error": 3}), AttestationResponse)
    assert caught.value.code == "InternalError"


u16 = st.integers(0, 0xFFFF)
small_bytes = st.binary(max_size=64)
optional_bytes = st.none() | small_bytes
requests = st.one_of(
    st.builds(DescribePCR, u16),
    st.builds(ExtendPCR, u16, small_bytes),
    st.builds(LockPCR, u16),
    st.builds(LockPCRs, u16),
    st.just(DescribeNSM()),
    st.builds(Attestation, optional_bytes, optional_bytes, optional_bytes),
    st.just(GetRandom()),
)
responses = st.one_of(
    st.builds(DescribePCRResponse, st.booleans(), small_bytes),
    st.builds(ExtendPCRResponse, small_bytes),
    st.just(LockPCRResponse()),
    st.just(LockPCRsResponse()),
    st.builds(
        DescribeNSMResponse,
        u16,
        u16,
        u16,
        st.text(max_size=40),
        u16,
        st.lists(u16, max_size=32).map(tuple),
        st.just("SHA384"),
    ),
    st.builds(AttestationResponse, small_bytes),
    st.builds(GetRandomResponse, small_bytes),
    st.sampled_from(ERROR_CODES).map(ErrorResponse),
)


@given(requests)
def test_every_request_round_trips(message: Message) -> None:
    assert decode_request(message.to_cbor()) == message


@given(responses)
def test_every_response_round_trips(message: Message) -> None:
    assert decode_response(message.to_cbor()) == message


@given(st.binary(max_size=300))
def test_any_reply_bytes_give_a_response_or_an_nsm_error(data: bytes) -> None:
    """What the client does with whatever comes back: a typed response or NsmError, nothing else."""
    try:
        response = expect_response(data, GetRandomResponse)
    except NsmError as error:
        assert error.code in ERROR_CODES or data.startswith(b"\xa1\x65Error")
    else:
        assert isinstance(response.random, bytes)
