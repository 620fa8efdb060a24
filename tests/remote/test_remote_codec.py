"""The wire format: frames and values round-trip; damaged input is a clear error, never a crash."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.checks import Check, CheckStatus
from core.errors import UsageError
from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform.base import EnclaveInfo, RunRequest
from core.remote import codec, framing
from core.remote.errors import FrameError, RemoteError
from core.remote.untrusted import MAX_TEXT
from core.remote.wire_errors import rebuild_error

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


def test_errors_keep_their_class_and_typed_fields() -> None:
    from core.agent.client import AgentError
    from core.eif.errors import EifFileError
    from core.platform.trust import TrustChoiceError

    agent = codec.loads(codec.dumps(AgentError("booting", agent_code="not_ready", fix="wait")))
    assert isinstance(agent, AgentError) and agent.agent_code == "not_ready"
    assert agent.fix == "wait" and agent.exit_code == 3
    eif = codec.loads(codec.dumps(EifFileError("gone", offset=12)))
    assert isinstance(eif, EifFileError) and eif.offset == 12 and eif.where == "byte 12 (0xc)"
    # E39 relaying the enclave process's E26 keeps its root cause (nitrodeck's exit status)
    from core.nitro_errors import EnclaveProcessError

    relayed = EnclaveProcessError(NitroCliError(NitroCliCode.InsufficientMemoryRequested, "memory"))
    back = codec.loads(codec.dumps(relayed))
    assert isinstance(back, EnclaveProcessError) and back.code == "E39"
    assert back.root.code == "E26" and back.root.exit_code == 26
    # a class the table does not list travels as its nearest listed base
    usage = codec.loads(codec.dumps(TrustChoiceError("no root", fix="--trust aws")))
    assert type(usage) is UsageError and usage.exit_code == 2 and usage.fix == "--trust aws"


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("tui.__main__", {}),  # a module: importing it would run the command again
        ("core.errors.UsageError", {}),  # the old wire form: class paths are not kinds
        ("NitroCliError", {"cli_code": 12345}),  # not one of nitro-cli's E-numbers
        ("NitroCliError", {}),
        ("UsageError", {"fix": 7}),  # a field of the wrong type
        ("EifError", {"offset": True}),  # a bool is not an offset
        (["UsageError"], {}),
    ],
)
def test_anything_else_is_one_generic_remote_error(kind: object, fields: object) -> None:
    before = set(sys.modules)
    error = rebuild_error(kind, "\x1b[2Jit failed", fields)
    assert type(error) is RemoteError and error.exit_code == RemoteError.exit_code
    assert error.what == "\\x1b[2Jit failed" and "kind" in (error.detail or "")
    assert set(sys.modules) - before <= {"core.nitro_errors"}


def test_an_error_frame_cannot_set_other_attributes() -> None:
    error = rebuild_error("UsageError", "no", {"exit_code": 0, "code": "E00", "label": ""})
    assert type(error) is UsageError
    assert error.exit_code == 2 and error.code is None and error.label == "error: "


@given(st.text())
def test_remote_text_reaches_the_terminal_without_control_characters(text: str) -> None:
    shown = codec.loads(codec.dumps({"k": [text, (text,)]}), untrusted=True)["k"]
    for value in (shown[0], shown[1][0]):
        assert not any((ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F for c in value)
    if text.isprintable():
        assert shown[0] == text
    assert codec.loads(codec.dumps(text)) == text  # the server side keeps its input as sent


def test_long_error_text_is_cut_and_says_so() -> None:
    error = rebuild_error("NitrodeckError", "x" * (MAX_TEXT + 50), {})
    assert error.what.endswith("[50 more characters]")
