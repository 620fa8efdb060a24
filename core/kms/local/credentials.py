"""The local KMS's own credentials, and the shared-credentials file that points clients at them.

Created on first start under `nitrodeck_home()/kms/credentials` (0600) as profile
`nitrodeck-local`, so `AWS_SHARED_CREDENTIALS_FILE=… AWS_PROFILE=nitrodeck-local` makes boto3 and
the AWS CLI sign requests the server accepts. They map to one IAM-style principal.
"""

from __future__ import annotations

import base64
import configparser
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from core.errors import NitrodeckError
from core.home import nitrodeck_home, write_private_file

PROFILE = "nitrodeck-local"
ACCOUNT_ID = "111122223333"
PRINCIPAL_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/nitrodeck-local"
REGION = "us-east-1"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    principal: str = PRINCIPAL_ARN


def kms_dir() -> Path:
    return nitrodeck_home() / "kms"


def credentials_path() -> Path:
    return kms_dir() / "credentials"


def _new() -> Credentials:
    key_id = "AKIA" + base64.b32encode(os.urandom(10)).decode()[:16]
    return Credentials(key_id, secrets.token_urlsafe(30)[:40])


def load_or_create(path: Path | None = None) -> Credentials:
    """The credentials in `path` (default under the home), creating them on first use."""
    path = path or credentials_path()
    if not path.exists():
        creds = _new()
        text = (
            f"[{PROFILE}]\n"
            f"aws_access_key_id = {creds.access_key_id}\n"
            f"aws_secret_access_key = {creds.secret_access_key}\n"
        )
        write_private_file(path, text.encode())
        return creds
    parser = configparser.ConfigParser()
    parser.read(path)
    try:
        section = parser[PROFILE]
        return Credentials(section["aws_access_key_id"], section["aws_secret_access_key"])
    except KeyError:
        raise NitrodeckError(
            f"profile {PROFILE} with both keys is missing",
            where=str(path),
            fix=f"delete {path} and start `nitrodeck kms serve` again to recreate it",
        ) from None
