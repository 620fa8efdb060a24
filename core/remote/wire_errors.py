"""Errors across the wire: a fixed table of kinds, each with typed fields.

Callers catch specific classes (an `AgentError` is retried while an agent boots, a
`NitroCliError` keeps its E-number as the exit status), so a remote call's error must come back
as its class. The wire names only a kind from `KINDS` and plain fields; this side imports
nothing the far end names and sets no attribute it picked. Any other kind, or a field of the
wrong type, comes back as one `RemoteError` showing the text.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import NitrodeckError
from core.remote.errors import RemoteError
from core.remote.untrusted import clean_text

_COMMON = ("where", "fix", "detail")


@dataclass(frozen=True)
class Kind:
    """One error class the wire may name: where it lives and its extra typed fields."""

    module: str
    name: str
    fields: Mapping[str, type] = field(default_factory=dict)

    def load(self) -> type[NitrodeckError]:
        cls = getattr(importlib.import_module(self.module), self.name)
        assert isinstance(cls, type) and issubclass(cls, NitrodeckError)
        return cls


_EIF = {"offset": int}
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("core.errors", "NitrodeckError"),
        Kind("core.errors", "UsageError"),
        Kind("core.errors", "PolicyError"),
        Kind("core.platform.base", "AllocatorError"),
        Kind("core.nitro_errors", "NitroCliError", {"cli_code": int}),
        Kind("core.nitro_errors", "EnclaveProcessError", {"cli_code": int, "root_code": int}),
        Kind("core.platform.nitro.vsock", "VsockUnavailable"),
        Kind("core.attestation.errors", "AttestationError"),
        Kind("core.agent.client", "AgentError", {"agent_code": str}),
        Kind("core.eif.errors", "EifError", _EIF),
        Kind("core.eif.errors", "EifFileError", _EIF),
        Kind("core.eif.errors", "EifBuildError", _EIF),
        Kind("core.eif.errors", "SignatureCheckError", _EIF),
        Kind("core.eif.errors", "EifSigningError", _EIF),
        Kind("core.eif.errors", "DockerPullError", _EIF),
        Kind("core.eif.errors", "DockerBuildError", _EIF),
        Kind("core.input_files", "InputFileError"),
        Kind("core.remote.errors", "RemoteError"),
    )
}


def _kind_of(error: NitrodeckError) -> Kind:
    """The table's entry for the nearest class of `error` it lists (at worst the base)."""
    for cls in type(error).__mro__:
        kind = KINDS.get(cls.__name__)
        if kind is not None and kind.module == cls.__module__:
            return kind
    return KINDS["NitrodeckError"]


def _wire_value(value: Any) -> Any:
    return int(value) if isinstance(value, int) else value  # IntEnum members as numbers


def error_fields(error: NitrodeckError) -> list[Any]:
    """[kind, message, fields]: what the far end needs to raise the same error."""
    kind = _kind_of(error)
    names = (*_COMMON, *kind.fields)
    fields = {n: _wire_value(getattr(error, n, None)) for n in names}
    return [kind.name, error.what, fields]


def _typed(fields: object, kind: Kind) -> dict[str, Any] | None:
    """The fields with their declared types (text cleaned), or None when one is wrong."""
    if not isinstance(fields, Mapping):
        return None
    wanted: dict[str, type] = {n: str for n in _COMMON} | dict(kind.fields)
    typed: dict[str, Any] = {}
    for name, kind_type in wanted.items():
        value = fields.get(name)
        if value is None:
            typed[name] = None
        elif type(value) is not kind_type:  # bool is an int: `type`, not isinstance
            return None
        else:
            typed[name] = clean_text(value) if isinstance(value, str) else value
    return typed


def rebuild_error(kind_name: object, what: object, fields: object) -> NitrodeckError:
    """The error the far end raised, from the table; anything else one generic `RemoteError`."""
    text = clean_text(what if isinstance(what, str) else repr(what))
    kind = KINDS.get(kind_name) if isinstance(kind_name, str) else None
    typed = _typed(fields, kind) if kind is not None else None
    attributes = _attributes(kind, typed) if kind is not None and typed is not None else None
    if kind is None or typed is None or attributes is None:
        return _generic(kind_name, text, fields)
    cls = kind.load()
    error = cls.__new__(cls)
    NitrodeckError.__init__(
        error, text, where=typed["where"], fix=typed["fix"], detail=typed["detail"]
    )
    for name, value in attributes.items():
        setattr(error, name, value)
    _relink(error)
    return error


def _relink(error: NitrodeckError) -> None:
    """An E39 that carried the enclave process's error gets that error back (its code; its text
    is in the detail), so the root cause and its exit status are the same here as there."""
    from core.nitro_errors import EnclaveProcessError, NitroCliCode, NitroCliError

    code = getattr(error, "root_code", None)
    if isinstance(error, EnclaveProcessError) and code in set(NitroCliCode):
        error.inner = NitroCliError(int(code), detail=error.detail, fix=error.fix)


def _attributes(kind: Kind, typed: dict[str, Any]) -> dict[str, Any] | None:
    """The class's own attributes from the typed fields; None when one is out of range."""
    attributes = {name: typed[name] for name in kind.fields}
    if "cli_code" not in kind.fields:
        return attributes
    from core.nitro_errors import NitroCliCode, code_name

    try:
        code = NitroCliCode(typed["cli_code"])
    except (TypeError, ValueError):  # missing, or not one of nitro-cli's E-numbers
        return None
    return attributes | {"cli_code": code, "code": code_name(code), "exit_code": int(code)}


def _generic(kind_name: object, text: str, fields: object) -> RemoteError:
    known = fields if isinstance(fields, Mapping) else {}
    where, fix = known.get("where"), known.get("fix")
    return RemoteError(
        text,
        where=clean_text(where) if isinstance(where, str) else None,
        fix=clean_text(fix) if isinstance(fix, str) else None,
        detail=f"the remote sent an error this side does not rebuild (an unknown kind or "
        f"malformed fields): "
        f"{clean_text(repr(kind_name), 200)}",
    )
