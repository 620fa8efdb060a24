"""Instance identity from IMDSv2: a session token first (PUT), then GETs carrying it.

Timeouts are 1 s so a missing IMDS costs at most a couple of seconds. The endpoint follows
boto's convention (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, default `http://169.254.169.254/`) and
`AWS_EC2_METADATA_DISABLED=true` turns IMDS off; the test suite points the endpoint at loopback.
A PUT that never answers is what a container behind the default hop limit of 1 sees, so the
message says how to raise it. Callers fall back to what the host itself knows (DMI, env).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass

DEFAULT_ENDPOINT = "http://169.254.169.254/"
TOKEN_PATH = "latest/api/token"
IDENTITY_PATH = "latest/dynamic/instance-identity/document"
ROLE_PATH = "latest/meta-data/iam/security-credentials/"
TOKEN_TTL = "21600"
TIMEOUT = 1.0
HOP_LIMIT_FIX = (
    "from a container, allow a second hop: aws ec2 modify-instance-metadata-options "
    "--instance-id <id> --http-put-response-hop-limit 2 --http-endpoint enabled"
)


class ImdsUnavailable(Exception):
    """IMDS could not be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class Identity:
    """The fields of the instance identity document nitrodeck shows, plus the role ARN."""

    instance_id: str
    instance_type: str
    region: str
    architecture: str
    account_id: str
    role_arn: str | None


def endpoint() -> str:
    base = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT") or DEFAULT_ENDPOINT
    return base if base.endswith("/") else base + "/"


def disabled() -> bool:
    return os.environ.get("AWS_EC2_METADATA_DISABLED", "").strip().lower() == "true"


class ImdsClient:
    """An IMDSv2 session: `get(path)` fetches a token the first time and reuses it."""

    def __init__(self, base: str | None = None, timeout: float = TIMEOUT) -> None:
        self.base = base or endpoint()
        self.timeout = timeout
        self._token: str | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def _open(self, request: urllib.request.Request) -> str:
        with self._opener.open(request, timeout=self.timeout) as reply:
            body: bytes = reply.read()
        return body.decode()

    def token(self) -> str:
        if disabled():
            raise ImdsUnavailable("IMDS is disabled (AWS_EC2_METADATA_DISABLED=true)")
        if self._token is None:
            request = urllib.request.Request(
                self.base + TOKEN_PATH,
                method="PUT",
                headers={"X-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL},
            )
            try:
                self._token = self._open(request)
            except urllib.error.HTTPError as error:
                raise ImdsUnavailable(
                    f"IMDS refused a session token (HTTP {error.code} at {self.base})"
                    + ("; IMDS is turned off for this instance" if error.code == 403 else "")
                ) from error
            except (urllib.error.URLError, OSError) as error:
                reason = _reason(error)
                hint = f"; {HOP_LIMIT_FIX}" if reason == "timed out" else ""
                raise ImdsUnavailable(
                    f"IMDS at {self.base} gave no session token ({reason}){hint}"
                ) from error
        return self._token

    def get(self, path: str) -> str | None:
        """The text at `path`; None for a 404 (e.g. no instance role)."""
        request = urllib.request.Request(
            self.base + path, headers={"X-aws-ec2-metadata-token": self.token()}
        )
        try:
            return self._open(request)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise ImdsUnavailable(f"IMDS answered HTTP {error.code} for /{path}") from error
        except (urllib.error.URLError, OSError) as error:
            raise ImdsUnavailable(f"IMDS did not answer /{path}: {_reason(error)}") from error

    def identity(self) -> Identity:
        """The identity document and, when the instance has one, its role's ARN."""
        text = self.get(IDENTITY_PATH)
        try:
            doc = json.loads(text or "")
        except ValueError as error:
            raise ImdsUnavailable(f"IMDS's identity document is not JSON: {error}") from error
        account = str(doc.get("accountId", ""))
        role = (self.get(ROLE_PATH) or "").strip().splitlines()
        partition = "aws-cn" if str(doc.get("region", "")).startswith("cn-") else "aws"
        return Identity(
            instance_id=str(doc.get("instanceId", "")),
            instance_type=str(doc.get("instanceType", "")),
            region=str(doc.get("region", "")),
            architecture=str(doc.get("architecture", "")),
            account_id=account,
            role_arn=f"arn:{partition}:iam::{account}:role/{role[0]}" if role else None,
        )


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    return "timed out" if "timed out" in str(reason) else str(reason)
