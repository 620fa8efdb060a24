"""Tags as CreateKey and TagResource take them (the model has checked lengths and presence)."""

from __future__ import annotations

from typing import Any

from core.kms.local.errors import KmsError


def parse_tags(body: dict[str, Any]) -> list[tuple[str, str]]:
    """`Tags` as (key, value) pairs; keys beginning with `aws:` are AWS's (TagException)."""
    out = []
    for tag in body.get("Tags") or []:
        key, value = str(tag["TagKey"]), str(tag["TagValue"])
        if key.startswith("aws:"):
            raise KmsError("TagException", f"Tags beginning with aws: are reserved: {key}")
        out.append((key, value))
    return out
