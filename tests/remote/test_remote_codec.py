"""The wire format: frames and values round-trip; damaged input is a clear error, never a crash."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.checks import Check, CheckStatus
from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform.base import EnclaveInfo, RunRequest
from core.remote import codec, framing
from core.remote.errors import FrameError

names = st.text(max_size=20)
ints = st.integers(min_value=0, max_value=2**40)
enclaves = st.builds(
    EnclaveInfo,
    name=st.none() | names,
    enclave_id=names,
    process_id=ints,
    cid=ints,
    cpu_ids=st.tuples(ints, ints),
    memory_mib=ints,
    state=names,
    debug=st.booleans(),
    measurements=st.dictionaries(names, names, max_size=3),
    metadata=st.none() | st.dictionaries(names, st.lists(ints, max_size=3), max_size=3),
    started_at=st.none() | st.floats(allow_nan=False),
)


@given(enclaves)
def test_enclaves_round_trip_exactly(info: EnclaveInfo) -> None:
    assert codec.loads(codec.dumps(info)) == info


@given(st.lists(st.binary(max_size=300), max_size=5))
def test_frames_round_trip_in_order(payloads: list[bytes]) -> None:
    stream = io.BytesIO()
    for payload in payloads:
        framing.write_frame(stream, payload)
    stream.seek(0)
    assert [framing.read_frame(stream) for _ in payloads] == payloads
    assert framing.read_frame(stream) is None


@given(st.binary(max_size=64))
def test_any_bytes_are_frames_or_a_frame_error(data: bytes) -> None:
    stream = io.BytesIO(data)
    try:
        while framing.read_frame(stream) is not None:
            pass
    except FrameError as error:
        assert error.where


def test_the_protocol_types_keep_their_classes() -> None:
    check = Check("pool", CheckStatus.FAIL, "no CPUs", "apply a pool")
    back = codec.loads(codec.dumps([check, RunRequest(Path("/a.eif"), 256, cpu_ids=(1, 3))]))
    assert back[0] == check and back[0].status is CheckStatus.FAIL and not back[0].ok
    assert back[1].eif_path == Path("/a.eif") and back[1].cpu_ids == (1, 3)
    error = codec.loads(codec.dumps(NitroCliError(NitroCliCode.SocketPathNotFound, detail="d")))
    assert isinstance(error, NitroCliError) and error.exit_code == 40 and error.detail == "d"


def test_unregistered_types_are_refused_when_sent() -> None:
    with pytest.raises(TypeError):
        codec.dumps(object())
    with pytest.raises(TypeError, match="not registered"):
        codec.dumps(Unregistered(1))


@dataclass(frozen=True)
class Unregistered:
    value: int
