"""A fake IMDSv2 on 127.0.0.1: session tokens, the identity document, the role, and failures."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core.platform.nitro.imds import ImdsClient

IDENTITY = {
    "accountId": "123456789012",
    "architecture": "x86_64",
    "instanceId": "i-0abc1234def567890",
    "instanceType": "m5.2xlarge",
    "region": "eu-west-1",
}


class FakeImds:
    """IMDSv2 on 127.0.0.1: tokens, identity, role; `mode` switches the failure under test."""

    TOKEN = "fake-token-AQAEA"

    def __init__(self) -> None:
        self.mode = "ok"  # ok | hop-limit | no-role | no-token-api
        self.requests: list[tuple[str, str, str | None]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, body: str = "") -> None:
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self) -> None:
                ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
                fake.requests.append(("PUT", self.path, ttl))
                if fake.mode == "hop-limit":
                    time.sleep(0.6)  # the reply is dropped at the hop limit: the client times out
                    return
                if fake.mode == "no-token-api" or self.path != "/latest/api/token" or not ttl:
                    self._send(403 if fake.mode == "no-token-api" else 400)
                    return
                self._send(200, fake.TOKEN)

            def do_GET(self) -> None:
                token = self.headers.get("X-aws-ec2-metadata-token")
                fake.requests.append(("GET", self.path, token))
                if token != fake.TOKEN:
                    self._send(401)
                elif self.path == "/latest/dynamic/instance-identity/document":
                    self._send(200, json.dumps(IDENTITY))
                elif self.path == "/latest/meta-data/iam/security-credentials/":
                    if fake.mode == "no-role":
                        self._send(404)
                    else:
                        self._send(200, "nitrodeck-parent-role")
                else:
                    self._send(404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def client(self, timeout: float = 0.3) -> ImdsClient:
        return ImdsClient(self.url, timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
