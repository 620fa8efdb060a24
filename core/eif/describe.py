"""`describe-eif` in nitro-cli's JSON shape, plus a readable summary for people.

The JSON is nitro-cli's byte for byte (keys, order, nothing extra), so scripts and diffs
against `nitro-cli describe-eif` hold. What nitrodeck knows beyond it goes in the readable
summary only: nitro-cli discovers an expired or not-yet-valid signing certificate only at launch
(E59, relayed as E36/E39), so `describe_text` warns about it up front.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.eif.reader import EifInfo
from core.home import display_path

# core.eif.signature (X.509, COSE) is imported where a signature is shown: unsigned images
# are described without loading it.

_BUILD_KEYS = ("BuildTime", "BuildTool", "BuildToolVersion", "OperatingSystem", "KernelVersion")


def describe_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """nitro-cli's flattened `Metadata`: build info, DockerInfo, then the custom keys."""
    build = metadata.get("BuildMetadata") or {}
    shaped = {key: build[key] for key in _BUILD_KEYS if key in build}
    shaped["DockerInfo"] = metadata.get("DockerInfo")
    custom = metadata.get("CustomMetadata")
    if isinstance(custom, dict):
        shaped.update(custom)
    return shaped


def describe_json(info: EifInfo) -> dict[str, Any]:
    """The `describe-eif` object for `info`, exactly as nitro-cli prints it."""
    shaped: dict[str, Any] = {
        "EifVersion": info.version,
        "Measurements": info.measurements.to_json(),
        "IsSigned": info.is_signed,
    }
    if info.signing_certificate is not None:
        from core.eif.signature import certificate_info

        shaped["SigningCertificate"] = certificate_info(info.signing_certificate)
    shaped["CheckCRC"] = info.crc_ok
    if info.is_signed:
        shaped["SignatureCheck"] = bool(info.signature_ok)
    if info.metadata:
        shaped["ImageName"] = info.metadata.get("ImageName")
        shaped["ImageVersion"] = info.metadata.get("ImageVersion")
        shaped["Metadata"] = describe_metadata(info.metadata)
    return shaped


def _size(size: int) -> str:
    """1536 -> "1.5 KiB"; bytes below 1 KiB, GiB at most."""
    if size < 1024:
        return f"{size} B"
    exponent = min(3, (size.bit_length() - 1) // 10)
    return f"{size / 1024**exponent:.1f} {('KiB', 'MiB', 'GiB')[exponent - 1]}"


def _signature_line(info: EifInfo, at: datetime) -> str:
    signature = info.signature
    if signature is None:
        return "not signed (no PCR8)"
    from core.eif.signature import ALGORITHM_NAMES, validity_problem

    subject = signature.certificate.subject.rfc4514_string() or "(empty subject)"
    algorithm = ALGORITHM_NAMES[signature.cose.algorithm]
    verdict = "verifies" if info.signature_ok else "DOES NOT VERIFY against PCR0"
    line = f"{algorithm} by {subject}: {verdict}"
    problem = validity_problem(signature.certificate, at)
    if problem:
        line += f"\n              WARNING: {problem}; run-enclave will fail (E59, shown as E36/E39)"
    return line


def describe_text(info: EifInfo, at: datetime | None = None) -> str:
    """A readable summary: identity, integrity, signature, PCRs and the section table."""
    moment = at or datetime.now(UTC)
    meta = info.metadata
    build = meta.get("BuildMetadata") or {}
    crc = (
        "ok"
        if info.crc_ok
        else (f"MISMATCH (header 0x{info.stored_crc:08x}, computed 0x{info.computed_crc or 0:08x})")
    )
    lines = [
        f"{display_path(info.path)}: EIF v{info.version}, {info.arch}, {_size(info.size)}, "
        f"{len(info.sections)} sections",
    ]
    if meta:
        lines.append(f"  Image       {meta.get('ImageName')} version {meta.get('ImageVersion')}")
        lines.append(
            f"  Built       {build.get('BuildTime')} by {build.get('BuildTool')} "
            f"{build.get('BuildToolVersion')} (kernel {build.get('OperatingSystem')} "
            f"{build.get('KernelVersion')})"
        )
    lines.append(f"  CRC-32      {crc}")
    lines.append(f"  Signature   {_signature_line(info, moment)}")
    for name, value in info.measurements.to_json().items():
        if name != "HashAlgorithm":
            lines.append(f"  {name:<11} {value}")
    lines.append("  Sections    #  type        header    data      size")
    for section in info.sections:
        lines.append(
            f"              {section.index:<2} {section.name:<11} {section.header_offset:<9} "
            f"{section.data_offset:<9} {section.size}"
        )
    return "\n".join(lines)
