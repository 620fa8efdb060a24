"""Identifiers of a simulated enclave, in the forms real Nitro uses (docs/attestation.md §6).

`module_id` = `i-<17 hex instance id>-enc<16 hex>`, where the 16 hex digits are a 64-bit enclave
id whose first 12 hex digits are the launch time in Unix milliseconds; certificate names and the
leaf serial are derived from them.
"""

from __future__ import annotations

import re
import secrets
import time

from core.errors import NitrodeckError

_INSTANCE_ID = re.compile(r"i-[0-9a-f]{8,17}")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_MODULE_ID = re.compile(r"(i-[0-9a-f]{8,17})-enc([0-9a-f]{16})")


def check_instance_id(instance_id: str) -> str:
    if not _INSTANCE_ID.fullmatch(instance_id):
        raise NitrodeckError(
            f"invalid EC2 instance id {instance_id!r}",
            where="simulated NSM",
            fix="use i- followed by 8 to 17 lowercase hex digits (real ids have 17), e.g. "
            "i-0123456789abcdef0",
        )
    return instance_id


def check_region(region: str) -> str:
    if not _REGION.fullmatch(region):
        raise NitrodeckError(
            f"invalid AWS region {region!r}",
            where="simulated NSM",
            fix="use a region name such as us-east-1 or eu-west-2",
        )
    return region


def new_enclave_uid(launch_time_ms: int | None = None) -> int:
    """A 64-bit enclave id: 48 bits of launch time in Unix ms, then 16 random bits."""
    millis = int(time.time() * 1000) if launch_time_ms is None else launch_time_ms
    return ((millis & (2**48 - 1)) << 16) | secrets.randbits(16)


def module_id(instance_id: str, enclave_uid: int) -> str:
    """`i-…-enc<16 hex>`; the enclave part is zero-padded, as in attestation documents."""
    if not 0 <= enclave_uid < 2**64:
        raise NitrodeckError(
            f"enclave id {enclave_uid} does not fit in 64 bits", where="simulated NSM"
        )
    return f"{check_instance_id(instance_id)}-enc{enclave_uid:016x}"


def parse_module_id(value: str) -> tuple[str, int]:
    """(instance id, enclave uid) of a module id."""
    match = _MODULE_ID.fullmatch(value)
    if not match:
        raise NitrodeckError(
            f"invalid NSM module id {value!r}",
            where="simulated NSM",
            fix="expected i-<instance hex>-enc<16 hex digits>",
        )
    return match.group(1), int(match.group(2), 16)


def launch_time_ms(enclave_uid: int) -> int:
    """The launch time encoded in the first 12 hex digits of the enclave id."""
    return enclave_uid >> 16
