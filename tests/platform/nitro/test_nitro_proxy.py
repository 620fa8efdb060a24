"""vsock-proxy's allowlist, as shipped (flow style) and hand-written (block style)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st
from nitro_fixtures import HostState

from core.platform.nitro.proxy import (
    AllowEntry,
    kms_endpoint,
    kms_warning,
    parse_allowlist,
    read_proxy_config,
)
from core.platform.nitro.sysfs import SysRoot

SHIPPED = """allowlist:
- {address: kms.us-east-1.amazonaws.com, port: 443}
- {address: kms-fips.us-east-1.amazonaws.com, port: 443}
"""

BLOCK = """# ours
allowlist:
  - address: "kms.eu-west-1.amazonaws.com"
    port: 443
  - address: 10.0.0.5  # a database
    port: 5432
other: true
"""


def test_shipped_and_block_styles() -> None:
    entries, problem = parse_allowlist(SHIPPED)
    assert problem is None and entries[1] == AllowEntry("kms-fips.us-east-1.amazonaws.com", 443)
    entries, problem = parse_allowlist(BLOCK)
    assert problem is None
    assert entries == (AllowEntry("kms.eu-west-1.amazonaws.com", 443), AllowEntry("10.0.0.5", 5432))
    assert parse_allowlist("proxies: []\n") == ((), "No allowlist field")
    assert parse_allowlist("allowlist:\n- {address: x, port: https}\n")[1] == "Bad yaml format"


def test_kms_warning_names_the_missing_endpoint(make_root: Callable[..., SysRoot]) -> None:
    root = make_root("m5.2xlarge", HostState(region="us-east-1"))
    config = read_proxy_config(root)
    assert kms_warning(config, "us-east-1") is None
    warning = kms_warning(config, "eu-central-1")
    assert warning is not None and "kms.eu-central-1.amazonaws.com:443" in warning
    assert kms_endpoint("cn-north-1") == "kms.cn-north-1.amazonaws.com.cn"
    root.path("etc/nitro_enclaves/vsock-proxy.yaml").unlink()
    assert "Could not open the file" in (kms_warning(read_proxy_config(root), "us-east-1") or "")


HOSTS = st.from_regex(r"[a-z0-9][a-z0-9.-]{0,40}", fullmatch=True)


@given(entries=st.lists(st.tuples(HOSTS, st.integers(1, 65535)), max_size=8), flow=st.booleans())
def test_allowlists_read_back_in_either_style(entries: list[tuple[str, int]], flow: bool) -> None:
    if flow:
        body = "".join(f"- {{address: {a}, port: {p}}}\n" for a, p in entries)
    else:
        body = "".join(f"  - address: {a}\n    port: {p}\n" for a, p in entries)
    parsed, problem = parse_allowlist("allowlist:\n" + body)
    assert problem is None
    assert parsed == tuple(AllowEntry(a, p) for a, p in entries)
