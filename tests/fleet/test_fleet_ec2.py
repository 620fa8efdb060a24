"""EC2 members: DescribeInstances against a loopback fake of the EC2 query API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from core.errors import NitrodeckError
from core.fleet.ec2 import ec2_members

RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
 <requestId>r-test</requestId>
 <reservationSet><item><reservationId>r-1</reservationId><instancesSet>
  <item><instanceId>i-0bbb</instanceId><tagSet>
   <item><key>Name</key><value>web</value></item></tagSet></item>
  <item><instanceId>i-0aaa</instanceId><tagSet>
   <item><key>Name</key><value>web</value></item></tagSet></item>
  <item><instanceId>i-0ccc</instanceId></item>
 </instancesSet></item></reservationSet>
</DescribeInstancesResponse>"""


class FakeEc2(BaseHTTPRequestHandler):
    requests: list[dict[str, list[str]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        FakeEc2.requests.append(parse_qs(body))
        payload = (
            RESPONSE
            if FakeEc2.status == 200
            else "<Response><Errors><Error><Code>UnauthorizedOperation</Code>"
            "<Message>no</Message></Error></Errors><RequestID>x</RequestID></Response>"
        ).encode()
        self.send_response(FakeEc2.status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_ec2(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIDTEST",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)
    FakeEc2.requests, FakeEc2.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeEc2)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_running_enclave_instances_with_the_tags_become_ssh_members(fake_ec2: str) -> None:
    members = ec2_members(
        {"role": "web"}, region="eu-west-1", endpoint_url=fake_ec2, ssh_user="ec2-user"
    )
    assert [(m.name, m.host) for m in members] == [
        ("web/i-0aaa", "ssh://ec2-user@i-0aaa"),
        ("web/i-0bbb", "ssh://ec2-user@i-0bbb"),
        ("i-0ccc", "ssh://ec2-user@i-0ccc"),
    ]
    sent = FakeEc2.requests[0]
    assert sent["Action"] == ["DescribeInstances"]
    filters = {sent[f"Filter.{n}.Name"][0]: sent[f"Filter.{n}.Value.1"][0] for n in range(1, 4)}
    assert filters == {
        "enclave-options.enabled": "true",
        "instance-state-name": "running",
        "tag:role": "web",
    }


def test_a_refusal_says_which_permission_is_missing(fake_ec2: str) -> None:
    FakeEc2.status = 403
    with pytest.raises(NitrodeckError) as caught:
        ec2_members({}, region="eu-west-1", endpoint_url=fake_ec2)
    assert "UnauthorizedOperation" in str(caught.value)
    assert "ec2:DescribeInstances" in str(caught.value.fix)
