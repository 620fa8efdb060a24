"""botocore's KMS service model, loaded once and only when the server first needs it.

The model is the reference for what each operation takes (required members, lengths, ranges,
enums, patterns) and which operations exist at all; the server checks every request against it
(`validation`) so its ValidationException texts are the ones AWS gives. The CLI never imports
this module at start-up: the model is a few hundred KiB of JSON.
"""

from __future__ import annotations

import functools
from typing import Any

SERVICE = "kms"
API_VERSION = "2014-11-01"


@functools.cache
def service_model() -> dict[str, Any]:
    """The parsed `service-2.json` of KMS from the installed botocore (gzip or plain)."""
    from botocore.loaders import Loader

    model: dict[str, Any] = Loader().load_service_model(SERVICE, "service-2", API_VERSION)
    return model


def shapes() -> dict[str, Any]:
    shape_map: dict[str, Any] = service_model()["shapes"]
    return shape_map


def operation_names() -> list[str]:
    """Every KMS operation the model defines, in the model's order."""
    return list(service_model()["operations"])


def input_shape(operation: str) -> dict[str, Any] | None:
    """The input structure of `operation`, or None for an operation the model lacks."""
    spec = service_model()["operations"].get(operation)
    if spec is None:
        return None
    name = spec.get("input", {}).get("shape")
    return shapes()[name] if name else {"type": "structure", "members": {}}


def takes(operation: str, member: str) -> bool:
    """Whether `operation`'s input has `member` (e.g. DryRun)."""
    shape = input_shape(operation)
    return shape is not None and member in shape.get("members", {})
