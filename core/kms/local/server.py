"""The local KMS's HTTP side: AWS JSON 1.1 on loopback, SigV4-checked, in KMS's error shapes.

`LocalKms` runs in-process (tests, the app: `start()` on port 0, `.endpoint`, `.close()`) or in
the foreground (`serve_forever()`, what `nitrodeck kms serve` does).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.kms.attested import AttestationRecipientVerifier, RecipientVerifier
from core.kms.local import ops_crypto, ops_keys, sigv4
from core.kms.local.credentials import REGION, Credentials, kms_dir
from core.kms.local.credentials import load_or_create as load_credentials
from core.kms.local.errors import KmsError
from core.kms.local.operations import MORE_OPERATIONS, Operation
from core.kms.local.service import Service
from core.kms.local.store import KmsStore

OPERATIONS: dict[str, Operation] = {
    "CreateKey": ops_keys.create_key,
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
MAX_BODY = 1 << 20
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


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.log:
            self.server.log(format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request from `_send` instead (operation, status, error code)."""

    def _send(self, status: int, body: dict[str, Any], code: str | None = None) -> None:
        if self.server.log:
            operation = self.headers.get("X-Amz-Target", "?").removeprefix(TARGET_PREFIX)
            self.server.log(f"{operation} {status}{' ' + code if code else ''}")
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if code:
            self.send_header("x-amzn-ErrorType", code)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        try:
            self._send(200, self._handle())
        except KmsError as error:
            self._send(error.status, error.body(), error.code)
        except NitrodeckError as error:
            failure = KmsError("ValidationException", str(error))
            self._send(failure.status, failure.body(), failure.code)
        except Exception as error:  # a bug: answer like KMS's 500, never with request data
            self.log_message("internal error: %s", type(error).__name__)
            failure = KmsError("KMSInternalException", type(error).__name__, status=500)
            self._send(failure.status, failure.body(), failure.code)

    def _handle(self) -> dict[str, Any]:
        length_text = self.headers.get("Content-Length") or "0"
        if not length_text.isdigit() or int(length_text) > MAX_BODY:
            self.close_connection = True  # the body is not read: the stream is out of step
            raise KmsError("ValidationException", f"Content-Length must be 0..{MAX_BODY} bytes")
        length = int(length_text)
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        path, _, query = self.path.partition("?")
        sigv4.verify(
            self.server.credentials,
            method="POST",
            path=path,
            query=query,
            headers=headers,
            body=body,
        )
        target = headers.get("x-amz-target", "")
        operation = OPERATIONS.get(target.removeprefix(TARGET_PREFIX))
        if not target.startswith(TARGET_PREFIX) or operation is None:
            raise KmsError("UnknownOperationException", f"unknown operation {target!r}")
        try:
            request = json.loads(body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise KmsError("SerializationException", "the request body is not JSON") from None
        if not isinstance(request, dict):
            raise KmsError("SerializationException", "the request body must be a JSON object")
        return operation(self.server.service, request, self.server.credentials.principal)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    service: Service
    credentials: Credentials
    log: Callable[[str], None] | None


class _Server6(_Server):
    address_family = socket.AF_INET6


class LocalKms:
    """The local KMS: a store under `directory` and an HTTP server on loopback."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        directory: Path | None = None,
        verifier: RecipientVerifier | None = None,
        anchors: list[Path] | None = None,
        max_document_age: timedelta | None = None,
        region: str = REGION,
        log: Callable[[str], None] | None = None,
    ) -> None:
        require_loopback(host)
        directory = directory or kms_dir()
        self.credentials_path = directory / "credentials"
        self.credentials = load_credentials(self.credentials_path)
        self.region = region
        self._store = KmsStore(directory)
        try:
            server_class = _Server6 if ":" in host else _Server
            self._server = server_class((host, port), _Handler)
        except OSError as error:
            self._store.close()
            raise NitrodeckError(
                f"cannot listen on {host}:{port}: {error.strerror}",
                where="--port",
                fix="choose a free port, or --port 0 for any",
            ) from None
        self._server.service = Service(
            self._store,
            verifier or AttestationRecipientVerifier(anchors or [], max_document_age),
            region,
        )
        self._server.credentials = self.credentials
        self._server.log = log
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def start(self) -> LocalKms:
        """Serve in a background thread (for tests and the app)."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self._server.serve_forever()
        finally:
            self.close()

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        if not self._closed:
            self._closed = True
            self._server.server_close()
            self._store.close()

    def __enter__(self) -> LocalKms:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def stderr_log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
