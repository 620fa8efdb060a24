"""Every request checked against botocore's KMS model, answered in AWS's ValidationException form.

AWS reports all constraint failures of a request at once: `2 validation errors detected: Value
null at 'keyId' failed to satisfy constraint: Member must not be null; Value '0' at 'limit' …`.
Paths are member names in lower camel case, list members `tags.1.member.tagKey`; blob and
sensitive values are not echoed (`Value at 'plaintext'`). A value of the wrong JSON type is a
SerializationException, as AWS's JSON protocol answers it. Operations re-check what the model
cannot say (AWS's documented narrower ranges, cross-member rules).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from core.kms.local import model
from core.kms.local.errors import KmsError

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "blob": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "timestamp": (int, float, str),
    "structure": (dict,),
    "list": (list,),
    "map": (dict,),
}


def camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def message(errors: list[str]) -> str:
    count = len(errors)
    head = f"{count} validation error{'s' if count != 1 else ''} detected: "
    return head + "; ".join(errors)


def failure(value: str | None, path: str, constraint: str, *, hidden: bool = False) -> str:
    """One failure in AWS's words; blob and sensitive values are not echoed."""
    shown = "Value null" if value is None else ("Value" if hidden else f"Value '{value}'")
    return f"{shown} at '{path}' failed to satisfy constraint: {constraint}"


@functools.cache
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text, re.ASCII)
    except re.error:
        return None  # a Java-only construct: the operation checks what matters


def _length(shape: dict[str, Any], size: int) -> str | None:
    if "min" in shape and size < shape["min"]:
        return f"Member must have length greater than or equal to {shape['min']}"
    if "max" in shape and size > shape["max"]:
        return f"Member must have length less than or equal to {shape['max']}"
    return None


def _decoded_size(value: str, path: str) -> int:
    """The length base64 `value` decodes to, counted without decoding (the operation decodes
    the blobs it uses, strictly); an impossible length is a SerializationException."""
    if len(value) % 4:
        raise KmsError("SerializationException", f"{path}: not valid base64")
    return len(value) // 4 * 3 - (len(value) - len(value.rstrip("=")))


def _scalar(shape: dict[str, Any], value: Any, path: str) -> list[str]:
    """The constraint texts a string, blob or number breaks (without the `Value … at` head)."""
    kind = shape["type"]
    if kind == "blob":
        broken = _length(shape, _decoded_size(value, path))
        return [broken] if broken else []
    if kind in ("integer", "long"):
        if "min" in shape and value < shape["min"]:
            return [f"Member must have value greater than or equal to {shape['min']}"]
        if "max" in shape and value > shape["max"]:
            return [f"Member must have value less than or equal to {shape['max']}"]
        return []
    if kind != "string":
        return []
    out = []
    if "enum" in shape and value not in shape["enum"]:
        out.append(f"Member must satisfy enum value set: [{', '.join(shape['enum'])}]")
    broken = _length(shape, len(value))
    if broken:
        out.append(broken)
    pattern = _pattern(shape["pattern"]) if "pattern" in shape else None
    if pattern is not None and pattern.fullmatch(value) is None:
        out.append(f"Member must satisfy regular expression pattern: {shape['pattern']}")
    return out


class _Walker:
    """Walks one request body over its input shape, collecting AWS-form failures."""

    def __init__(self) -> None:
        self.shapes = model.shapes()
        self.errors: list[str] = []

    def shape(self, ref: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = self.shapes[ref["shape"]]
        return found

    def check_type(self, shape: dict[str, Any], value: Any, path: str) -> None:
        kind = shape["type"]
        wanted = _JSON_TYPES.get(kind, (object,))
        wrong = not isinstance(value, wanted) or (
            kind in ("integer", "long") and isinstance(value, bool)
        )
        if wrong:
            raise KmsError(
                "SerializationException",
                f"{path}: expected a JSON {kind}, got {type(value).__name__}",
            )

    def walk(self, shape: dict[str, Any], value: Any, path: str) -> None:
        self.check_type(shape, value, path)
        kind = shape["type"]
        if kind == "structure":
            self.structure(shape, value, path)
        elif kind == "list":
            self.sequence(shape, value, path)
        elif kind == "map":
            self.mapping(shape, value, path)
        else:
            hidden = kind == "blob" or bool(shape.get("sensitive"))
            for constraint in _scalar(shape, value, path):
                self.errors.append(failure(str(value), path, constraint, hidden=hidden))

    def structure(self, shape: dict[str, Any], value: dict[str, Any], path: str) -> None:
        prefix = f"{path}." if path else ""
        required = set(shape.get("required", ()))
        for name, ref in shape.get("members", {}).items():
            where = prefix + camel(name)
            if value.get(name) is None:
                if name in required:
                    self.errors.append(failure(None, where, "Member must not be null"))
                continue
            self.walk(self.shape(ref), value[name], where)

    def sequence(self, shape: dict[str, Any], value: list[Any], path: str) -> None:
        member = self.shape(shape["member"])
        inner: list[str] = []
        for index, item in enumerate(value, start=1):
            if member["type"] in ("structure", "list", "map"):
                self.walk(member, item, f"{path}.{index}.member")
                continue
            self.check_type(member, item, f"{path}.{index}.member")
            inner.extend(c for c in _scalar(member, item, path) if c not in inner)
        if inner:
            joined = ", ".join(str(v) for v in value)
            constraint = f"Member must satisfy constraint: [{', '.join(inner)}]"
            self.errors.append(failure(f"[{joined}]", path, constraint))
        broken = _length(shape, len(value))
        if broken:
            self.errors.append(failure(f"[{', '.join(str(v) for v in value)}]", path, broken))

    def mapping(self, shape: dict[str, Any], value: dict[str, Any], path: str) -> None:
        key_shape, value_shape = self.shape(shape["key"]), self.shape(shape["value"])
        for key, item in value.items():
            self.check_type(key_shape, key, path)
            self.check_type(value_shape, item, f"{path}.{key}")
            for constraint in _scalar(key_shape, key, path):
                self.errors.append(
                    failure(str(value), path, f"Map keys must satisfy constraint: [{constraint}]")
                )
            for constraint in _scalar(value_shape, item, path):
                self.errors.append(
                    failure(str(value), path, f"Map value must satisfy constraint: [{constraint}]")
                )
        broken = _length(shape, len(value))
        if broken:
            self.errors.append(failure(str(value), path, broken))


def validate(operation: str, body: dict[str, Any]) -> None:
    """Raise ValidationException (all failures, AWS's text) if `body` breaks the model."""
    shape = model.input_shape(operation)
    if shape is None:
        raise KmsError("UnknownOperationException", f"unknown operation {operation[:60]!r}")
    walker = _Walker()
    walker.walk(shape, body, "")
    if walker.errors:
        raise KmsError("ValidationException", message(walker.errors))
