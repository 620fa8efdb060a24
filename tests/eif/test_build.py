"""Building: layout, round trips, reproducibility, cmd/env files, image archives, blob lookup."""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest
from eif_support import RootfsFactory

from core.eif import (
    EifError,
    build_eif,
    extract_ramdisks,
    measure_eif,
    read_cmd_env,
    read_eif,
)
from core.eif.blobs import SIM_BLOBS
from core.eif.errors import EifBuildError
from core.eif.format import SectionType


def test_layout_follows_nitro_cli(make_rootfs: RootfsFactory, tmp_path: Path) -> None:
    measurements, output = build_eif(
        output=tmp_path / "app.eif",
        rootfs=make_rootfs(),
        name="demo",
        version="2",
        cmd=["/usr/bin/python3", "/app/main.py"],
    )
    info = read_eif(output)
    assert [s.type for s in info.sections] == [
        SectionType.KERNEL,
        SectionType.CMDLINE,
        SectionType.METADATA,
        SectionType.RAMDISK,
        SectionType.RAMDISK,
    ]
    assert info.crc_ok and info.version == 4 and info.flags == 0
    assert info.measurements == measurements == measure_eif(output)
    assert info.metadata["ImageName"] == "demo" and info.metadata["ImageVersion"] == "2"
    build = info.metadata["BuildMetadata"]
    assert build["BuildTool"] == "nitrodeck"
    assert (build["OperatingSystem"], build["KernelVersion"]) == ("Linux", "6.1.0")
    assert build["BuildTime"] == "1970-01-01T00:00:00.000000000+00:00"
    kernel = output.read_bytes()[560 : 560 + info.sections[0].size]
    assert kernel == (SIM_BLOBS / "bzImage").read_bytes()
    assert not info.cmdline.endswith(("\0", "\n"))


def test_unpacked_image_is_what_init_sees(make_rootfs: RootfsFactory, tmp_path: Path) -> None:
    root = make_rootfs(files={"app/main.py": "print(1)\n", "etc/conf": "x"})
    (root / "app" / "main.py").chmod(0o750)
    (root / "bin").mkdir()
    (root / "bin" / "run").symlink_to("../app/main.py")
    _, output = build_eif(
        output=tmp_path / "a.eif",
        rootfs=root,
        cmd=["/bin/sh", "-c", "exec python3 /app/main.py"],
        env=["PORT=8000", "MODE=test"],
    )
    out = tmp_path / "out"
    extract_ramdisks(output, out)
    assert (out / "init").is_file() and (out / "nsm.ko").is_file() and (out / "dev").is_dir()
    assert (out / "rootfs" / "app" / "main.py").read_text() == "print(1)\n"
    assert stat.S_IMODE((out / "rootfs" / "app" / "main.py").stat().st_mode) == 0o750
    assert os.readlink(out / "rootfs" / "bin" / "run") == "../app/main.py"
    for standard in ("dev", "run", "sys", "var", "proc", "tmp"):
        assert (out / "rootfs" / standard).is_dir()
    assert (out / "cmd").read_text() == "/bin/sh\n-c\nexec python3 /app/main.py\n"
    assert (out / "env").read_text() == "PORT=8000\nMODE=test\n"
    assert read_cmd_env(output) == (
        ["/bin/sh", "-c", "exec python3 /app/main.py"],
        ["PORT=8000", "MODE=test"],
    )


