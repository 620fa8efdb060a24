"""The frame codec and message validation, on real socket pairs."""

from __future__ import annotations

import socket
import struct

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from enclave_agent import protocol


def pair() -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair()
    return a, b


def test_round_trip_request() -> None:
    a, b = pair()
    with a, b:
        protocol.send_message(a, protocol.make_request(7, "attest", {"nonce": b"\x01\x02"}))
        message = protocol.recv_message(b, idle_timeout=1, frame_timeout=1)
    assert message is not None
    request = protocol.parse_request(message)
    assert request == protocol.Request(7, "attest", {"nonce": b"\x01\x02"})


def test_frame_is_big_endian_length_then_cbor() -> None:
    frame = protocol.encode_frame({"a": 1})
    body = cbor2.dumps({"a": 1})
    assert frame == struct.pack(">I", len(body)) + body


def test_clean_eof_between_frames_is_none() -> None:
    a, b = pair()
    a.close()
    with b:
        assert protocol.recv_message(b, idle_timeout=1) is None


def test_oversized_header_is_fatal_before_reading_body() -> None:
    a, b = pair()
    with a, b:
        a.sendall(struct.pack(">I", protocol.MAX_FRAME + 1))
        with pytest.raises(protocol.ProtocolError) as caught:
            protocol.recv_message(b, idle_timeout=1, frame_timeout=1)
    assert caught.value.code == protocol.FRAME_TOO_LARGE and caught.value.fatal


def test_encode_refuses_oversized_message() -> None:
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.encode_frame({"x": bytes(protocol.MAX_FRAME)})
    assert caught.value.code == protocol.FRAME_TOO_LARGE


def test_truncated_body_is_fatal() -> None:
    a, b = pair()
    with b:
        a.sendall(struct.pack(">I", 10) + b"\xa1")
        a.close()
        with pytest.raises(protocol.ProtocolError) as caught:
            protocol.recv_message(b, idle_timeout=1, frame_timeout=1)
    assert caught.value.code == protocol.BAD_FRAME and caught.value.fatal
    assert "1 of 10" in caught.value.message


def test_slow_frame_times_out() -> None:
    a, b = pair()
    with a, b:
        a.sendall(b"\x00\x00")  # half a header, then nothing
        with pytest.raises(protocol.ProtocolError) as caught:
            protocol.recv_message(b, idle_timeout=1, frame_timeout=0.2)
    assert caught.value.code == protocol.TIMEOUT and caught.value.fatal


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"v": 2, "id": 1, "op": "health"}, protocol.UNSUPPORTED_VERSION),
        ({"v": 1, "id": "1", "op": "health"}, protocol.BAD_REQUEST),
        ({"v": 1, "id": True, "op": "health"}, protocol.BAD_REQUEST),
        ({"v": 1, "id": -1, "op": "health"}, protocol.BAD_REQUEST),
        ({"v": 1, "id": 1, "op": ""}, protocol.BAD_REQUEST),
        ({"v": 1, "id": 1, "op": "health", "args": [1]}, protocol.BAD_REQUEST),
        ({"v": 1, "id": 1, "op": "health", "args": {1: 2}}, protocol.BAD_REQUEST),
    ],
)
def test_bad_requests_are_named(message: dict[str, object], code: str) -> None:
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.parse_request(message)
    assert caught.value.code == code


def test_reply_round_trip() -> None:
    ok = protocol.parse_reply(protocol.ok_reply(3, {"x": b"1"}))
    assert ok == protocol.Reply(3, True, {"x": b"1"})
    err = protocol.parse_reply(protocol.error_reply(4, protocol.NOT_FOUND, "gone"))
    assert (err.ok, err.error_code, err.error_message) == (False, protocol.NOT_FOUND, "gone")


@given(st.binary(max_size=512))
def test_decode_body_never_raises_anything_but_protocol_error(body: bytes) -> None:
    try:
        value = protocol.decode_body(body)
    except protocol.ProtocolError as error:
        assert error.code == protocol.BAD_FRAME and not error.fatal
    else:
        assert isinstance(value, dict)


@given(st.dictionaries(st.text(max_size=8), st.integers() | st.binary(max_size=32) | st.text()))
def test_any_map_survives_encode_decode(value: dict[str, object]) -> None:
    frame = protocol.encode_frame(value)
    assert protocol.decode_body(frame[4:]) == value


@given(
    st.dictionaries(
        st.sampled_from(["v", "id", "op", "args", "x"]),
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=8)
        | st.binary(max_size=8)
        | st.dictionaries(st.text(max_size=4) | st.integers(), st.integers(), max_size=3),
    )
)
def test_parse_request_accepts_or_names_the_problem(message: dict[str, object]) -> None:
    try:
        request = protocol.parse_request(message)
    except protocol.ProtocolError as error:
        assert error.code in (protocol.BAD_REQUEST, protocol.UNSUPPORTED_VERSION)
    else:
        assert message["v"] == 1 and request.id == message["id"] and request.op == message["op"]
