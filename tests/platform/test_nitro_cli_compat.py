"""Both modes over the same cases: the README's compatibility table is this test's output, and
nitro-cli scripts (the README's example, a realistic deploy script) run unchanged.

`NITRODECK_WRITE_README=1` rewrites the table in README.md from what the two modes really do;
otherwise the README must already say exactly that.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nitro_fixtures import write_program

from tui.cli.main import main
from tui.cli.nitro_cli import simulated

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
SCRIPTS = Path(__file__).parent / "nitro_cli_scripts"
BEGIN, END = "<!-- compatibility table: begin -->", "<!-- compatibility table: end -->"
EXAMPLE = re.compile(r"<!-- nitro-cli example -->\n```sh\n(.*?)```", re.S)
RUN = ["run-enclave", "--eif-path", "demo.eif"]

# (case, nitro-cli's command line, nitrodeck's own for the same thing or None)
CASES: list[tuple[str, list[str], list[str] | None]] = [
    ("version", ["--version"], None),
    ("a required argument missing", ["describe-eif"], ["eif", "describe"]),
    (
        "describe a missing image",
        ["describe-eif", "--eif-path", "missing.eif"],
        ["eif", "describe", "missing.eif"],
    ),
    (
        "PCR of a missing file",
        ["pcr", "--input", "missing.bin"],
        ["eif", "pcr", "--input", "missing.bin"],
    ),
    (
        "build from Docker, no daemon",
        ["build-enclave", "--docker-uri", "app:latest", "--output-file", "app.eif"],
        ["eif", "build", "--docker-uri", "app:latest", "--output", "app.eif"],
    ),
    ("explain a code", ["explain", "--error-code", "E19"], ["explain", "E19"]),
    ("launch: --memory not a number", [*RUN, "--memory", "12K", "--cpu-count", "2"], None),
    (
        "launch: the image is missing",
        ["run-enclave", "--eif-path", "missing.eif", "--memory", "512", "--cpu-count", "2"],
        None,
    ),
    ("launch: --memory 0", [*RUN, "--memory", "0", "--cpu-count", "2"], None),
    ("launch: under the driver's 64 MiB", [*RUN, "--memory", "32", "--cpu-count", "2"], None),
    ("launch: more CPUs than the pool", [*RUN, "--memory", "512", "--cpu-count", "4"], None),
    ("launch: a CPU outside the pool", [*RUN, "--memory", "512", "--cpu-ids", "2", "6"], None),
    ("launch: more memory than the pool", [*RUN, "--memory", "100000", "--cpu-count", "2"], None),
    ('--config: "memory_mib": "512"', ["run-enclave", "--config", "string.json"], None),
    ("--config: no memory_mib", ["run-enclave", "--config", "nomemory.json"], None),
    ("console: no such name", ["console", "--enclave-name", "nosuch"], None),
]


def outcome(code: int, err: str) -> str:
    """What a run printed on stderr and its exit status, as the table shows it."""
    blocks = re.findall(r"^\[ (E\d\d) \]", err, re.M)
    if blocks:
        shown = " → ".join(blocks)
    elif err.startswith(("error:", "usage:")):
        shown = "usage error"
    else:
        shown = "ok"
    return f"{shown}, exit {code}"


@pytest.fixture
def scene(tmp_path: Path, eifs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with demo.eif and two config files, and a `docker` without daemon."""
    shutil.copy(eifs["quick"], tmp_path / "demo.eif")
    (tmp_path / "string.json").write_text(
        '{"eif_path": "demo.eif", "memory_mib": "512", "cpu_count": 2}'
    )
    (tmp_path / "nomemory.json").write_text('{"eif_path": "demo.eif", "cpu_count": 2}')
    write_program(
        tmp_path / "bin", "docker", "echo 'Cannot connect to the Docker daemon' >&2; exit 1"
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def nitrodeck(words: list[str]) -> int:
    """nitrodeck mode in process; argparse's usage errors end in SystemExit."""
    try:
        return main(["--platform", "sim", *words])
    except SystemExit as done:
        return int(done.code or 0)


def table(capsys: pytest.CaptureFixture[str]) -> str:
    rows = [
        "| Case | nitro-cli mode (`nitro-cli …`, as nitro-cli 1.5) | nitrodeck mode |",
        "|---|---|---|",
    ]
    for case, words, own in CASES:
        code = simulated(list(words))
        theirs = outcome(code, capsys.readouterr().err)
        if own is None and words == ["--version"]:
            ours = "—"  # nitrodeck has no version flag of its own
        else:
            ours_words = own if own is not None else words
            ours = outcome(nitrodeck(ours_words), capsys.readouterr().err)
        shown = " ".join(own or [])
        rows.append(
            f"| {case} | `{' '.join(words)}`: {theirs} | "
            + (f"`nitrodeck {shown}`: " if own is not None else "the same words: " * (ours != "—"))
            + f"{ours} |"
        )
    return "\n".join(rows) + "\n"


def test_readme_table_is_what_both_modes_do(
    capsys: pytest.CaptureFixture[str], scene: Path
) -> None:
    generated = table(capsys)
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN) + 1, text.index(END)
    if os.environ.get("NITRODECK_WRITE_README") == "1":
        README.write_text(text[:start] + generated + text[end:], encoding="utf-8")
    assert text[start:end] == generated


def _shell_env(tmp_path: Path) -> dict[str, str]:
    """PATH with `nitrodeck` on it and then `eval "$(nitrodeck shellenv)"` done, as a user
    would: `nitro-cli` is nitrodeck."""
    bin_dir = tmp_path / "tools"
    write_program(bin_dir, "nitrodeck", f'PYTHONPATH="{REPO}" exec "{sys.executable}" -m tui "$@"')
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    env.pop("NITRODECK_SYSROOT", None)
    line = subprocess.run(
        ["nitrodeck", "shellenv"], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert line.startswith("export PATH=")
    env["PATH"] = subprocess.run(
        ["sh", "-c", f'{line.strip()}; printf %s "$PATH"'],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return env


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (apt-get install jq)")
def test_a_deploy_script_runs_unchanged(tmp_path: Path, eifs: dict[str, Path]) -> None:
    env = _shell_env(tmp_path)
    done = subprocess.run(
        ["bash", str(SCRIPTS / "deploy.sh"), str(eifs["printer"])],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Nitro CLI 1.5.0\n") and done.stdout.endswith("deployed\n")


def test_the_readme_example_runs_unchanged(tmp_path: Path, eifs: dict[str, Path]) -> None:
    match = EXAMPLE.search(README.read_text(encoding="utf-8"))
    assert match is not None
    shutil.copy(eifs["printer"], tmp_path / "demo.eif")
    env = _shell_env(tmp_path)
    script = "set -euo pipefail\n" + match.group(1)
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (apt-get install jq)")
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Nitro CLI 1.5.0" in done.stdout and "hello from the enclave" in done.stdout
