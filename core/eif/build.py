"""Build an EIF the way `nitro-cli build-enclave` lays it out, reproducibly.

Sections: kernel, cmdline, metadata, bootstrap ramdisk (`dev/`, `init`, `nsm.ko`), customer
ramdisk (`rootfs/…`, `cmd`, `env`). Ramdisks are gzip cpio like linuxkit's, written to a work
directory beside the output and streamed into the image. Every timestamp (cpio mtimes and
BuildTime) comes from `SOURCE_DATE_EPOCH` (0 when unset), so the same inputs give the same bytes.

The metadata keeps nitro-cli's keys; `BuildTool` is "nitrodeck" and `BuildToolVersion` its
version, so an image always tells which tool made it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import core
from core.eif.blobs import Blobs, find_blobs
from core.eif.cpio import CpioEntry
from core.eif.errors import DockerBuildError, DockerPullError, EifBuildError
from core.eif.format import SectionType
from core.eif.image import Image, load_image
from core.eif.measure import Measurements
from core.eif.ramdisk import write_ramdisk
from core.eif.rootfs import customer_entries, walk_rootfs
from core.eif.writer import Section, whole_file, write_eif

BUILD_TOOL = "nitrodeck"
_DOCKER_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}


def build_tool_version() -> str:
    return core.__version__


def source_date_epoch() -> int:
    """`$SOURCE_DATE_EPOCH` as an int (0 when unset), the clamp for every timestamp."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise EifBuildError(
            f"SOURCE_DATE_EPOCH={raw!r} is not a non-negative integer",
            fix="set it to seconds since 1970, e.g. $(git log -1 --format=%ct)",
        )
    return int(raw)


