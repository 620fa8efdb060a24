"""How commands print: JSON exactly as nitro-cli does, progress and errors on stderr."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from core.errors import NitrodeckError
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


def error_text(error: NitrodeckError) -> str:
    """How every command shows a failure on stderr. One with a nitro-cli code is the block
    run-enclave prints: `[ Exx ] <nitro-cli's message>`, the specific cause, the docs link and a
    fix (the explainer's when the error brings none); any other is `error: …` and its fix."""
    if error.code is None:
        return f"{error.label}{error}"
    from core.explain import lookup
    from core.nitro_errors import DOCS_LINK, NitroCliError, detailed_info

    fix = error.fix or lookup(error.code).fix
    if isinstance(error, NitroCliError):
        head = [error.what, *([error.detail] if error.detail else [])]
    else:
        cause = f"{error.where}: {error.what}" if error.where else error.what
        head = [
            detailed_info(int(error.code[1:])),
            cause,
            *([error.detail] if error.detail else []),
        ]
    link = DOCS_LINK.format(code=error.code)
    return "\n".join([*head, "", f"For more details, please visit {link}", f"fix: {fix}"])
