"""Names and fixed times shared by the attestation tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DOCUMENTS = (
    "evervault_prod_2022-10-13.cose",
    "evervault_debug_2022-10-12.cose",
    "evervault_debug_2023-09-18.cose",
    "eternis_debug_2024-09-09.cose",
    "base_prod_2024-11-30.cose",
    "base_prod_indefinite_2026-01-03.cose",
)
# A fixed "now" after every vector's chain expired, so "fails now" tests stay deterministic.
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def at_ms(milliseconds: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=milliseconds)
