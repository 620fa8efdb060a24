"""The console's vsock address, the off switch and the fallback; AF_VSOCK is never connected."""

from __future__ import annotations

import itertools
import socket
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from nitro_fixtures import write_program

from core.platform.nitro import vsock
from core.platform.nitro.console import BannerFilter, CliConsole, VsockConsole, open_console
from enclave_agent import transport


@pytest.mark.parametrize(("cid", "port"), [(16, 10016), (19, 10019), (4294967294, 4294977294)])
def test_console_address_is_the_hypervisor_at_cid_plus_10000(cid: int, port: int) -> None:
    assert vsock.console_address(cid) == (0, port)


def test_off_switch_refuses_before_any_socket_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[object] = []
    monkeypatch.setattr(socket, "socket", lambda *a, **k: created.append(a))
    with pytest.raises(vsock.VsockUnavailable, match="NITRODECK_VSOCK=off"):
        vsock.connect(16, 5005)
    with pytest.raises(vsock.VsockUnavailable):
        vsock.listen(8000)
    with pytest.raises(OSError, match="NITRODECK_VSOCK=off"):
        transport.connect(3, 8000)
    with pytest.raises(OSError, match="NITRODECK_VSOCK=off"):
        transport.listen(5005)
    assert created == []


def test_injected_connector_gets_the_console_address(tmp_path: Path) -> None:
    asked: list[tuple[int, int]] = []
    ours, theirs = socket.socketpair()

    def connector(cid: int, port: int, timeout: float | None) -> socket.socket:
        asked.append((cid, port))
        return ours

    stream = open_console("unused", "i-1-enc1", 17, follow=True, connector=connector)
    assert isinstance(stream, VsockConsole) and asked == [(0, 10017)]
    theirs.sendall(b"kernel: booted\n")
    theirs.close()  # EOF: the enclave terminated
    assert b"".join(stream) == b"kernel: booted\n"


def test_refused_vsock_falls_back_to_nitro_cli_console(tmp_path: Path) -> None:
    program = write_program(
        tmp_path,
        "nitro-cli",
        'echo "Connecting to the console for enclave 17..."\n'
        'echo "Successfully connected to the console."\n'
        'echo "args: $*"\nprintf "boot line\\n"',
    )

    def refuse(cid: int, port: int, timeout: float | None) -> socket.socket:
        raise vsock.VsockUnavailable("off")

    stream = open_console(str(program), "i-1-enc1", 17, follow=False, connector=refuse)
    assert isinstance(stream, CliConsole)
    text = b"".join(stream).decode()
    assert text == "args: console --enclave-id i-1-enc1 --disconnect-timeout 1\nboot line\n"


def test_fallback_failure_is_nitro_clis_error(tmp_path: Path) -> None:
    program = write_program(
        tmp_path,
        "nitro-cli",
        'echo "[ E44 ] Enclave console connection failure." >&2\nexit 44',
    )
    stream = CliConsole(str(program), "i-1-enc1")
    with pytest.raises(Exception, match=r"\[ E44 \]"):
        list(stream)


BANNER = b"Connecting to the console for enclave 17...\nSuccessfully connected to the console.\n"


@given(payload=st.binary(max_size=200), cuts=st.lists(st.integers(0, 400), max_size=6))
def test_the_banner_goes_however_reads_split_it(payload: bytes, cuts: list[int]) -> None:
    first = payload.split(b"\n", 1)[0]
    assume(not first.startswith((b"Connecting to the console", b"Successfully connected")))
    stream = BANNER + payload
    bounds = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    banner = BannerFilter()
    out = b"".join(banner.feed(stream[a:b]) for a, b in itertools.pairwise(bounds))
    assert banner.feed(b"") == b"" and banner.ended
    assert out + banner.finish() == payload
