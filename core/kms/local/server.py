"""The local KMS's HTTP side: AWS JSON 1.1 on loopback, SigV4-checked, in KMS's error shapes.

`LocalKms` runs in-process (tests, the app: `start()` on port 0, `.endpoint`, `.close()`) or in
the foreground (`serve_forever()`, what `nitrodeck kms serve` does). The transport (timeouts,
connection bound, one event loop and a few workers) is `core.kms.local.http`; this module turns
a complete request into KMS's answer.
"""

from __future__ import annotations

import ipaddress
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.home import Home
from core.kms.attested import AttestationRecipientVerifier, RecipientVerifier
from core.kms.local import model, ops_create, ops_crypto, ops_keys, sigv4
from core.kms.local.credentials import (
    ADMIN_PROFILE,
    PROFILE,
    REGION,
    Credentials,
    load_keyring,
)
from core.kms.local.errors import KmsError
from core.kms.local.http import HttpLimits, HttpRequest, HttpResponse, HttpServer
from core.kms.local.last_usage import TRACKED, LastUsage
from core.kms.local.log import clean_line
from core.kms.local.operations import MORE_OPERATIONS, Operation, unsupported_operation
from core.kms.local.service import Service
from core.kms.local.store import KmsStore
from core.kms.local.validation import validate

OPERATIONS: dict[str, Operation] = {
    "CreateKey": ops_create.create_key,
    "DescribeKey": ops_keys.describe_key,
    "ListKeys": ops_keys.list_keys,
    "CreateAlias": ops_keys.create_alias,
    "ListAliases": ops_keys.list_aliases,
    "GetKeyPolicy": ops_keys.get_key_policy,
    "PutKeyPolicy": ops_keys.put_key_policy,
    "Encrypt": ops_crypto.encrypt,
    "Decrypt": ops_crypto.decrypt,
    "GenerateDataKey": ops_crypto.generate_data_key,
    "GenerateRandom": ops_crypto.generate_random,
    **MORE_OPERATIONS,
}
TARGET_PREFIX = "TrentService."
SWITCH_INTERVAL = 0.0005  # seconds
CONTENT_TYPE = "application/x-amz-json-1.1"


def require_loopback(host: str) -> None:
    """Refuse to listen anywhere but loopback: the local KMS has one shared credential."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise NitrodeckError(
            f"the local KMS listens on loopback only, not {host!r}",
            where="--host",
            fix="use 127.0.0.1 (or ::1); reach it from elsewhere through an SSH tunnel",
        )


def _response(
    status: int, body: dict[str, Any], code: str | None = None, request_id: str | None = None
) -> HttpResponse:
    headers = [
        ("Content-Type", CONTENT_TYPE),
        ("x-amzn-RequestId", request_id or str(uuid.uuid4())),
    ]
    if code:
        headers.append(("x-amzn-ErrorType", code))
    return HttpResponse(status, tuple(headers), json.dumps(body).encode())


def _error(error: KmsError) -> HttpResponse:
    return _response(error.status, error.body(), error.code)


def reject(status: int, message: str) -> HttpResponse:
    """A request the transport could not frame (HTTP `status`), in KMS's 400 error shape."""
    code = "ValidationException" if status == 413 else "SerializationException"
    return _error(KmsError(code, message))


