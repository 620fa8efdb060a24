"""Read a `docker save` or OCI image archive into a root filesystem tree, layer by layer.

Layers are applied in order with the OCI whiteout rules (`.wh.NAME` deletes NAME, a
`.wh..wh..opq` marker hides everything lower layers put in its directory). Each layer is
unpacked once into an uncompressed tar in a work directory and file contents are later streamed
from there by offset, so no layer is ever held in memory.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import shutil
import stat
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from core.eif.cpio import CpioEntry
from core.eif.errors import EifBuildError
from core.eif.rootfs import clamp
from core.eif.writer import FileRange

MAX_JSON = 64 << 20
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
_TYPE_BITS = {
    tarfile.REGTYPE: stat.S_IFREG,
    tarfile.AREGTYPE: stat.S_IFREG,
    tarfile.CONTTYPE: stat.S_IFREG,
    tarfile.DIRTYPE: stat.S_IFDIR,
    tarfile.SYMTYPE: stat.S_IFLNK,
    tarfile.CHRTYPE: stat.S_IFCHR,
    tarfile.BLKTYPE: stat.S_IFBLK,
    tarfile.FIFOTYPE: stat.S_IFIFO,
}


@dataclass
class Image:
    """A flattened image: its files and the parts of its config a build needs."""

    entries: list[CpioEntry]
    config: dict[str, Any]
    image_id: str
    repo_tags: list[str] = field(default_factory=list)

    @property
    def run_config(self) -> dict[str, Any]:
        value = self.config.get("config") or {}
        return value if isinstance(value, dict) else {}

    def command(self) -> list[str]:
        """What `docker run` would execute: Entrypoint followed by Cmd."""
        entrypoint = self.run_config.get("Entrypoint") or []
        cmd = self.run_config.get("Cmd") or []
        return [str(part) for part in [*entrypoint, *cmd]]

    def env(self) -> list[str]:
        return [str(item) for item in self.run_config.get("Env") or []]

    @property
    def architecture(self) -> str:
        return str(self.config.get("architecture") or "amd64")

    def docker_info(self) -> dict[str, Any]:
        """A `docker inspect`-shaped summary for the metadata's DockerInfo."""
        return {
            "Id": self.image_id,
            "RepoTags": self.repo_tags,
            "Architecture": self.architecture,
            "Os": self.config.get("os", "linux"),
            "Config": self.run_config,
        }


def _clean(name: str, archive: Path) -> str:
    path = posixpath.normpath("/" + name).lstrip("/")
    if ".." in name.split("/"):
        raise EifBuildError(f"layer member {name!r} escapes the root", path=archive)
    return "" if path == "." else path


class _Archive:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by load_image
            self.members = {_clean(m.name, path): m for m in self.tar.getmembers()}
        except (OSError, tarfile.TarError, EOFError, zlib.error) as error:
            raise EifBuildError(
                f"not a readable image archive ({error})",
                path=path,
                fix="create it with `docker save IMAGE -o image.tar`",
            ) from error

    def open(self, name: str) -> IO[bytes]:
        member = self.members.get(_clean(name, self.path))
        handle = self.tar.extractfile(member) if member is not None else None
        if handle is None:
            raise EifBuildError(f"the archive has no file {name!r}", path=self.path)
        return handle

    def json(self, name: str) -> tuple[Any, bytes]:
        raw = self.open(name).read(MAX_JSON + 1)
        if len(raw) > MAX_JSON:
            raise EifBuildError(f"{name} is larger than {MAX_JSON} bytes", path=self.path)
        try:
            return json.loads(raw), raw
        except (ValueError, UnicodeDecodeError) as error:
            raise EifBuildError(f"{name} is not valid JSON ({error})", path=self.path) from error


def _blob(digest: Any) -> str:
    algorithm, _, value = str(digest).partition(":")
    return f"blobs/{algorithm}/{value}"


def _layout(archive: _Archive) -> tuple[str, list[str], list[str]]:
    """(config path, layer paths, repo tags) from manifest.json, else the OCI index.json."""
    if "manifest.json" in archive.members:
        manifest, _ = archive.json("manifest.json")
        if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
            raise EifBuildError("manifest.json is not a list of images", path=archive.path)
        first = manifest[0]
        return (
            str(first.get("Config")),
            [str(x) for x in first.get("Layers") or []],
            list(first.get("RepoTags") or []),
        )
    if "index.json" not in archive.members:
        raise EifBuildError(
            "neither manifest.json (docker save) nor index.json (OCI) found",
            path=archive.path,
            fix="create the archive with `docker save IMAGE -o image.tar`",
        )
    document, _ = archive.json("index.json")
    for _depth in range(4):  # an index may point at a nested (multi-platform) index
        manifests = document.get("manifests") if isinstance(document, dict) else None
        if not manifests:
            break
        document, _ = archive.json(_blob(manifests[0].get("digest")))
    if not isinstance(document, dict) or "config" not in document:
        raise EifBuildError("index.json does not lead to an image manifest", path=archive.path)
    layers = [_blob(layer.get("digest")) for layer in document.get("layers") or []]
    return _blob(document["config"].get("digest")), layers, []


