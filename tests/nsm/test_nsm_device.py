"""The simulated NSM's behaviour: PCRs, locks, limits, errors; straight through `handle`."""

from __future__ import annotations

import hashlib

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import NitrodeckError
from core.nsm.device import SimulatedNsm
from core.nsm.identity import launch_time_ms, module_id, new_enclave_uid, parse_module_id
from core.nsm.pcrs import ZERO_PCR, pcr_from_string
from enclave_agent.nsm_messages import (
    ERROR_CODES,
    Attestation,
    DescribePCR,
    ErrorResponse,
    ExtendPCR,
    LockPCR,
    LockPCRs,
    Message,
    MessageFormatError,
    decode_request,
    decode_response,
)
from tests.nsm.conftest import ENCLAVE_UID, INSTANCE_ID, MEASUREMENTS, ROLE_ARN, MakeDevice

WEBSERVER_PCR3 = (
    "78fce75db17cd4e0a3fb8dad3ad128ca5e77edbb2b2c7f75329dccd99aa5f6ef"
    "4fc1f1a452e315b9e98f9e312e6921e6"
)


def ask(device: SimulatedNsm, message: Message | bytes) -> object:
    raw = message if isinstance(message, bytes) else message.to_cbor()
    return cbor2.loads(device.handle(raw))


def error_of(device: SimulatedNsm, message: Message | bytes) -> str:
    reply = ask(device, message)
    assert isinstance(reply, dict) and set(reply) == {"Error"}, reply
    return str(reply["Error"])


def test_pcr3_is_the_spec_example() -> None:
    assert pcr_from_string(ROLE_ARN).hex() == WEBSERVER_PCR3
    assert pcr_from_string(None) == ZERO_PCR == pcr_from_string("")


def test_boot_pcrs(device: SimulatedNsm) -> None:
    for index in (0, 1, 2, 8):
        assert device.pcr(index) == MEASUREMENTS[index]
    assert device.pcr(3).hex() == WEBSERVER_PCR3
    assert device.pcr(4) == hashlib.sha384(bytes(48) + INSTANCE_ID.encode()).digest()
    for index in (5, 6, 7, *range(9, 32)):
        assert device.pcr(index) == ZERO_PCR


def test_no_role_means_pcr3_zero(make_device: MakeDevice) -> None:
    assert make_device(role_arn=None).pcr(3) == ZERO_PCR


def test_debug_mode_zeroes_exactly_the_image_pcrs(make_device: MakeDevice) -> None:
    normal, debug = make_device(), make_device(debug=True)
    zeroed = [i for i in range(32) if debug.pcr(i) != normal.pcr(i)]
    assert zeroed == [0, 1, 2, 8]
    assert all(debug.pcr(i) == ZERO_PCR for i in zeroed)
    assert debug.pcr(3) != ZERO_PCR and debug.pcr(4) != ZERO_PCR


def test_pcr8_is_optional(make_device: MakeDevice) -> None:
    unsigned = {i: MEASUREMENTS[i] for i in (0, 1, 2)}
    assert make_device(measurements=unsigned).pcr(8) == ZERO_PCR


@pytest.mark.parametrize(
    "measurements",
    [
        {0: bytes(48), 1: bytes(48)},
        {0: b"x", 1: bytes(48), 2: bytes(48)},
        {**MEASUREMENTS, 5: bytes(48)},
    ],
)
def test_bad_measurements_are_a_clear_error(
    make_device: MakeDevice, measurements: dict[int, bytes]
) -> None:
    with pytest.raises(NitrodeckError, match="PCR0, PCR1, PCR2"):
        make_device(measurements=measurements)


def test_module_id_carries_instance_and_launch_time(device: SimulatedNsm) -> None:
    assert device.module_id == "i-0123456789abcdef0-enc0193685e7fee7d85"
    assert len(device.module_id) == 39
    assert parse_module_id(device.module_id) == (INSTANCE_ID, ENCLAVE_UID)
    uid = new_enclave_uid(1732983765759)
    assert launch_time_ms(uid) == 1732983765759
    assert module_id(INSTANCE_ID, uid)[23:35] == f"{1732983765759:012x}"
    with pytest.raises(NitrodeckError, match="instance id"):
        module_id("i-XYZ", uid)


def test_extend_is_sha384_of_old_and_data(device: SimulatedNsm) -> None:
    expected = hashlib.sha384(ZERO_PCR + b"first").digest()
    assert ask(device, ExtendPCR(16, b"first")) == {"ExtendPCR": {"data": expected}}
    expected = hashlib.sha384(expected + b"second").digest()
    assert ask(device, ExtendPCR(16, b"second")) == {"ExtendPCR": {"data": expected}}
    assert ask(device, DescribePCR(16)) == {"DescribePCR": {"lock": False, "data": expected}}


def test_boot_pcrs_are_locked_and_read_only(device: SimulatedNsm) -> None:
    for index in (0, 4, 15):
        assert ask(device, DescribePCR(index)) == {
            "DescribePCR": {"lock": True, "data": device.pcr(index)}
        }
        assert error_of(device, ExtendPCR(index, b"x")) == "ReadOnlyIndex"
        assert error_of(device, LockPCR(index)) == "ReadOnlyIndex"


def test_lock_pcr_freezes_a_user_pcr(device: SimulatedNsm) -> None:
    assert device.handle(LockPCR(17).to_cbor()) == bytes.fromhex("674c6f636b504352")
    assert ask(device, DescribePCR(17)) == {"DescribePCR": {"lock": True, "data": ZERO_PCR}}
    assert error_of(device, ExtendPCR(17, b"x")) == "ReadOnlyIndex"
    assert error_of(device, LockPCR(17)) == "ReadOnlyIndex"
    assert ask(device, ExtendPCR(18, b"x")) != {"Error": "ReadOnlyIndex"}


