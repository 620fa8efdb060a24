"""Values on the wire: CBOR, with tags for the `core.platform.base` dataclasses and errors.

Generic on purpose for data: every frozen dataclass of `core.platform.base` (and any module
registered with `register_module`) crosses the wire without per-type code, so adding a field
or a type to the `Platform` protocol needs no change here. Tuples and paths keep their Python
types, so the far end's values compare equal to the near end's. Errors are the exception: they
travel as a kind from `core.remote.wire_errors`' fixed table, never as a class the far end names.
"""

from __future__ import annotations

import dataclasses
import importlib
import types
from collections.abc import Mapping
from enum import Enum
from pathlib import Path, PurePath
from typing import Any

import cbor2

from core.errors import NitrodeckError
from core.remote.untrusted import clean_text
from core.remote.wire_errors import error_fields, rebuild_error

TAG_DATACLASS = 40100
TAG_TUPLE = 40101
TAG_PATH = 40102
TAG_ERROR = 40103
TAG_NAMED_TUPLE = 40104
TAG_ENUM = 40105

_TYPES: dict[str, type] = {}


def register_module(module: types.ModuleType) -> None:
    """Make the dataclasses, named tuples and enums defined in `module` encodable by name."""
    for value in vars(module).values():
        if not isinstance(value, type) or value.__module__ != module.__name__:
            continue
        if dataclasses.is_dataclass(value) or _is_named_tuple(value) or issubclass(value, Enum):
            _TYPES[_name(value)] = value


def _is_named_tuple(cls: type) -> bool:
    return issubclass(cls, tuple) and hasattr(cls, "_fields")


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _registered(value: Any) -> str:
    name = _name(type(value))
    if name not in _TYPES:
        raise TypeError(f"{name} is not registered for the remote protocol")
    return name


def _default(encoder: cbor2.CBOREncoder, value: Any) -> None:
    raise TypeError(f"cannot send a {type(value).__name__} over the remote protocol")


def _prepare(value: Any) -> Any:
    """Tag what CBOR lacks (tuples, paths, dataclasses, errors) so it comes back as itself."""
    if isinstance(value, PurePath):
        return cbor2.CBORTag(TAG_PATH, str(value))
    if isinstance(value, Enum):
        if _name(type(value)) not in _TYPES:  # e.g. an error's code enum: its value will do
            return _prepare(value.value)
        return cbor2.CBORTag(TAG_ENUM, [_name(type(value)), _prepare(value.value)])
    if isinstance(value, tuple) and _is_named_tuple(type(value)):
        return cbor2.CBORTag(TAG_NAMED_TUPLE, [_registered(value), [_prepare(v) for v in value]])
    if isinstance(value, tuple):
        return cbor2.CBORTag(TAG_TUPLE, [_prepare(v) for v in value])
    if isinstance(value, list):
        return [_prepare(v) for v in value]
    if isinstance(value, dict):
        return {k: _prepare(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = _registered(value)
        fields = {f.name: _prepare(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return cbor2.CBORTag(TAG_DATACLASS, [name, fields])
    if isinstance(value, NitrodeckError):
        name, what, attrs = error_fields(value)
        return cbor2.CBORTag(TAG_ERROR, [name, what, _prepare(attrs)])
    if isinstance(value, int) and type(value) is not int and not isinstance(value, bool):
        return int(value)  # IntEnum members travel as their numbers
    return value


def _restore(value: Any, clean: bool) -> Any:
    """Undo `_prepare` after a plain decode (cbor2 6 freezes containers inside tags); with
    `clean`, every string has its control characters escaped (see `core.remote.untrusted`)."""
    if isinstance(value, str):
        return clean_text(value, None) if clean else value
    if isinstance(value, cbor2.CBORTag):
        inner = _restore(value.value, clean)
        if value.tag == TAG_TUPLE:
            return tuple(inner)
        if value.tag == TAG_PATH:
            return Path(inner)
        if value.tag in (TAG_ENUM, TAG_NAMED_TUPLE, TAG_DATACLASS):
            name, fields = inner
            cls = _TYPES.get(name)
            if cls is None:
                raise ValueError(f"unknown type {name!r} in a remote message")
            if value.tag != TAG_DATACLASS:
                return cls(fields) if value.tag == TAG_ENUM else cls(*fields)
            known = {f.name for f in dataclasses.fields(cls)}
            return cls(**{k: v for k, v in fields.items() if k in known})
        if value.tag == TAG_ERROR:
            if not isinstance(inner, list) or len(inner) != 3:
                return rebuild_error(None, repr(inner), None)
            return rebuild_error(*inner)
        raise ValueError(f"unknown CBOR tag {value.tag} in a remote message")
    if isinstance(value, list | tuple):
        return [_restore(v, clean) for v in value]
    if isinstance(value, Mapping):
        return {_restore(k, clean): _restore(v, clean) for k, v in value.items()}
    return value


def dumps(value: Any) -> bytes:
    return cbor2.dumps(_prepare(value), default=_default)


def loads(data: bytes, *, untrusted: bool = False) -> Any:
    """The value `dumps` encoded; `untrusted` (a remote host's answer) escapes control
    characters in every string it holds."""
    return _restore(cbor2.loads(data), untrusted)


def _register_defaults() -> None:
    for name in ("core.platform.base", "core.checks"):
        try:
            register_module(importlib.import_module(name))
        except ImportError:  # pragma: no cover - optional modules
            continue


_register_defaults()
