"""nitro-cli's image commands: build-enclave, describe-eif, pcr, sign-eif (and explain).

Each maps nitrodeck's errors to the code nitro-cli gives at that step: describe-eif fails only
with E35 (its reader wraps even a missing file), pcr's unreadable file is E19 and a bad PEM E57,
sign-eif's failures are all E60, build-enclave's E50 at the pull, E49 at a `--docker-dir` build,
E48 for the rest. The JSON on stdout and the lines on stderr are nitro-cli's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.nitro_errors import NitroCliCode, NitroCliError
from tui.cli.nitro_cli.clap import Values
from tui.cli.output import print_json, progress


def _as(code: NitroCliCode, error: NitrodeckError) -> NitroCliError:
    return NitroCliError(code, detail=error.what, fix=error.fix)


def describe_eif(values: Values) -> int:
    from core.eif.describe import describe_json
    from core.eif.reader import read_eif

    try:
        info = read_eif(Path(str(values["eif-path"])))
    except NitrodeckError as error:
        raise _as(NitroCliCode.EifParsingError, error) from error
    print_json(describe_json(info))
    return 0


def pcr(values: Values) -> int:
    from core.eif.measure import pcr8_of_certificate, pcr_of_file

    certificate = values.get("signing-certificate")
    path = Path(str(certificate if isinstance(certificate, str) else values["input"]))
    if not isinstance(certificate, str):
        try:
            print_json({"PCR": pcr_of_file(path)})
        except NitrodeckError as error:
            raise _as(NitroCliCode.FileOperationFailure, error) from error
        return 0
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise NitroCliError(NitroCliCode.FileOperationFailure, detail=str(error)) from error
    try:
        print_json({"PCR8": pcr8_of_certificate(pem, source=path)})
    except NitrodeckError as error:
        raise _as(NitroCliCode.HasherError, error) from error
    return 0


def sign_eif(values: Values) -> int:
    from core.eif.errors import EifSigningError
    from core.eif.sign import sign_eif as sign

    eif, cert, key = (values.get(k) for k in ("eif-path", "signing-certificate", "private-key"))
    if not isinstance(eif, str):
        raise NitroCliError(NitroCliCode.MissingArgument, detail="`eif-path` argument not found")
    if not (isinstance(cert, str) and isinstance(key, str)):
        raise NitroCliError(NitroCliCode.EIFSigningError, detail="Failed to create EifSigner")
    try:
        measurements = sign(Path(eif), Path(cert), Path(key))
    except NitrodeckError as error:
        if isinstance(error, EifSigningError):
            print(f"Could not read signing info: {error.what}", file=sys.stderr)
        raise _as(NitroCliCode.EIFSigningError, error) from error
    progress("Enclave Image successfully signed.")
    print_json({"Measurements": measurements.to_json()})
    return 0


def build_enclave(values: Values) -> int:
    from core.eif.build import build_eif, docker_build
    from core.eif.errors import DockerBuildError, DockerPullError

    progress("Start building the Enclave Image...")
    output = Path(str(values["output-file"]))
    uri = str(values["docker-uri"])
    try:
        output.open("wb").close()  # nitro-cli creates (truncates) the output before the pull
    except OSError as error:
        raise NitroCliError(
            NitroCliCode.FileOperationFailure,
            detail=f"File: '{output}', failing operation: 'Open'. ({error.strerror})",
        ) from error
    directory, name, version = (
        values.get(k) for k in ("docker-dir", "image_name", "image_version")
    )
    try:
        if isinstance(directory, str):
            docker_build(uri, Path(directory))
        measurements, _ = build_eif(
            output=output,
            docker_uri=uri,
            custom_metadata=_custom_metadata(values.get("metadata")),
            name=name if isinstance(name, str) else None,
            version=version if isinstance(version, str) else None,
        )
        cert, key = values.get("signing-certificate"), values.get("private-key")
        if isinstance(cert, str) and isinstance(key, str):
            from core.eif.sign import sign_eif as sign

            measurements = sign(output, Path(cert), Path(key))
    except DockerPullError as error:
        raise _as(NitroCliCode.DockerImagePullError, error) from error
    except DockerBuildError as error:
        raise _as(NitroCliCode.DockerImageBuildError, error) from error
    except NitrodeckError as error:
        raise _as(NitroCliCode.EifBuildingError, error) from error
    progress("Enclave Image successfully created.")
    print_json({"Measurements": measurements.to_json()})
    return 0


def _custom_metadata(path: object) -> dict[str, Any] | None:
    """`--metadata FILE`: a JSON object kept in the image (E48 when it is not one)."""
    from core.eif.errors import EifBuildError

    if not isinstance(path, str):
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise EifBuildError(f"cannot read the custom metadata: {error}", where=path) from error
    if not isinstance(data, dict):
        raise EifBuildError("the custom metadata is not a JSON object", where=path)
    return data


def explain(values: Values) -> int:
    from tui.cli.nitro_cli.explain_texts import explain_text

    sys.stderr.write(explain_text(str(values["error-code"])))
    return 0