def test_two_builds_with_different_mtimes_are_identical(
    make_rootfs: RootfsFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_rootfs()
    first = build_eif(output=tmp_path / "1.eif", rootfs=root, cmd=["/app/main.py"])[1]
    os.utime(root / "app" / "main.py", (1_600_000_000, 1_600_000_000))
    os.utime(root / "app", (1_500_000_000, 1_500_000_000))
    second = build_eif(output=tmp_path / "2.eif", rootfs=root, cmd=["/app/main.py"])[1]
    assert first.read_bytes() == second.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    third = build_eif(output=tmp_path / "3.eif", rootfs=root, cmd=["/app/main.py"])[1]
    metadata = read_eif(third).metadata["BuildMetadata"]
    assert metadata["BuildTime"] == "2023-11-14T22:13:20.000000000+00:00"
    assert third.read_bytes() != first.read_bytes()


def test_bad_source_date_epoch(
    make_rootfs: RootfsFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(EifBuildError, match="SOURCE_DATE_EPOCH"):
        build_eif(output=tmp_path / "x.eif", rootfs=make_rootfs(), cmd=["x"])


def test_a_rootfs_needs_a_command(make_rootfs: RootfsFactory, tmp_path: Path) -> None:
    with pytest.raises(EifBuildError, match="no command"):
        build_eif(output=tmp_path / "x.eif", rootfs=make_rootfs())


def test_env_must_be_key_value(make_rootfs: RootfsFactory, tmp_path: Path) -> None:
    with pytest.raises(EifBuildError, match="KEY=VALUE"):
        build_eif(output=tmp_path / "x.eif", rootfs=make_rootfs(), cmd=["x"], env=["NOPE"])
    # Without --cmd too: the malformed --env is named, not the missing command.
    with pytest.raises(EifBuildError, match="'NOPE' is not KEY=VALUE"):
        build_eif(output=tmp_path / "x.eif", rootfs=make_rootfs(), env=["NOPE"])


def test_explicit_blobs_directory_must_be_complete(
    make_rootfs: RootfsFactory, tmp_path: Path
) -> None:
    blobs = tmp_path / "blobs"
    blobs.mkdir()
    (blobs / "bzImage").write_bytes(b"k")
    with pytest.raises(EifBuildError, match=r"lacks bzImage\.config, cmdline, init, nsm\.ko"):
        build_eif(output=tmp_path / "x.eif", rootfs=make_rootfs(), cmd=["x"], blobs=blobs)


def test_blobs_from_environment_are_used(
    make_rootfs: RootfsFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = tmp_path / "blobs"
    blobs.mkdir()
    for name in ("init", "nsm.ko"):
        (blobs / name).write_bytes(name.encode())
    (blobs / "Image").write_bytes(b"arm64 kernel")
    (blobs / "Image.config").write_text("#\n# x\n# Linux/arm64 4.14.256-209.484 Kernel\n")
    (blobs / "cmdline").write_text("  console=ttyS0  \n")
    monkeypatch.setenv("NITRO_CLI_BLOBS", str(blobs))
    _, output = build_eif(output=tmp_path / "x.eif", rootfs=make_rootfs(), cmd=["x"])
    info = read_eif(output)
    assert info.arch == "aarch64" and info.cmdline == "console=ttyS0"
    assert info.metadata["BuildMetadata"]["KernelVersion"] == "4.14.256"


def test_docker_uri_without_docker_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker binary anywhere
    with pytest.raises(EifBuildError, match="needs Docker") as caught:
        build_eif(output=tmp_path / "x.eif", docker_uri="hello:latest")
    assert "--image-tar" in (caught.value.fix or "")
    assert not list(tmp_path.glob(".nitrodeck-build-*"))


def test_docker_uri_with_a_dead_daemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EifBuildError, match="no Docker daemon answered"):
        build_eif(output=tmp_path / "x.eif", docker_uri="hello:latest")


# --- image archives ---------------------------------------------------------------------


def _layer(entries: list[tuple[str, bytes | None]]) -> bytes:
    """A layer tar: (name, content) for files, (name/, None) for directories."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content in entries:
            info = tarfile.TarInfo(name.rstrip("/"))
            info.mtime = 1_700_000_000
            if content is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(content), 0o644
                tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _docker_save(
    path: Path, layers: list[bytes], config: dict[str, object], gzip_second: bool = False
) -> Path:
    import gzip

    with tarfile.open(path, "w") as tar:
        names = []
        for number, layer in enumerate(layers):
            data = gzip.compress(layer, mtime=0) if gzip_second and number == 1 else layer
            names.append(f"layer{number}/layer.tar")
            _add(tar, names[-1], data)
        _add(tar, "config.json", json.dumps(config).encode())
        manifest = [{"Config": "config.json", "RepoTags": ["shop/app:1.2"], "Layers": names}]
        _add(tar, "manifest.json", json.dumps(manifest).encode())
    return path


CONFIG = {
    "architecture": "amd64",
    "os": "linux",
    "config": {
        "Entrypoint": ["/bin/app"],
        "Cmd": ["--serve"],
        "Env": ["PATH=/usr/bin", "MODE=prod"],
        "WorkingDir": "/srv",
    },
}


def _layers() -> list[bytes]:
    lower = _layer(
        [
            ("bin/", None),
            ("bin/app", b"v1"),
            ("etc/", None),
            ("etc/old.conf", b"old"),
            ("cache/", None),
            ("cache/a", b"a"),
            ("cache/b", b"b"),
        ]
    )
    upper = _layer(
        [
            ("bin/app", b"v2"),
            ("etc/.wh.old.conf", b""),
            ("cache/.wh..wh..opq", b""),
            ("cache/c", b"c"),
            ("srv/data.txt", b"data"),  # no parent dir entry: the builder adds it
        ]
    )
    return [lower, upper]


@pytest.mark.parametrize("gzip_second", [False, True])
def test_image_tar_applies_layers_and_whiteouts(tmp_path: Path, gzip_second: bool) -> None:
    archive = _docker_save(tmp_path / "image.tar", _layers(), CONFIG, gzip_second)
    _, output = build_eif(output=tmp_path / "img.eif", image_tar=archive, env=["MODE=debug"])
    out = tmp_path / "out"
    extract_ramdisks(output, out)
    rootfs = out / "rootfs"
    assert (rootfs / "bin" / "app").read_bytes() == b"v2"
    assert not (rootfs / "etc" / "old.conf").exists() and (rootfs / "etc").is_dir()
    assert sorted(p.name for p in (rootfs / "cache").iterdir()) == ["c"]
    assert (rootfs / "srv" / "data.txt").read_bytes() == b"data"
    assert not list(rootfs.rglob(".wh.*"))
    assert read_cmd_env(output) == (["/bin/app", "--serve"], ["PATH=/usr/bin", "MODE=debug"])
    metadata = read_eif(output).metadata
    assert metadata["ImageName"] == "shop/app"
    assert metadata["DockerInfo"]["Config"]["WorkingDir"] == "/srv"
    assert metadata["ImageVersion"] == metadata["DockerInfo"]["Id"].removeprefix("sha256:")


def test_cmd_overrides_the_image_command(tmp_path: Path) -> None:
    archive = _docker_save(tmp_path / "image.tar", _layers(), CONFIG)
    _, output = build_eif(output=tmp_path / "img.eif", image_tar=archive, cmd=["/bin/app", "-v"])
    assert read_cmd_env(output)[0] == ["/bin/app", "-v"]


def test_oci_layout_archive(tmp_path: Path) -> None:
    import hashlib

    def blob(tar: tarfile.TarFile, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        _add(tar, f"blobs/sha256/{digest}", data)
        return f"sha256:{digest}"

    path = tmp_path / "oci.tar"
    with tarfile.open(path, "w") as tar:
        layers = [blob(tar, layer) for layer in _layers()]
        config = blob(tar, json.dumps(CONFIG).encode())
        manifest = json.dumps(
            {"config": {"digest": config}, "layers": [{"digest": d} for d in layers]}
        ).encode()
        index = {"manifests": [{"digest": blob(tar, manifest)}]}
        _add(tar, "index.json", json.dumps(index).encode())
    _, output = build_eif(output=tmp_path / "oci.eif", image_tar=path, name="oci")
    out = tmp_path / "out"
    extract_ramdisks(output, out)
    assert (out / "rootfs" / "bin" / "app").read_bytes() == b"v2"


def test_image_tar_that_is_not_an_image(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as tar:
        _add(tar, "hello.txt", b"hi")
    with pytest.raises(EifBuildError, match=r"neither manifest\.json"):
        build_eif(output=tmp_path / "x.eif", image_tar=bogus)
    (tmp_path / "garbage.tar").write_bytes(b"not a tar at all" * 100)
    with pytest.raises(EifError, match="not a readable image archive"):
        build_eif(output=tmp_path / "x.eif", image_tar=tmp_path / "garbage.tar")


def test_image_architecture_must_match_the_kernel(tmp_path: Path) -> None:
    config = {**CONFIG, "architecture": "arm64"}
    archive = _docker_save(tmp_path / "image.tar", _layers(), config)
    with pytest.raises(EifBuildError, match="arm64 but the kernel blob is x86_64"):
        build_eif(output=tmp_path / "x.eif", image_tar=archive)


def test_output_inside_the_rootfs_is_left_out(make_rootfs: RootfsFactory, tmp_path: Path) -> None:
    root = make_rootfs()
    first = build_eif(output=root / "out.eif", rootfs=root, cmd=["x"])[1]
    kept = first.read_bytes()
    second = build_eif(output=root / "out.eif", rootfs=root, cmd=["x"])[1]
    assert second.read_bytes() == kept  # neither the old image nor the work dir got in
    out = tmp_path / "unpacked"
    extract_ramdisks(second, out)
    assert sorted(p.name for p in (out / "rootfs").iterdir()) == [
        "app", "dev", "proc", "run", "sys", "tmp", "var",
    ]  # fmt: skip
