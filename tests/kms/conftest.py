"""Fixtures of the KMS tests (helpers live in `kms_fixtures`, a name no other area uses)."""

from __future__ import annotations

from kms_fixtures import local_kms

__all__ = ["local_kms"]