def test_lock_pcrs_locks_the_range_and_max_plus_one_fails(device: SimulatedNsm) -> None:
    assert error_of(device, LockPCRs(33)) == "InvalidIndex"
    assert device.handle(LockPCRs(20).to_cbor()) == bytes.fromhex("684c6f636b50435273")
    describe = ask(device, b"\x6bDescribeNSM")
    assert isinstance(describe, dict)
    assert describe["DescribeNSM"]["locked_pcrs"] == list(range(20))
    assert error_of(device, ExtendPCR(19, b"x")) == "ReadOnlyIndex"
    assert "ExtendPCR" in ask(device, ExtendPCR(20, b"x"))  # type: ignore[operator]
    assert device.handle(LockPCRs(32).to_cbor()) == bytes.fromhex("684c6f636b50435273")
    assert error_of(device, ExtendPCR(31, b"x")) == "ReadOnlyIndex"


@pytest.mark.parametrize(
    "message", [DescribePCR(32), ExtendPCR(32, b"x"), LockPCR(32), DescribePCR(65535)]
)
def test_indices_past_31_are_invalid(device: SimulatedNsm, message: Message) -> None:
    assert error_of(device, message) == "InvalidIndex"


def test_describe_nsm_is_canonical(device: SimulatedNsm) -> None:
    for request in (b"\x6bDescribeNSM", cbor2.dumps({"DescribeNSM": {}})):
        reply = device.handle(request)
        assert reply.startswith(bytes.fromhex("a16b44657363726962654e534da7"))
        assert cbor2.loads(reply) == {
            "DescribeNSM": {
                "version_major": 1,
                "version_minor": 0,
                "version_patch": 0,
                "module_id": device.module_id,
                "max_pcrs": 32,
                "locked_pcrs": list(range(16)),
                "digest": "SHA384",
            }
        }


def test_get_random_gives_fresh_bytes(device: SimulatedNsm) -> None:
    first, second = (ask(device, b"\x69GetRandom") for _ in range(2))
    assert isinstance(first, dict) and isinstance(second, dict)
    assert len(first["GetRandom"]["random"]) == 256
    assert first != second


def test_get_random_reply_is_what_the_kernel_hwrng_parses(device: SimulatedNsm) -> None:
    reply = device.handle(bytes.fromhex("6947657452616e646f6d"))
    assert reply.startswith(b"\xa1\x69GetRandom\xa1\x66random\x59\x01\x00")
    assert len(reply) == 22 + 256


def test_attestation_field_limits(device: SimulatedNsm) -> None:
    full = Attestation(bytes(1024), bytes(1024), bytes(1024))
    reply = ask(device, full)
    assert isinstance(reply, dict) and "Attestation" in reply
    for field in ("user_data", "nonce", "public_key"):
        too_big = Attestation(**{field: bytes(1025)})
        assert error_of(device, too_big) == "InputTooLarge"


def test_requests_over_4096_bytes_are_too_large(device: SimulatedNsm) -> None:
    request = ExtendPCR(16, bytes(4096 - 27)).to_cbor()
    assert len(request) == 4096
    assert "ExtendPCR" in ask(device, request)  # type: ignore[operator]
    bigger = ExtendPCR(16, bytes(4096 - 26)).to_cbor()
    assert error_of(device, bigger) == "InputTooLarge"


@pytest.mark.parametrize(
    "request_bytes",
    [b"", b"\xff", b"\x6aDescribeXX", cbor2.dumps({"DescribePCR": {"index": "0"}}), cbor2.dumps(7)],
)
def test_malformed_requests_are_invalid_argument(
    device: SimulatedNsm, request_bytes: bytes
) -> None:
    assert error_of(device, request_bytes) == "InvalidArgument"


@given(st.binary(max_size=5000))
def test_random_bytes_always_get_a_well_formed_reply(data: bytes) -> None:
    reply = decode_response(_SHARED_DEVICE[0].handle(data))  # never raises, always a response
    try:
        decode_request(data)
    except MessageFormatError:
        expected = "InputTooLarge" if len(data) > 4096 else "InvalidArgument"
        assert reply == ErrorResponse(expected)
    else:  # the rare random input that is a valid request gets a real answer or an NSM error
        assert not isinstance(reply, ErrorResponse) or reply.code in ERROR_CODES


_SHARED_DEVICE: list[SimulatedNsm] = []


@pytest.fixture(autouse=True)
def _share_device(device: SimulatedNsm) -> None:
    # hypothesis tests cannot take function-scoped fixtures directly
    _SHARED_DEVICE[:] = [device]


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.binary(max_size=60)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
variant_names = st.sampled_from(
    ["DescribePCR", "ExtendPCR", "LockPCR", "LockPCRs", "DescribeNSM", "Attestation", "GetRandom"]
)
field_names = st.sampled_from(["index", "data", "range", "user_data", "nonce", "public_key", "x"])
request_shaped = st.builds(
    lambda name, body: {name: body},
    variant_names,
    cbor_values | st.dictionaries(field_names, cbor_values, max_size=4),
)


@given(request_shaped)
def test_request_shaped_garbage_gets_a_well_formed_reply(value: object) -> None:
    data = cbor2.dumps(value)
    reply = decode_response(_SHARED_DEVICE[0].handle(data))
    try:
        decode_request(data)
    except MessageFormatError:
        assert reply == ErrorResponse("InvalidArgument")
    else:
        assert not isinstance(reply, ErrorResponse) or reply.code in {
            "InvalidIndex",
            "ReadOnlyIndex",
            "InputTooLarge",
        }
