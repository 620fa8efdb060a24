"""The EIF engine: read, validate, measure, build, sign, diff and unpack enclave image files.

Everything streams: a multi-gigabyte image is never read into memory. Formats follow
`docs/eif.md` byte for byte; every defect in an image is an `EifError` naming the offset.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.eif.build import build_eif
    from core.eif.describe import describe_json, describe_text
    from core.eif.diff import diff_eifs
    from core.eif.diff_report import EifDiff
    from core.eif.errors import EifBuildError, EifError, EifSigningError, SignatureCheckError
    from core.eif.extract import extract_ramdisks, read_cmd_env
    from core.eif.measure import Measurements, pcr8_of_certificate, pcr_of_bytes, pcr_of_file
    from core.eif.reader import EifInfo, SectionInfo, measure_eif, read_eif, validate_eif
    from core.eif.sign import check_signature, sign_eif

# Names load on first use (PEP 562): `nitrodeck eif describe` must not pay for the builder's,
# signer's and differ's imports before it starts hashing a gigabyte.
_LAZY = {
    "EifBuildError": "core.eif.errors",
    "EifDiff": "core.eif.diff_report",
    "EifError": "core.eif.errors",
    "EifInfo": "core.eif.reader",
    "EifSigningError": "core.eif.errors",
    "Measurements": "core.eif.measure",
    "SectionInfo": "core.eif.reader",
    "SignatureCheckError": "core.eif.errors",
    "build_eif": "core.eif.build",
    "check_signature": "core.eif.sign",
    "describe_json": "core.eif.describe",
    "describe_text": "core.eif.describe",
    "diff_eifs": "core.eif.diff",
    "extract_ramdisks": "core.eif.extract",
    "measure_eif": "core.eif.reader",
    "pcr8_of_certificate": "core.eif.measure",
    "pcr_of_bytes": "core.eif.measure",
    "pcr_of_file": "core.eif.measure",
    "read_cmd_env": "core.eif.extract",
    "read_eif": "core.eif.reader",
    "sign_eif": "core.eif.sign",
    "validate_eif": "core.eif.reader",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'core.eif' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "EifBuildError",
    "EifDiff",
    "EifError",
    "EifInfo",
    "EifSigningError",
    "Measurements",
    "SectionInfo",
    "SignatureCheckError",
    "build_eif",
    "check_signature",
    "describe_json",
    "describe_text",
    "diff_eifs",
    "extract_ramdisks",
    "measure_eif",
    "pcr8_of_certificate",
    "pcr_of_bytes",
    "pcr_of_file",
    "read_cmd_env",
    "read_eif",
    "sign_eif",
    "validate_eif",
]
