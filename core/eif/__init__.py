"""The EIF engine: read, validate, measure, build, sign, diff and unpack enclave image files.

Everything streams: a multi-gigabyte image is never read into memory. Formats follow
`shared/spec/eif.md` byte for byte; every defect in an image is an `EifError` naming the offset.
"""

from __future__ import annotations

from core.eif.build import build_eif
from core.eif.describe import describe_json, describe_text
from core.eif.diff import EifDiff, diff_eifs
from core.eif.errors import EifBuildError, EifError, EifSigningError, SignatureCheckError
from core.eif.extract import extract_ramdisks, read_cmd_env
from core.eif.measure import Measurements, pcr8_of_certificate, pcr_of_bytes, pcr_of_file
from core.eif.reader import EifInfo, SectionInfo, measure_eif, read_eif, validate_eif
from core.eif.sign import check_signature, sign_eif

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
