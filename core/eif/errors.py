"""Errors about enclave image files, each naming the byte offset where the problem sits.

Exit codes follow nitro-cli's E-numbers so scripts that already branch on them keep working:
E19 (the file cannot be opened), E35 (EIF parsing), E48 (EIF building), E59 (signature
check), E60 (signing).
"""

from __future__ import annotations

from core.errors import NitrodeckError
from core.nitro_errors import NitroCliCode, code_name


class EifError(NitrodeckError):
    """A defect in an EIF (or in what was asked of one); `.offset` is the byte it concerns."""

    exit_code = int(NitroCliCode.EifParsingError)
    code = code_name(NitroCliCode.EifParsingError)

    def __init__(
        self,
        what: str,
        *,
        offset: int | None = None,
        path: object = None,
        where: str | None = None,
        fix: str | None = None,
    ) -> None:
        if where is None and path is not None:
            where = str(path) if offset is None else f"{path} at byte {offset} (0x{offset:x})"
        elif where is None and offset is not None:
            where = f"byte {offset} (0x{offset:x})"
        super().__init__(what, where=where, fix=fix)
        self.offset = offset


class EifFileError(EifError):
    """The image file cannot be opened or read at all: nitro-cli's E19, the code run-enclave
    gives for the same missing file, so `eif describe`, `pool fit` and `run-enclave` agree."""

    exit_code = int(NitroCliCode.FileOperationFailure)
    code = code_name(NitroCliCode.FileOperationFailure)


class EifBuildError(EifError):
    """Building an image failed because of its inputs (nitro-cli's E48)."""

    exit_code = int(NitroCliCode.EifBuildingError)
    code = code_name(NitroCliCode.EifBuildingError)


class DockerPullError(EifBuildError):
    """The Docker image cannot be had: no `docker`, no daemon, or no such image (nitro-cli's E50,
    which `build-enclave` gives when its pull fails)."""

    exit_code = int(NitroCliCode.DockerImagePullError)
    code = code_name(NitroCliCode.DockerImagePullError)


class DockerBuildError(EifBuildError):
    """`docker build` of a `--docker-dir` failed (nitro-cli's E49)."""

    exit_code = int(NitroCliCode.DockerImageBuildError)
    code = code_name(NitroCliCode.DockerImageBuildError)


class SignatureCheckError(EifError):
    """The signature or its certificate does not hold (nitro-cli's E59 at launch)."""

    exit_code = int(NitroCliCode.EIFSignatureCheckerError)
    code = code_name(NitroCliCode.EIFSignatureCheckerError)


class EifSigningError(EifError):
    """The key or certificate given for signing cannot be used (nitro-cli's E60)."""

    exit_code = int(NitroCliCode.EIFSigningError)
    code = code_name(NitroCliCode.EIFSigningError)
