"""Pinning a key to an image from the KMS view: prompt, the policy change asked for, applied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from screens2_fakes import FixedPlatform

from core.eif.format import SectionType
from core.eif.reader import measure_eif
from core.eif.writer import Section, write_eif
from core.kms.local.credentials import PRINCIPAL_ARN
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, boto3_client
from tui.engine.kms_access import KmsAccess
from tui.screens.confirm import ConfirmScreen
from tui.screens.kms import KmsScreen

OLD = "ab" * 48
STATEMENTS = [
    {"Effect": "Allow", "Principal": {"AWS": PRINCIPAL_ARN}, "Action": "kms:*", "Resource": "*"},
    {
        "Sid": "Enclave",
        "Effect": "Allow",
        "Principal": {"AWS": PRINCIPAL_ARN},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": OLD}},
    },
]


@pytest.fixture
def server() -> Iterator[LocalKms]:
    with LocalKms() as kms:
        yield kms


def _image(path: Path) -> Path:
    metadata = {"ImageName": "n", "ImageVersion": "2", "BuildMetadata": {}, "DockerInfo": {}}
    sections = [
        Section(SectionType.KERNEL, b"kernel"),
        Section(SectionType.CMDLINE, b"console=ttyS0"),
        Section(SectionType.METADATA, json.dumps(metadata).encode()),
        Section(SectionType.RAMDISK, b"boot"),
        Section(SectionType.RAMDISK, b"app v2"),
    ]
    write_eif(path, sections)
    return path


async def _until(pilot: Any, wait: Any, done: Any) -> None:
    for _ in range(80):
        await wait(pilot)
        if done():
            return
    raise AssertionError("timed out")


@pytest.mark.parametrize("answer", ["y", "n"])
async def test_pin_from_the_kms_view(
    make_app: Any, wait: Any, server: LocalKms, tmp_path: Path, answer: str
) -> None:
    target = KmsTarget(server.endpoint, "us-east-1", server.credentials_path)
    kms = boto3_client(target)
    policy = json.dumps({"Version": "2012-10-17", "Statement": STATEMENTS})
    key = kms.create_key(Policy=policy)["KeyMetadata"]["KeyId"]
    image = _image(tmp_path / "v2.eif")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = KmsScreen(kms=KmsAccess(target), platform=FixedPlatform())  # type: ignore[arg-type]
        await app.push_screen(screen)
        await _until(pilot, wait, lambda: len(screen.table.all_rows) == 1)
        await pilot.press("p")
        await pilot.press(*str(image), "enter")
        await _until(pilot, wait, lambda: isinstance(app.screen, ConfirmScreen))
        assert measure_eif(image).pcr0 in app.screen.target  # type: ignore[attr-defined]
        await pilot.press(answer)
        pinned = json.loads(kms.get_key_policy(KeyId=key)["Policy"])["Statement"][1]
        expected = [OLD, measure_eif(image).pcr0] if answer == "y" else OLD

        def applied() -> bool:
            statement = json.loads(kms.get_key_policy(KeyId=key)["Policy"])["Statement"][1]
            values = statement["Condition"]["StringEqualsIgnoreCase"]
            return bool(values["kms:RecipientAttestation:ImageSha384"] == expected)

        if answer == "y":
            await _until(pilot, wait, applied)
        else:
            note = screen.query_one("#kms-note")
            await _until(pilot, wait, lambda: "pin cancelled" in str(note.render()))
            assert applied()
        assert pinned["Sid"] == "Enclave"
