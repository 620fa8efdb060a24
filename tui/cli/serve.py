"""`nitrodeck serve --stdio`: answer a remote engine's calls on stdin/stdout (ssh starts it).

stdout carries the protocol only, so the real stdout is moved aside first and fd 1 points at
stderr: nothing else this process or its children print can corrupt a frame.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from core.errors import UsageError


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
    from functools import partial

    from core.home import Home
    from core.platform.local import open_local_platform
    from core.remote.calls import SERVER_CALLS
    from core.remote.server import Server

    sys.stdout.flush()
    reader = os.fdopen(os.dup(0), "rb", buffering=0)
    writer = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    server = Server(reader, writer, partial(open_local_platform, home=Home.resolve()), SERVER_CALLS)
    return server.run()
