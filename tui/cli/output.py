"""How commands print: JSON exactly as nitro-cli does, progress and errors on stderr."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from core.home import Home


def json_text(value: Any) -> str:
    """serde_json's pretty form: 2-space indent, `": "`, trailing newline, UTF-8 kept."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def print_json(value: Any) -> None:
    sys.stdout.write(json_text(value))
    sys.stdout.flush()


def progress(message: str) -> None:
    """A progress line on stderr, where nitro-cli puts them, so stdout stays machine-readable."""
    print(message, file=sys.stderr, flush=True)


def cli_home(args: argparse.Namespace) -> Home:
    """The home `main` resolved for this command (`args.home`), the one every part of it uses."""
    home = getattr(args, "home", None)
    return home if isinstance(home, Home) else Home.resolve()