def rfc3339_nanos(epoch: int) -> str:
    """BuildTime as chrono writes it: `2024-01-01T00:00:00.000000000+00:00`."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000000000+00:00")


def metadata_json(
    name: str,
    version: str,
    blobs: Blobs,
    epoch: int,
    docker_info: dict[str, Any],
    custom: dict[str, Any] | None = None,
) -> bytes:
    """The metadata section: compact JSON with nitro-cli's keys in its order (docs/eif.md §5)."""
    operating_system, kernel_version = blobs.kernel_identity()
    document = {
        "ImageName": name,
        "ImageVersion": version,
        "BuildMetadata": {
            "BuildTime": rfc3339_nanos(epoch),
            "BuildTool": BUILD_TOOL,
            "BuildToolVersion": build_tool_version(),
            "OperatingSystem": operating_system,
            "KernelVersion": kernel_version,
        },
        "DockerInfo": docker_info,
        "CustomMetadata": custom,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def bootstrap_entries(blobs: Blobs, epoch: int) -> list[CpioEntry]:
    """The first ramdisk: `dev/`, `init` and `nsm.ko` (modes as nitro-cli's template)."""
    return [
        CpioEntry.directory("dev", mtime=epoch),
        CpioEntry.file("init", blobs.init.read_bytes(), 0o755, epoch),
        CpioEntry.file("nsm.ko", blobs.nsm.read_bytes(), 0o755, epoch),
    ]


def merge_env(base: list[str], overrides: list[str]) -> list[str]:
    """Image env with `--env K=V` applied: same key replaced in place, new keys appended."""
    merged = {item.partition("=")[0]: item for item in base}
    for item in overrides:
        key, sep, _ = item.partition("=")
        if not sep or not key:
            raise EifBuildError(
                f"--env {item!r} is not KEY=VALUE", fix="write e.g. --env PORT=8000"
            )
        merged[key] = item
    return list(merged.values())


def docker_save(uri: str, target: Path) -> None:
    """`docker save URI`; E50 (nitro-cli's pull error) when there is no daemon or no image."""
    docker = _docker()
    saved = subprocess.run(
        [docker, "save", uri, "-o", str(target)], capture_output=True, text=True, check=False
    )
    if saved.returncode != 0:
        raise DockerPullError(
            f"`docker save {uri}` failed: {saved.stderr.strip()}",
            fix="pull or build the image first (docker pull / docker build)",
        )


def docker_build(uri: str, directory: Path) -> None:
    """`docker build -t URI DIR` (nitro-cli's `--docker-dir`); E49 when it fails."""
    docker = _docker()
    built = subprocess.run(
        [docker, "build", "-t", uri, str(directory)], capture_output=True, text=True, check=False
    )
    if built.returncode != 0:
        raise DockerBuildError(
            f"`docker build -t {uri} {directory}` failed: {built.stderr.strip()[-1000:]}",
            fix="fix the Dockerfile (run the same docker build by hand to see why)",
        )


def _docker() -> str:
    """The `docker` program, once its daemon has answered; else E50 saying why."""
    docker = shutil.which("docker")
    if docker is None:
        raise DockerPullError(
            "--docker-uri needs Docker, and no `docker` command is installed",
            fix="use --image-tar with an archive made by `docker save`, or --rootfs DIR",
        )
    probe = subprocess.run(
        [docker, "version", "--format", "{{.Server.Version}}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if probe.returncode != 0:
        raise DockerPullError(
            f"no Docker daemon answered ({probe.stderr.strip() or 'docker version failed'})",
            fix="start Docker, or use --image-tar / --rootfs instead",
        )
    return docker


def _check_arch(image: Image, blobs: Blobs) -> None:
    wanted = _DOCKER_ARCH.get(image.architecture)
    if wanted is not None and wanted != blobs.arch:
        raise EifBuildError(
            f"the image is {image.architecture} but the kernel blob is {blobs.arch}",
            fix="build with blobs for the image's architecture (--blobs)",
        )


@dataclass
class _Source:
    """What the customer ramdisk is made of, and the identity the metadata records."""

    tree: list[CpioEntry]
    cmd: list[str]
    env: list[str]
    name: str
    version: str
    docker_info: dict[str, Any] = field(default_factory=dict)


def _from_rootfs(rootfs: Path, work: Path, output: Path, epoch: int) -> _Source:
    """A rootfs directory; the build's own files are left out if they lie inside it."""
    tree = list(walk_rootfs(rootfs, epoch, exclude={work, output}))
    return _Source(tree, [], [], rootfs.resolve().name, "1.0")


def _from_image(
    image_tar: Path | None, docker_uri: str | None, work: Path, kit: Blobs, epoch: int
) -> _Source:
    """A `docker save`/OCI archive, or a local Docker image saved into one first."""
    if docker_uri is not None:
        image_tar = work / "image.tar"
        docker_save(docker_uri, image_tar)
    assert image_tar is not None
    image = load_image(image_tar, work, epoch)
    _check_arch(image, kit)
    named = docker_uri or (image.repo_tags[0] if image.repo_tags else "image")
    return _Source(
        image.entries,
        image.command(),
        image.env(),
        named.split(":")[0],
        image.image_id.removeprefix("sha256:"),
        image.docker_info(),
    )


def build_eif(
    *,
    output: Path,
    rootfs: Path | None = None,
    image_tar: Path | None = None,
    docker_uri: str | None = None,
    blobs: Path | None = None,
    name: str | None = None,
    version: str | None = None,
    cmd: list[str] | None = None,
    env: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    custom_metadata: dict[str, Any] | None = None,
) -> tuple[Measurements, Path]:
    """Build an image from exactly one of `rootfs`, `image_tar`, `docker_uri`.

    `cmd` (argv) replaces the image's Entrypoint+Cmd; `env` entries (K=V) override or extend
    its Env. Defaults: name = rootfs directory name / first repo tag / URI before `:`;
    version = the image ID without `sha256:`, or "1.0" for a rootfs. `custom_metadata` (a JSON
    object, nitro-cli's `--metadata` file) is recorded as the image's custom metadata.
    """
    sources = [source for source in (rootfs, image_tar, docker_uri) if source is not None]
    if len(sources) != 1:
        raise EifBuildError("give exactly one of --rootfs, --image-tar, --docker-uri")
    merge_env([], env or [])  # a malformed --env is reported first, whatever else is missing
    say = progress or (lambda _message: None)
    output = Path(output).resolve()
    kit = find_blobs(blobs)
    if kit.simulated:
        say("No nitro-cli blobs found: using nitrodeck's simulator stand-ins (simulator only).")
    epoch = source_date_epoch()
    say("Start building the Enclave Image...")
    try:
        work = Path(tempfile.mkdtemp(prefix=".nitrodeck-build-", dir=output.parent))
    except OSError as error:
        raise EifBuildError(
            f"cannot write in {output.parent}: {error.strerror}",
            fix="create the output directory first, or choose a writable --output",
        ) from error
    try:
        if rootfs is not None:
            source = _from_rootfs(Path(rootfs), work, output, epoch)
        else:
            source = _from_image(
                Path(image_tar) if image_tar else None, docker_uri, work, kit, epoch
            )
        command = cmd if cmd is not None else source.cmd
        if not command:
            raise EifBuildError("the image has no command to run", fix='pass --cmd "PROGRAM ARGS"')
        environment = merge_env(source.env, env or [])
        identity = metadata_json(
            name or source.name,
            version or source.version,
            kit,
            epoch,
            source.docker_info,
            custom_metadata,
        )
        write_ramdisk(work / "bootstrap.cpio.gz", bootstrap_entries(kit, epoch))
        customer = customer_entries(source.tree, command, environment, epoch)
        write_ramdisk(work / "customer.cpio.gz", customer)
        sections = [
            Section(SectionType.KERNEL, whole_file(kit.kernel)),
            Section(SectionType.CMDLINE, kit.cmdline_text()),
            Section(SectionType.METADATA, identity),
            Section(SectionType.RAMDISK, whole_file(work / "bootstrap.cpio.gz")),
            Section(SectionType.RAMDISK, whole_file(work / "customer.cpio.gz")),
        ]
        measurements = write_eif(output, sections, flags=kit.flags)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say("Enclave Image successfully created.")
    return measurements, output
