"""Constants shared by the EIF tests (importable, unlike conftest)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.eif.format import SectionType
from core.eif.writer import Section

SYNTHETIC_METADATA = (
    b'{"ImageName":"test","ImageVersion":"1.0","BuildMetadata":{"BuildTime":'
    b'"2024-01-01T00:00:00+00:00","BuildTool":"nitro-cli","BuildToolVersion":"1.5.0",'
    b'"OperatingSystem":"Linux","KernelVersion":"6.1.0"},"DockerInfo":{},"CustomMetadata":null}'
)
SYNTHETIC_SECTIONS = [
    Section(SectionType.KERNEL, b"kernel"),
    Section(SectionType.CMDLINE, b"console=ttyS0"),
    Section(SectionType.METADATA, SYNTHETIC_METADATA),
    Section(SectionType.RAMDISK, b"bootstrap-ramdisk"),
    Section(SectionType.RAMDISK, b"customer-ramdisk"),
]

# `make_rootfs(name, {relative path: text})` -> root directory
RootfsFactory = Callable[..., Path]
# `make_signer(curve, valid_from, valid_until)` -> (certificate PEM path, key PEM path)
SignerFactory = Callable[..., tuple[Path, Path]]
