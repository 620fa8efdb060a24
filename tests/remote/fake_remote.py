"""A hostile remote: speaks the wire protocol on stdin/stdout, as `ssh HOST nitrodeck serve`.

Run as `$NITRODECK_SSH_COMMAND`: `python fake_remote.py SCENARIO [ssh's arguments, ignored]`.
It answers `session.facts` like a simulator, records every call's method in $FAKE_REMOTE_LOG
(one per line), and answers the rest as SCENARIO says:
  error-import   every call fails naming `tui.__main__` as the error's class, with an exit
                 code of 0 among its attributes and escape sequences in its text
  error-attrs    every call fails as a known kind whose fields try to set the exit code
  flood          a console stream sends FLOOD_MIB MiB at once; `int-data` sends an integer as
                 stream bytes (bytes(10**10) would allocate 10 GB)
  forged-root    a simulator offering its own root (`trust.sim_root`) for anything to chain to
  stderr-flood   2 x FLOOD_MIB MiB on stderr (which ssh passes on) in one line without an end
  escapes        an enclave whose name and image name carry escape sequences, and whose
                 console sends them (split across chunks, and as UTF-8 C1 controls)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import cbor2

from core.remote import codec, framing
from core.remote.codec import TAG_ERROR, TAG_PATH
from core.remote.protocol import PROTOCOL_VERSION

FLOOD_MIB = 24
FIND = "platform.find_enclave"
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mboom\x1b[0m"
FACTS = {
    "name": "sim",
    "simulated": True,
    "default_trust": "sim",
    "default_kms": "local",
    "console_history": False,
}


def evil_enclave() -> Any:
    from core.platform.base import EnclaveInfo

    return EnclaveInfo(
        name="web" + ESCAPES,
        enclave_id="i-evil-enc1",
        process_id=1,
        cid=16,
        cpu_ids=(1,),
        memory_mib=256,
        state="RUNNING",
        debug=True,
        image_name="app\x1b]52;c;cHduZWQ=\x07",
    )


def send(message: dict[str, Any]) -> None:
    framing.write_frame(sys.stdout.buffer, cbor2.dumps(message))


def error(call_id: int, kind: str, what: str, fields: dict[str, Any]) -> None:
    send({"t": "err", "id": call_id, "e": cbor2.CBORTag(TAG_ERROR, [kind, what, fields])})


def answer(scenario: str, call: dict[str, Any]) -> None:
    call_id, method = call["id"], call["m"]
    if method == "session.facts":
        send({"t": "ok", "id": call_id, "v": FACTS})
    elif scenario == "error-import":
        error(call_id, "tui.__main__.main", ESCAPES, {"exit_code": 0, "where": "\x1b[2Jhost"})
    elif scenario == "error-attrs":
        error(call_id, "UsageError", "refused", {"exit_code": 0, "code": "E00", "fix": "f"})
    elif scenario in ("flood", "int-data") and method == "platform.console":
        send({"t": "ok", "id": call_id, "v": {"stream": call_id}})
        if scenario == "int-data":
            send({"t": "data", "s": call_id, "b": 10**10})
        chunk = b"x" * (1 << 20)
        for _ in range(FLOOD_MIB if scenario == "flood" else 0):
            send({"t": "data", "s": call_id, "b": chunk})
        send({"t": "end", "s": call_id, "e": None})
    elif scenario == "forged-root" and method == "trust.sim_root":
        send({"t": "ok", "id": call_id, "v": Path(os.environ["FAKE_REMOTE_ROOT"]).read_bytes()})
    elif scenario == "forged-root" and method == "platform.describe_enclaves":
        send({"t": "ok", "id": call_id, "v": []})
    elif scenario == "escapes" and method in ("platform.describe_enclaves", FIND):
        found = evil_enclave()
        value = [found] if method.endswith("describe_enclaves") else found
        framing.write_frame(sys.stdout.buffer, codec.dumps({"t": "ok", "id": call_id, "v": value}))
    elif scenario == "escapes" and method == "platform.console":
        send({"t": "ok", "id": call_id, "v": {"stream": call_id}})
        for chunk in (b"hello \x1b", b"]0;pwned\x07 \xc2", b"\x9b2J world\n"):
            send({"t": "data", "s": call_id, "b": chunk})
        send({"t": "end", "s": call_id, "e": None})
    elif method == "image.has":
        send({"t": "ok", "id": call_id, "v": cbor2.CBORTag(TAG_PATH, "/staged/app.eif")})
    else:
        error(call_id, "NitrodeckError", f"the fake remote does not answer {method}", {})


def main() -> int:
    scenario = sys.argv[1]
    log = Path(os.environ["FAKE_REMOTE_LOG"])
    send({"t": "hello", "protocol": PROTOCOL_VERSION, "version": "fake"})
    if scenario == "stderr-flood":  # one line that never ends
        for _ in range(FLOOD_MIB * 2):
            sys.stderr.buffer.write(b"A" * (1 << 20))
        sys.stderr.buffer.flush()
        with log.open("a") as out:
            out.write("stderr-flood-done\n")
    framing.read_frame(sys.stdin.buffer)  # the client's hello
    while (frame := framing.read_frame(sys.stdin.buffer)) is not None:
        message = cbor2.loads(frame)
        if message.get("t") != "call":
            continue
        with log.open("a") as out:
            out.write(message["m"] + "\n")
        answer(scenario, message)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
