"""`nitrodeck kms start|stop|status`: the local KMS as a background daemon.

`kms decrypt` / `kms encrypt` start it on demand on the simulator; these commands make it
visible: where it listens, how to point the AWS CLI at it, and how to stop it.
"""

from __future__ import annotations

import argparse

from core.errors import NitrodeckError
from core.home import Home
from core.kms.local.credentials import (
    ADMIN_PRINCIPAL_ARN,
    ADMIN_PROFILE,
    PROFILE,
    REGION,
    credentials_path,
)
from core.kms.local.daemon import ensure_local_kms, log_path, running_local_kms, stop_local_kms
from tui.cli.output import cli_home, print_json


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    start = commands.add_parser("start", help="start the local KMS in the background")
    start.add_argument(
        "--port",
        type=int,
        help="listen on this port from now on (kept in the home; 0 picks a free one)",
    )
    start.add_argument("--json", action="store_true", help="print the result as JSON")
    start.set_defaults(handler=run_start)
    status = commands.add_parser("status", help="is the background local KMS running, and where")
    status.add_argument("--json", action="store_true", help="print the result as JSON")
    status.set_defaults(handler=run_status)
    stop = commands.add_parser("stop", help="stop the background local KMS")
    stop.add_argument("--json", action="store_true", help="print the result as JSON")
    stop.set_defaults(handler=run_stop)


def _print_endpoint(endpoint: str, home: Home) -> None:
    print(f"local KMS at {endpoint}")
    print(f"export AWS_ENDPOINT_URL_KMS={endpoint}")
    print(f"export AWS_SHARED_CREDENTIALS_FILE={credentials_path(home)}")
    print(f"export AWS_PROFILE={PROFILE}")
    print(f"export AWS_DEFAULT_REGION={REGION}")
    print(f"# administer keys as AWS_PROFILE={ADMIN_PROFILE} ({ADMIN_PRINCIPAL_ARN})")
    print(f"# log: {log_path(home)}")


def run_start(args: argparse.Namespace) -> int:
    if args.port is not None and not 0 <= args.port <= 65535:
        raise NitrodeckError(
            f"port {args.port} is out of range", where="--port", fix="give 1-65535, or 0 for any"
        )
    endpoint = ensure_local_kms(cli_home(args), port=args.port)
    if args.json:
        print_json({"Running": True, "Endpoint": endpoint})
        return 0
    _print_endpoint(endpoint, cli_home(args))
    return 0


def run_status(args: argparse.Namespace) -> int:
    info = running_local_kms(cli_home(args))
    if args.json:
        print_json(
            {"Running": info is not None}
            | ({} if info is None else {"Endpoint": info.endpoint, "Pid": info.pid})
        )
        return 0 if info else 1
    if info is None:
        print("the local KMS is not running (nitrodeck kms start)")
        return 1
    owner = f"pid {info.pid}" if info.pid else "a foreground `nitrodeck kms serve`"
    print(f"running ({owner})")
    _print_endpoint(info.endpoint, cli_home(args))
    return 0


def run_stop(args: argparse.Namespace) -> int:
    stopped = stop_local_kms(cli_home(args))
    if args.json:
        print_json({"Stopped": stopped})
        return 0 if stopped else 1
    if stopped:
        print("stopped the background local KMS")
        return 0
    print("no background local KMS was running")
    return 1
