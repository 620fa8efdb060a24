"""`nitrodeck vsock-proxy`: vsock-proxy's allowlist and whether this region's KMS is on it.

An enclave reaches KMS only through vsock-proxy, which exits at start-up when its remote address
is not in `/etc/nitro_enclaves/vsock-proxy.yaml`; this shows the list and says so before that.
"""

from __future__ import annotations

import argparse
from typing import Any

from core.platform.nitro.allocator import service_state
from core.platform.nitro.proxy import (
    KMS_PORT,
    PROXY_SERVICE,
    kms_endpoint,
    kms_warning,
    read_proxy_config,
)
from core.platform.nitro.sysfs import SysRoot
from tui.cli.enclaves import platform_of
from tui.cli.output import print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "vsock-proxy", help="vsock-proxy's allowlist and whether this region's KMS is allowed"
    )
    parser.add_argument("--region", help="the region whose KMS endpoint to check (default: ours)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=cmd_proxy)


def cmd_proxy(args: argparse.Namespace) -> int:
    region = args.region or platform_of(args).host_info().region
    config = read_proxy_config(SysRoot())
    warning = kms_warning(config, region)
    if args.json:
        print_json(
            {
                "Config": config.path,
                "Service": service_state(PROXY_SERVICE),
                "Allowlist": [{"address": e.address, "port": e.port} for e in config.entries],
                "Problem": config.problem,
                "Region": region,
                "KmsEndpoint": f"{kms_endpoint(region)}:{KMS_PORT}",
                "Warning": warning,
            }
        )
        return 1 if warning else 0
    print(f"{config.path} ({PROXY_SERVICE}: {service_state(PROXY_SERVICE)})")
    for entry in config.entries:
        print(f"  allow {entry.address}:{entry.port}")
    if warning:
        print(f"warning: {warning}")
        print(
            f"  fix: add '- {{address: {kms_endpoint(region)}, port: {KMS_PORT}}}' under "
            "allowlist:, then sudo systemctl restart " + PROXY_SERVICE
        )
        return 1
    print(f"ok: {kms_endpoint(region)}:{KMS_PORT} is allowed")
    return 0
