"""The app's user settings (theme) in `~/.config/nitrodeck/config.json`.

Kept apart from `nitrodeck_home()` on purpose: the home holds machine state (simulators, keys)
and is often per-project, while the look of the app follows the user. `$NITRODECK_CONFIG`
points elsewhere (tests use it to stay isolated).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.home import update_file

DEFAULT_THEME = "nitrodeck"


@dataclass(frozen=True)
class AppConfig:
    theme: str = DEFAULT_THEME
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> key(s), e.g. {"nav.help": "f1"}: remaps any binding that has an id."""


def config_path() -> Path:
    """`$NITRODECK_CONFIG`, else `$XDG_CONFIG_HOME/nitrodeck/config.json`, else ~/.config/…"""
    explicit = os.environ.get("NITRODECK_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "nitrodeck" / "config.json"


def _parsed(data: bytes | None, where: Path) -> dict[str, Any]:
    """The file's JSON object ({} when absent); a corrupt file is an error naming it, and is
    never replaced: it may hold contexts someone wants back."""
    if data is None:
        return {}
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NitrodeckError(
            f"cannot read the settings: {error}; nothing was changed",
            where=str(where),
            fix="fix the JSON by hand (or move the file aside to start from defaults)",
        ) from error
    if not isinstance(raw, dict):
        raise NitrodeckError(
            "the settings file must hold a JSON object; nothing was changed",
            where=str(where),
            fix='write e.g. {"theme": "nitrodeck"} (or move the file aside)',
        )
    return raw


def read_settings(path: Path | None = None) -> dict[str, Any]:
    """The settings file's JSON object, {} when it does not exist yet."""
    where = path or config_path()
    try:
        data: bytes | None = where.read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as error:
        raise NitrodeckError(
            f"cannot read the settings: {error.strerror}",
            where=str(where),
            fix="check the file's owner and mode",
        ) from error
    return _parsed(data, where)


def load_config(path: Path | None = None) -> AppConfig:
    """The saved settings, defaults when the file does not exist yet."""
    where = path or config_path()
    raw = read_settings(where)
    theme = raw.get("theme", DEFAULT_THEME)
    if not isinstance(theme, str):
        raise NitrodeckError(
            f'"theme" must be a string, not {type(theme).__name__}',
            where=str(where),
            fix='write e.g. "theme": "nitrodeck"',
        )
    keymap = raw.get("keymap", {})
    if not isinstance(keymap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
    ):
        raise NitrodeckError(
            '"keymap" must map binding ids to keys',
            where=str(where),
            fix='write e.g. "keymap": {"nav.help": "f1"}',
        )
    return AppConfig(theme=theme, keymap=keymap)


def save_config(config: AppConfig, path: Path | None = None) -> None:
    """Write atomically (a crash mid-write never leaves half a file); keeps unknown keys."""
    update_config_file(lambda data: data.update(asdict(config)), path)


def update_config_file(change: Callable[[dict[str, Any]], None], path: Path | None = None) -> None:
    """Apply `change` to the file's JSON object and write it back (`core.home.update_file`:
    under the file's lock from read to rename, atomically), so parallel `ctx add`s all land.

    Other keys (contexts, settings of newer versions) are kept as they are; a corrupt file is
    refused with its name and left untouched.
    """
    where = path or config_path()

    def rewrite(current: bytes | None) -> bytes:
        data = _parsed(current, where)
        change(data)
        return (json.dumps(data, indent=2) + "\n").encode()

    try:
        update_file(where, rewrite)
    except OSError as error:
        raise NitrodeckError(
            f"cannot write the settings: {error.strerror}",
            where=str(error.filename or where),
            fix="check the directory's owner and mode",
        ) from error


def with_theme(config: AppConfig, theme: str) -> AppConfig:
    return replace(config, theme=theme)
