"""`nitrodeck serve --stdio`: answer a remote engine's calls on stdin/stdout (ssh starts it).

stdout carries the protocol only, so the real stdout is moved aside first and fd 1 points at
stderr: nothing else this process or its children print can corrupt a frame.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import IO, TYPE_CHECKING, Any, NoReturn

from core.errors import UsageError

if TYPE_CHECKING:
    import argparse


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve this machine's platform to a remote nitrodeck (ssh runs this)"
    )
    parser.add_argument(
        "--stdio", action="store_true", help="speak the protocol on stdin/stdout (required)"
    )
    parser.set_defaults(handler=run_serve, local_only=True)


def run_serve(args: argparse.Namespace) -> int:
    if not args.stdio:
        raise UsageError(
            "serve only speaks on stdin/stdout", where="serve", fix="run `nitrodeck serve --stdio`"
        )
    return serve_stdio()


def serve_stdio() -> int:
    """Say hello first, then load the server and the platform while the client's hello (and
    its first calls) travel: `nitrodeck serve --stdio` comes here before parsing arguments."""
    from core.remote import framing, protocol

    sys.stdout.flush()
    reader = os.fdopen(os.dup(0), "rb", buffering=0)
    writer = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    framing.write_frame(writer, protocol.hello_payload())

    from functools import partial

    from core.home import Home
    from core.platform.local import open_local_platform
    from core.remote.calls import SERVER_CALLS
    from core.remote.server import Server

    opener = partial(open_local_platform, home=Home.resolve())
    exit_now(Server(reader, writer, opener, SERVER_CALLS).serve(), writer)
    return 0  # not reached


def exit_now(code: int, writer: IO[bytes] | None = None) -> NoReturn:
    """End the process as soon as its work is done: every thread it started has finished, the
    exit handlers have run and `writer`, stdout and stderr are flushed and closed, but the
    interpreter's teardown (freeing every module, ~10 ms that the far end's ssh, or the
    operator, waits for after the last answer) is skipped."""
    import atexit
    import threading

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()  # a call still answering (its frame goes out before the end)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
