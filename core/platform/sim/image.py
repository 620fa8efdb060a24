"""What the simulator needs from an EIF, through the EIF engine (`core.eif`).

Errors are mapped to nitro-cli's: an unreadable file is E19, an unparsable one E35, a bad
signature or a certificate that is not valid now E59.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.nitro_errors import NitroCliCode, NitroCliError

PCR_KEYS = ("PCR0", "PCR1", "PCR2", "PCR8")


@dataclass(frozen=True)
class ImageFacts:
    size: int
    measurements: dict[str, str]
    name: str | None
    version: str | None
    metadata: dict[str, Any] | None
    signed: bool
    crc_ok: bool


def _open_error(path: Path, error: OSError) -> NitroCliError:
    return NitroCliError(
        NitroCliCode.FileOperationFailure,
        detail=f"File: '{path}', failing operation: 'Open'. ({error.strerror})",
        fix="check --eif-path: the file must exist and be readable",
    )


def _inner(error: NitrodeckError) -> str:
    """An inner error as nitro-cli's detail line: where and what, its fix left to the outer
    error (one fix line per error)."""
    return f"{error.where}: {error.what}" if error.where else error.what


def image_facts(path: Path) -> ImageFacts:
    """Size, PCRs and identity of the EIF at `path` (read once, at run-enclave)."""
    from core.eif import EifError, read_eif
    from core.eif.describe import describe_metadata

    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as error:
        raise _open_error(path, error) from error
    try:
        info = read_eif(path)
    except EifError as error:
        raise NitroCliError(
            NitroCliCode.EifParsingError, detail=_inner(error), fix=error.fix or "rebuild the EIF"
        ) from error
    meta = dict(info.metadata or {})
    return ImageFacts(
        size=size,
        measurements=pcr_map(info.measurements),
        name=_str_or_none(meta.get("ImageName")),
        version=_str_or_none(meta.get("ImageVersion")),
        metadata=describe_metadata(meta) if meta else None,
        signed=info.is_signed,
        crc_ok=info.crc_ok,
    )


def verify_image(path: Path) -> None:
    """The enclave process's checks before loading: CRC (E35) and signature (E59)."""
    from core.eif import EifError, check_signature, read_eif

    try:
        info = read_eif(path)
    except OSError as error:
        raise _open_error(path, error) from error
    except EifError as error:
        raise NitroCliError(
            NitroCliCode.EifParsingError, detail=_inner(error), fix=error.fix
        ) from error
    if not info.crc_ok:
        raise NitroCliError(
            NitroCliCode.EifParsingError,
            detail=f"{path}: the EIF's CRC-32 does not match its contents",
            fix="the file is damaged: copy or rebuild it",
        )
    if info.is_signed:
        from datetime import UTC, datetime

        try:
            check_signature(path, datetime.now(UTC))
        except EifError as error:
            raise NitroCliError(
                NitroCliCode.EIFSignatureCheckerError,
                detail=_inner(error),
                fix=error.fix or "sign the EIF again with a currently valid certificate",
            ) from error


def unpack_image(path: Path, dest: Path) -> tuple[list[str], list[str]]:
    """Unpack the ramdisks into `dest` and return the image's (cmd argv, env `K=V` list)."""
    from core.eif import EifError, extract_ramdisks, read_cmd_env

    try:
        extract_ramdisks(path, dest)
        argv, env = read_cmd_env(path)
    except EifError as error:
        raise NitroCliError(
            NitroCliCode.EifParsingError, detail=_inner(error), fix=error.fix
        ) from error
    return list(argv), list(env)


def pcr_map(measurements: Any) -> dict[str, str]:
    """{"PCR0": hex, …} from whatever shape the EIF engine returns (object or mapping)."""
    out: dict[str, str] = {}
    for key in PCR_KEYS:
        value: Any = None
        for name in (key.lower(), key):
            if isinstance(measurements, dict):
                value = measurements.get(name)
            else:
                value = getattr(measurements, name, None)
            if value is not None:
                break
        if value is None:
            continue
        out[key] = value.hex() if isinstance(value, bytes | bytearray) else str(value)
    return out


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
