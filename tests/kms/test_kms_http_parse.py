"""The local KMS's request-head parser, property-tested: any bytes give a request or a
`BadRequest` with an HTTP status, never another exception (no traceback reaches the log)."""

from __future__ import annotations

import socket
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from core.home import Home
from core.kms.local.http import BadRequest, HttpLimits, _parse_head
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, boto3_client

MAX_BODY = 1 << 20


@given(st.binary(max_size=2048))
def test_any_head_parses_or_is_a_bad_request(head: bytes) -> None:
    try:
        method, target, headers, length = _parse_head(head, MAX_BODY)
    except BadRequest as error:
        assert error.status in (400, 411, 413) and error.message
        return
    assert method and target and 0 <= length <= MAX_BODY
    assert all(name == name.lower() for name in headers)


@given(
    st.sampled_from(["POST", "GET", "PUT"]),
    st.dictionaries(
        st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True),
        st.from_regex(r"[ -~]{0,40}", fullmatch=True),
        max_size=8,
    ),
)
def test_well_formed_heads_round_trip(method: str, headers: dict[str, str]) -> None:
    headers = {
        k: v for k, v in headers.items() if k.lower() not in ("content-length", "transfer-encoding")
    }
    lines = [f"{method} /path?x=1 HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    parsed = _parse_head("\r\n".join(lines).encode(), MAX_BODY)
    assert parsed[:2] == (method, "/path?x=1") and parsed[3] == 0
    expected: dict[str, str] = {}
    for name, value in headers.items():  # the last of names differing in case wins
        expected[name.lower()] = value.strip()
    assert parsed[2] == expected


def test_garbage_on_the_wire_never_stops_the_server(tmp_path: Path) -> None:
    lines: list[str] = []
    limits = HttpLimits(request_timeout=0.5, idle_timeout=0.5)
    with LocalKms(
        home=Home.resolve(), directory=tmp_path / "kms", log=lines.append, limits=limits
    ) as kms:
        host, port = kms.endpoint.removeprefix("http://").rsplit(":", 1)

        @settings(max_examples=60, deadline=None)
        @given(st.binary(min_size=1, max_size=600))
        def send(data: bytes) -> None:
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
                while sock.recv(4096):
                    pass

        send()
        client = boto3_client(KmsTarget(kms.endpoint, "us-east-1", kms.credentials_path))
        assert client.list_keys()["Keys"] == []
    assert not any("Traceback" in line or "internal error" in line for line in lines)