class Dispatcher:
    """One complete request in, one response out: SigV4, the operation, KMS's error shapes."""

    def __init__(
        self, service: Service, keyring: list[Credentials], log: Callable[[str], None] | None
    ) -> None:
        self.service = service
        self.keyring = keyring
        self.log = log

    def __call__(self, request: HttpRequest) -> HttpResponse:
        operation = request.headers.get("x-amz-target", "?").removeprefix(TARGET_PREFIX)
        request_id = str(uuid.uuid4())
        try:
            response = _response(200, self._handle(request, request_id), request_id=request_id)
        except KmsError as error:
            response = _error(error)
        except NitrodeckError as error:
            response = _error(KmsError("ValidationException", str(error)))
        except Exception as error:  # a bug: answer like KMS's 500, never with request data
            if self.log:
                self.log(f"{operation[:40]!r}: internal error {type(error).__name__}")
            response = _error(KmsError("KMSInternalException", type(error).__name__, status=500))
        if self.log:
            code = dict(response.headers).get("x-amzn-ErrorType")
            self.log(f"{operation[:60]} {response.status}{' ' + code if code else ''}")
        return response

    def _handle(self, request: HttpRequest, request_id: str) -> dict[str, Any]:
        if request.method != "POST":
            raise KmsError("UnknownOperationException", f"method {request.method[:10]!r}")
        path, _, query = request.target.partition("?")
        signer = sigv4.verify(
            self.keyring,
            method="POST",
            path=path,
            query=query,
            headers=request.headers,
            body=request.body,
        )
        target = request.headers.get("x-amz-target", "")
        name = target.removeprefix(TARGET_PREFIX)
        if not target.startswith(TARGET_PREFIX) or name not in model.operation_names():
            raise KmsError("UnknownOperationException", f"unknown operation {target[:80]!r}")
        try:
            body = json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise KmsError("SerializationException", "the request body is not JSON") from None
        if not isinstance(body, dict):
            raise KmsError("SerializationException", "the request body must be a JSON object")
        validate(name, body)
        operation = OPERATIONS.get(name)
        if operation is None:
            raise unsupported_operation(name)
        service = replace(self.service, region=sigv4.scope_region(request.headers))
        answer = operation(service, body, signer.principal)
        if name in TRACKED and service.last_usage is not None:
            for field in ("KeyId", "SourceKeyId"):
                if isinstance(answer.get(field), str):
                    key_id = answer[field].rsplit("/", 1)[-1]
                    service.last_usage.note(key_id, name, request_id)
        return answer


class LocalKms:
    """The local KMS of `home`: a store under `directory` (default: the home's `kms/`) and an
    HTTP server on loopback; it trusts the AWS root and the root of `home`'s simulator."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        home: Home,
        directory: Path | None = None,
        verifier: RecipientVerifier | None = None,
        anchors: list[Path] | None = None,
        max_document_age: timedelta | None = None,
        region: str = REGION,
        log: Callable[[str], None] | None = None,
        limits: HttpLimits | None = None,
    ) -> None:
        require_loopback(host)
        directory = directory or home.kms_dir
        self.credentials_path = directory / "credentials"
        keyring = load_keyring(self.credentials_path)
        self.credentials = keyring[PROFILE]
        self.admin_credentials = keyring[ADMIN_PROFILE]
        self.region = region
        self._store = KmsStore(directory)
        self._last_usage = LastUsage(self._store)
        service = Service(
            self._store,
            verifier or AttestationRecipientVerifier(home, anchors or [], max_document_age),
            region,
            self._last_usage,
        )
        dispatch = Dispatcher(service, list(keyring.values()), log)
        try:
            self._server = HttpServer(host, port, dispatch, reject, limits=limits, log=log)
        except OSError as error:
            self._store.close()
            raise NitrodeckError(
                f"cannot listen on {host}:{port}: {error.strerror}",
                where="--port",
                fix="choose a free port, or --port 0 for any",
            ) from None
        self._closed = False

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def open_connections(self) -> int:
        return self._server.open_connections

    def start(self) -> LocalKms:
        """Serve in a background thread (for tests and the app)."""
        self._server.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted.

        In its own process the server hands the GIL over more often than Python's 5 ms default:
        a worker checking a document's signature must not keep the connection loop from
        reading the next request for that long."""
        sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            self._server.serve_forever()
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._server.shutdown()
            self._last_usage.flush()
            self._store.close()

    def __enter__(self) -> LocalKms:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def stderr_log(line: str) -> None:
    """The foreground log: one cleaned line per call (client text cannot forge lines)."""
    print(clean_line(line), file=sys.stderr, flush=True)
