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


def load_config(path: Path | None = None) -> AppConfig:
    """The saved settings, defaults when the file does not exist yet."""
    where = path or config_path()
    try:
        raw = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AppConfig()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NitrodeckError(
            f"cannot read the settings: {error}",
            where=str(where),
            fix="fix the JSON by hand or delete the file to start from defaults",
        ) from error
    if not isinstance(raw, dict):
        raise NitrodeckError(
            "the settings file must hold a JSON object",
            where=str(where),
            fix='write e.g. {"theme": "nitrodeck"} or delete the file',
        )
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
    """Apply `change` to the file's JSON object and write it back atomically.

    Other keys (contexts, settings of newer versions) are kept as they are.
    """
    where = path or config_path()
    where.parent.mkdir(parents=True, exist_ok=True)
    try:
        existing = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        existing = {}
    data = dict(existing) if isinstance(existing, dict) else {}
    change(data)
    temp = where.with_name(where.name + ".tmp")
    temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, where)


def with_theme(config: AppConfig, theme: str) -> AppConfig:
    return replace(config, theme=theme)
