"""Every vector of docs/eif.md §6, reproduced with our writer, reader and measurer."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from eif_support import SYNTHETIC_METADATA

from core.eif import describe_json, measure_eif, pcr_of_bytes, pcr_of_file, read_eif
from core.eif.format import SectionType
from core.eif.signature import pcr_payload
from core.eif.writer import Section, write_eif
from tui.cli.main import main

EMPTY_PCR = (
    "21b9efbc184807662e966d34f390821309eeac6802309798826296bf3e8bec7c"
    "10edb30948c90ba67310f7b964fc500a"
)
ABC_PCR = (
    "93732e3733514a841c982cfa75ea76ab55fe011acb9cd980ef4523913c65be1b"
    "0998e04d77f8c174f81a82151619ca40"
)
PCR0 = (
    "e1a48d1f3a54963e4cc1ccaa59a4633a5877bca115131d0a4991314c89b8d5a6"
    "0f901bf592c4cbb21c471dca53bcfae9"
)
PCR1 = (
    "77934072a2bc84dc6f32a12a3dece7423792305095f4cb3f5c1056ceaa431502"
    "b8d1c0139b039c1ffa837abed989e56f"
)
PCR2 = (
    "eedcc5d43dacc59fd7cbc53e7476859316403a592a5eb2333c2584c86d8e42ca"
    "9172746790aa2eb65f5463ce1b64e75c"
)


def test_empty_and_abc_pcrs(tmp_path: Path) -> None:
    assert pcr_of_bytes(b"") == EMPTY_PCR
    assert pcr_of_bytes(b"abc") == ABC_PCR
    empty, abc = tmp_path / "empty", tmp_path / "abc"
    empty.write_bytes(b"")
    abc.write_bytes(b"abc")
    assert pcr_of_file(empty) == EMPTY_PCR
    assert pcr_of_file(abc) == ABC_PCR


def test_synthetic_eif_bytes(synthetic: Path) -> None:
    data = synthetic.read_bytes()
    assert len(data) == 898
    assert data[:32].hex() == "2e65696600040000000000004000000000000000000000020000000500000000"
    assert data[0x220:0x224] == bytes.fromhex("8633376c")
    expected = "e1073b111d35e7989da7bf99a7ccc71a10133e701da6cd08c5878f9a17f02441"
    assert hashlib.sha256(data).hexdigest() == expected


def test_synthetic_eif_reads_back(synthetic: Path) -> None:
    info = read_eif(synthetic)
    assert info.crc_ok and info.stored_crc == 0x8633376C
    assert [s.header_offset for s in info.sections] == [548, 566, 591, 841, 870]
    assert [s.size for s in info.sections] == [6, 13, 238, 17, 16]
    assert (info.measurements.pcr0, info.measurements.pcr1, info.measurements.pcr2) == (
        PCR0,
        PCR1,
        PCR2,
    )
    assert info.measurements.pcr8 is None
    assert measure_eif(synthetic) == info.measurements
    assert info.metadata["ImageName"] == "test"


def test_signing_payload_prefix() -> None:
    payload = pcr_payload(PCR0)
    assert len(payload) == 126
    prefix = "a26e72656769737465725f696e646578006e72656769737465725f76616c7565983018e118a4188d"
    assert payload.hex().startswith(prefix)


def test_single_ramdisk_pcr2_is_the_empty_pcr(tmp_path: Path) -> None:
    path = tmp_path / "one.eif"
    write_eif(
        path,
        [
            Section(SectionType.KERNEL, b"k"),
            Section(SectionType.CMDLINE, b"c"),
            Section(SectionType.METADATA, SYNTHETIC_METADATA),
            Section(SectionType.RAMDISK, b"r"),
        ],
    )
    measured = measure_eif(path)
    assert measured.pcr2 == EMPTY_PCR
    assert measured.pcr0 == measured.pcr1 == pcr_of_bytes(b"kcr")


def test_describe_json_has_nitro_cli_keys_in_order(synthetic: Path) -> None:
    shaped = describe_json(read_eif(synthetic))
    assert list(shaped) == [
        "EifVersion",
        "Measurements",
        "IsSigned",
        "CheckCRC",
        "ImageName",
        "ImageVersion",
        "Metadata",
    ]
    assert shaped["Measurements"]["HashAlgorithm"] == "Sha384 { ... }"
    assert list(shaped["Metadata"]) == [
        "BuildTime",
        "BuildTool",
        "BuildToolVersion",
        "OperatingSystem",
        "KernelVersion",
        "DockerInfo",
    ]


@pytest.mark.parametrize("flag", ["--input", "--signing-certificate"])
def test_pcr_command_on_the_real_aws_root(
    vectors: Path, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """PCR8 of a PEM certificate equals `pcr --input` over its DER (the real AWS root)."""
    source = vectors / (
        "aws-nitro-enclaves-root-g1.der" if flag == "--input" else "aws-nitro-enclaves-root-g1.pem"
    )
    assert main(["eif", "pcr", flag, str(source)]) == 0
    printed = json.loads(capsys.readouterr().out)
    key = "PCR" if flag == "--input" else "PCR8"
    assert printed == {key: pcr_of_bytes((vectors / "aws-nitro-enclaves-root-g1.der").read_bytes())}
