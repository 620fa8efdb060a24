"""The local KMS's own credentials, and the shared-credentials file that points clients at them.

Created on first start under `<home>/kms/credentials` (0600, written atomically) with
two profiles, each its own IAM-style principal, so that key policies can keep the administrator
apart from the principal that decrypts:
- `nitrodeck-local` (`user/nitrodeck-local`): the parent instance's identity; `kms decrypt`,
  `kms encrypt` and `AWS_PROFILE=nitrodeck-local` sign with it.
- `nitrodeck-admin` (`user/nitrodeck-admin`): the key administrator; `create-demo-key` creates
  keys and sets their policies with it.
"""

from __future__ import annotations

import base64
import configparser
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from core.errors import NitrodeckError
from core.home import Home, file_lock, lock_path, write_private_file

PROFILE = "nitrodeck-local"
ADMIN_PROFILE = "nitrodeck-admin"
ACCOUNT_ID = "111122223333"
PRINCIPAL_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/nitrodeck-local"
ADMIN_PRINCIPAL_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/nitrodeck-admin"
PRINCIPALS = {PROFILE: PRINCIPAL_ARN, ADMIN_PROFILE: ADMIN_PRINCIPAL_ARN}
REGION = "us-east-1"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    principal: str = PRINCIPAL_ARN


def credentials_path(home: Home) -> Path:
    return home.kms_dir / "credentials"


def _new(principal: str) -> Credentials:
    key_id = "AKIA" + base64.b32encode(os.urandom(10)).decode()[:16]
    return Credentials(key_id, secrets.token_urlsafe(30)[:40], principal)


def _read(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(path.read_text())
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError, configparser.Error) as error:
        raise NitrodeckError(
            f"cannot read the local KMS credentials: {error}",
            where=str(path),
            fix=f"delete {path} and start `nitrodeck kms serve` again to recreate it",
        ) from None
    return parser


def load_keyring(path: Path) -> dict[str, Credentials]:
    """Every profile's credentials by profile name, creating the missing ones (atomically)."""
    parser = _read(path)
    if any(not parser.has_section(profile) for profile in PRINCIPALS):
        with file_lock(lock_path(path)):  # two first starts must not write different secrets
            return _complete(path)
    return _ring(path, parser)


def _complete(path: Path) -> dict[str, Credentials]:
    parser = _read(path)  # again, under the lock: another process may have just written it
    changed = False
    for profile, principal in PRINCIPALS.items():
        if not parser.has_section(profile):
            creds = _new(principal)
            parser[profile] = {
                "aws_access_key_id": creds.access_key_id,
                "aws_secret_access_key": creds.secret_access_key,
            }
            changed = True
    if changed:
        text = io.StringIO()
        parser.write(text)
        write_private_file(path, text.getvalue().encode())
    return _ring(path, parser)


def _ring(path: Path, parser: configparser.ConfigParser) -> dict[str, Credentials]:
    ring = {}
    for profile, principal in PRINCIPALS.items():
        section = parser[profile]
        try:
            ring[profile] = Credentials(
                section["aws_access_key_id"], section["aws_secret_access_key"], principal
            )
        except KeyError:
            raise NitrodeckError(
                f"profile {profile} with both keys is missing",
                where=str(path),
                fix=f"delete {path} and start `nitrodeck kms serve` again to recreate it",
            ) from None
    return ring


def load_or_create(path: Path, profile: str = PROFILE) -> Credentials:
    """The credentials of `profile` in `path` (`credentials_path(home)`), created on first use."""
    return load_keyring(path)[profile]
