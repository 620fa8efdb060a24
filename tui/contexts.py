"""Contexts: named targets kept in the settings file, as k9s and docker keep theirs.

    "contexts": {"prod-a": {"host": "ssh://ec2-user@10.0.0.5", "remote_command": "nitrodeck"},
                 "lab": {"home": "~/sims/lab"},
                 "sim-b": {"host": "ssh://10.0.0.7", "trust": "sha256:3f…"}},
    "current_context": "prod-a"

`local` always exists and means this machine. The choice for one command follows docker's
order: --host, --context, $NITRODECK_HOST, $NITRODECK_CONTEXT, the saved current context.
A context's `trust` is the operator's root for its enclaves (`core.platform.trust`): it lives
here, on the operator's machine, never on the host it verifies.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError, UsageError
from core.home import Home
from core.remote.ssh import parse_ssh_url
from core.remote.target import Target
from tui.config import config_path, read_settings, update_config_file

LOCAL = "local"
_FIELDS = ("host", "home", "remote_command", "platform", "profile", "trust")


def load_contexts(path: Path | None = None) -> dict[str, Target]:
    """Every context by name, `local` first; a malformed entry is an error naming it."""
    where = str(path or config_path())
    found: dict[str, Target] = {LOCAL: Target(name=LOCAL)}
    entries = read_settings(path).get("contexts", {})
    if not isinstance(entries, dict):
        raise NitrodeckError('"contexts" must be an object', where=where, fix=_EXAMPLE)
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(f), str | type(None)) for f in _FIELDS
        ):
            raise NitrodeckError(
                f"context {name!r} must map {', '.join(_FIELDS)} to strings",
                where=where,
                fix=_EXAMPLE,
            )
        found[name] = Target(name=name, **{f: entry.get(f) for f in _FIELDS})
    return found


_EXAMPLE = 'e.g. "contexts": {"prod": {"host": "ssh://ec2-user@10.0.0.5"}}'


def current_context_name(path: Path | None = None) -> str:
    name = os.environ.get("NITRODECK_CONTEXT") or read_settings(path).get("current_context")
    return name if isinstance(name, str) and name else LOCAL


def get_context(name: str, path: Path | None = None) -> Target:
    contexts = load_contexts(path)
    if name not in contexts:
        raise UsageError(
            f"no context named {name!r} (known: {', '.join(contexts)})",
            where="--context",
            fix="add it with `nitrodeck ctx add NAME --host ssh://…` or pick a listed one",
        )
    return contexts[name]


def resolve_target(host: str | None, context: str | None) -> Target | None:
    """The target for this process in docker's order; None means this machine."""
    if host:
        parse_ssh_url(host)
        return Target(name=host, host=host)
    if context:
        return get_context(context)
    env_host = os.environ.get("NITRODECK_HOST")
    if env_host:
        parse_ssh_url(env_host)
        return Target(name=env_host, host=env_host)
    return get_context(current_context_name())


def home_contexts(own_home: Home) -> dict[str, Target]:
    """The homes the app can switch into besides the saved contexts: every started lab's
    (`lab:NAME`) and the tour's (`tour`), all under `own_home`; never saved in the settings."""
    from core.labs.runner import LabRunner
    from core.tour import tour_home

    found = {
        f"lab:{status.lab.name}": Target(
            name=f"lab:{status.lab.name}", home=str(status.env.home), platform="sim"
        )
        for status in LabRunner(own_home).overview()
        if status.prepared
    }
    tour = tour_home(own_home)
    if tour.path.is_dir():
        found[tour.label] = Target(name=tour.label, home=str(tour.path), platform="sim")
    return found


def save_context(target: Target, path: Path | None = None) -> None:
    if target.name == LOCAL:
        raise UsageError("`local` is built in and cannot be redefined", where="ctx add")
    if target.host:
        parse_ssh_url(target.host)
    entry = {f: getattr(target, f) for f in _FIELDS if getattr(target, f) is not None}

    def change(data: dict[str, Any]) -> None:
        contexts = data.get("contexts")
        data["contexts"] = {**(contexts if isinstance(contexts, dict) else {}), target.name: entry}

    update_config_file(change, path)


def remove_context(name: str, path: Path | None = None) -> None:
    get_context(name, path)

    def change(data: dict[str, Any]) -> None:
        data.get("contexts", {}).pop(name, None)
        if data.get("current_context") == name:
            data.pop("current_context")

    update_config_file(change, path)


def use_context(name: str, path: Path | None = None) -> Target:
    target = get_context(name, path)

    def change(data: dict[str, Any]) -> None:
        data["current_context"] = name

    update_config_file(change, path)
    return target