def _unpack_layer(archive: _Archive, name: str, target: Path) -> None:
    source = archive.open(name)
    head = source.read(4)
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        raise EifBuildError(
            f"layer {name} is zstd-compressed, which nitrodeck cannot read",
            path=archive.path,
            fix="save the image with gzip or uncompressed layers (docker save does)",
        )
    with open(target, "wb") as sink:
        if head.startswith(b"\x1f\x8b"):
            inflater = zlib.decompressobj(wbits=31)
            data = head
            while data:
                try:
                    sink.write(inflater.decompress(data))
                except zlib.error as error:
                    raise EifBuildError(f"layer {name} is corrupt ({error})") from error
                data = source.read(1 << 20)
        else:
            sink.write(head)
            shutil.copyfileobj(source, sink, 1 << 20)


def _remove_tree(state: dict[str, CpioEntry], path: str) -> None:
    prefix = path + "/"
    for key in [key for key in state if key == path or key.startswith(prefix)]:
        del state[key]


def _apply_layer(state: dict[str, CpioEntry], layer: Path, epoch: int) -> None:
    try:
        with tarfile.open(layer, "r:") as tar:
            members = tar.getmembers()
    except (tarfile.TarError, OSError) as error:
        raise EifBuildError(f"a layer is not a tar archive ({error})", path=layer) from error
    for member in members:  # whiteouts apply to lower layers, before this layer's files
        path = _clean(member.name, layer)
        parent, base = posixpath.split(path)
        if base == OPAQUE:
            for key in [k for k in state if k.startswith(parent + "/" if parent else "")]:
                del state[key]
        elif base.startswith(WHITEOUT):
            _remove_tree(state, posixpath.join(parent, base[len(WHITEOUT) :]))
    for member in members:
        path = _clean(member.name, layer)
        if not path or posixpath.basename(path).startswith(WHITEOUT):
            continue
        entry = _entry_of(member, path, layer, state, epoch)
        existing = state.get(path)
        if existing is not None and not (stat.S_ISDIR(existing.mode) and member.isdir()):
            _remove_tree(state, path)
        state[path] = entry


def _entry_of(
    member: tarfile.TarInfo, path: str, layer: Path, state: dict[str, CpioEntry], epoch: int
) -> CpioEntry:
    mtime = clamp(member.mtime, epoch)
    if member.islnk():  # a hard link: the same content again (cpio has no cheaper form here)
        target = state.get(_clean(member.linkname, layer))
        if target is None or not stat.S_ISREG(target.mode):
            raise EifBuildError(f"hard link {path} points at missing {member.linkname}")
        return CpioEntry(path, target.mode, mtime, target.source)
    if member.issparse() or member.type not in _TYPE_BITS:
        raise EifBuildError(f"layer member {path} has an unsupported type {member.type!r}")
    mode = _TYPE_BITS[member.type] | (member.mode & 0o7777)
    if member.issym():
        return CpioEntry(path, mode, mtime, member.linkname.encode("utf-8", "surrogateescape"))
    if member.isreg():
        return CpioEntry(path, mode, mtime, FileRange(layer, member.offset_data, member.size))
    return CpioEntry(path, mode, mtime, rdevmajor=member.devmajor, rdevminor=member.devminor)


def _with_parents(state: dict[str, CpioEntry], epoch: int) -> list[CpioEntry]:
    for path in list(state):
        parent = posixpath.dirname(path)
        while parent and parent not in state:
            state[parent] = CpioEntry.directory(parent, mtime=epoch)
            parent = posixpath.dirname(parent)
    return sorted(state.values(), key=lambda entry: entry.path)


def load_image(archive_path: Path, workdir: Path, epoch: int) -> Image:
    """Flatten the archive's first image; layer tars are kept in `workdir` for streaming."""
    archive = _Archive(Path(archive_path))
    with archive.tar:
        config_path, layers, tags = _layout(archive)
        config, raw_config = archive.json(config_path)
        if not isinstance(config, dict):
            raise EifBuildError(f"image config {config_path} is not a JSON object")
        state: dict[str, CpioEntry] = {}
        for number, layer in enumerate(layers):
            unpacked = workdir / f"layer-{number}.tar"
            _unpack_layer(archive, layer, unpacked)
            _apply_layer(state, unpacked, epoch)
    image_id = "sha256:" + hashlib.sha256(raw_config).hexdigest()
    return Image(_with_parents(state, epoch), config, image_id, tags)
