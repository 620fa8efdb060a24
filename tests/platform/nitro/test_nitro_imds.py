"""IMDSv2 against a fake on loopback: token first, role ARN, 404s, hop limit, disabled, absent."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_imds import FakeImds

from core.home import Home
from core.kms.target import resolve_target
from core.platform.nitro.host import read_identity
from core.platform.nitro.imds import ImdsClient, ImdsUnavailable, endpoint
from core.platform.nitro.platform import NitroPlatform
from core.platform.nitro.sysfs import SysRoot


def test_the_suite_never_points_imds_at_the_link_local_address() -> None:
    assert endpoint().startswith("http://127.0.0.1:")
    assert os.environ["NITRODECK_VSOCK"] == "off"
    assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")


def test_token_first_then_identity_and_role(fake_imds: FakeImds) -> None:
    identity = fake_imds.client().identity()
    assert identity.instance_id == "i-0abc1234def567890" and identity.region == "eu-west-1"
    assert identity.role_arn == "arn:aws:iam::123456789012:role/nitrodeck-parent-role"
    method, path, ttl = fake_imds.requests[0]
    assert (method, path, ttl) == ("PUT", "/latest/api/token", "21600")
    assert all(token == FakeImds.TOKEN for m, _, token in fake_imds.requests if m == "GET")
    assert sum(1 for m, _, _ in fake_imds.requests if m == "PUT") == 1  # the token is reused


def test_no_role_is_a_404_and_no_arn(fake_imds: FakeImds) -> None:
    fake_imds.mode = "no-role"
    assert fake_imds.client().identity().role_arn is None


def test_hop_limit_times_out_in_time_and_says_how_to_fix_it(fake_imds: FakeImds) -> None:
    fake_imds.mode = "hop-limit"
    with pytest.raises(ImdsUnavailable, match=r"timed out.*http-put-response-hop-limit 2"):
        fake_imds.client(timeout=0.2).identity()  # the server answers only after 0.6 s


def test_refused_token_says_imds_is_off(fake_imds: FakeImds) -> None:
    fake_imds.mode = "no-token-api"
    with pytest.raises(ImdsUnavailable, match=r"HTTP 403.*turned off"):
        fake_imds.client().token()


def test_disabled_by_environment(fake_imds: FakeImds, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ImdsUnavailable, match="disabled"):
        fake_imds.client().identity()
    assert fake_imds.requests == []


def test_unreachable_falls_back_to_the_host(
    make_root: Callable[..., SysRoot], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    who = read_identity(make_root(), ImdsClient(timeout=0.2))  # the suite's closed port
    assert who.source == "host" and who.identity.region == "ap-south-1"
    assert who.identity.instance_type == "m5.2xlarge"  # DMI product_name
    assert "IMDS" in (who.note or "")


def test_platform_uses_imds_identity(
    fake_imds: FakeImds, make_root: Callable[..., SysRoot]
) -> None:
    host = NitroPlatform(sysroot=make_root(), imds=fake_imds.client()).host_info()
    assert host.instance_id == "i-0abc1234def567890" and host.region == "eu-west-1"
    assert host.role_arn is not None and host.role_arn.endswith("role/nitrodeck-parent-role")


def test_aws_kms_takes_the_instance_region_when_none_is_configured(
    fake_imds: FakeImds, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert resolve_target(None, local=False, home=Home.resolve()).region == "eu-west-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    # boto3's own chain decides
    assert resolve_target(None, local=False, home=Home.resolve()).region is None
