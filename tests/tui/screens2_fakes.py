"""Deterministic stand-ins for the attestation and KMS snapshots (shared with the screenshots:
`core.kms.frozen`)."""

from __future__ import annotations

from core.kms.frozen import KEYS, PCR0, FixedKms, FixedPlatform, fixed_enclaves

__all__ = ["KEYS", "PCR0", "FixedKms", "FixedPlatform", "fixed_enclaves"]
