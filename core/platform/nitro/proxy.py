"""vsock-proxy's allowlist (`/etc/nitro_enclaves/vsock-proxy.yaml`) and whether KMS is on it.

The proxy checks its one remote address against this list at start-up and exits otherwise, so
an enclave whose region's KMS endpoint is missing gets no KMS at all. The file is a top-level
`allowlist:` sequence of `{address, port}` maps; both YAML flow (`- {address: x, port: 443}`,
as shipped) and block style are read. No YAML library is needed for this subset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.platform.nitro.sysfs import VSOCK_PROXY_YAML, SysRoot

PROXY_SERVICE = "nitro-enclaves-vsock-proxy.service"
KMS_PORT = 443
_PAIR = re.compile(r"(\w+)\s*:\s*['\"]?([^,'\"}\s]+)['\"]?")


@dataclass(frozen=True)
class AllowEntry:
    address: str
    port: int


@dataclass(frozen=True)
class ProxyConfig:
    """The allowlist as read; `problem` says why it could not be read (as vsock-proxy would)."""

    path: str
    entries: tuple[AllowEntry, ...]
    problem: str | None = None

    def allows(self, address: str, port: int) -> bool:
        return any(e.address == address and e.port == port for e in self.entries)


def kms_endpoint(region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"kms.{region}.{suffix}"


def parse_allowlist(text: str) -> tuple[tuple[AllowEntry, ...], str | None]:
    """The entries, or the reason vsock-proxy would reject the file."""
    if not re.search(r"^allowlist\s*:", text, re.MULTILINE):
        return (), "No allowlist field"
    body = text.split("allowlist", 1)[1].split(":", 1)[1]
    entries: list[AllowEntry] = []
    current: dict[str, str] = {}
    for raw in body.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw.startswith((" ", "-", "\t")):
            break  # the next top-level key
        if line.lstrip().startswith("-"):
            _flush(current, entries)
            current = {}
        current.update(dict(_PAIR.findall(line.lstrip(" -{"))))
    _flush(current, entries)
    if any(e.port < 0 for e in entries):
        return tuple(e for e in entries if e.port >= 0), "Bad yaml format"
    return tuple(entries), None


def _flush(current: dict[str, str], entries: list[AllowEntry]) -> None:
    if "address" in current:
        port = current.get("port", "")
        entries.append(AllowEntry(current["address"], int(port) if port.isdigit() else -1))


def read_proxy_config(sysroot: SysRoot) -> ProxyConfig:
    shown = sysroot.shown(VSOCK_PROXY_YAML)
    try:
        text = sysroot.path(VSOCK_PROXY_YAML).read_text()
    except OSError as error:
        return ProxyConfig(shown, (), f"Could not open the file ({error.strerror})")
    entries, problem = parse_allowlist(text)
    return ProxyConfig(shown, entries, problem)


def kms_warning(config: ProxyConfig, region: str) -> str | None:
    """Why an enclave in `region` could not reach KMS through the proxy, or None."""
    endpoint = kms_endpoint(region)
    if config.problem:
        return f"{config.path}: {config.problem}; vsock-proxy will not start"
    if not config.allows(endpoint, KMS_PORT):
        return f"{endpoint}:{KMS_PORT} is not in the allowlist of {config.path}"
    return None
