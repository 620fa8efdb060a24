"""A command imports only what it needs: what real `nitrodeck` processes load, not how long they
take (`bench/fast_start.py` times them). And `--help`, drawn from `main.COMMANDS` without
importing the command modules, must say what the modules themselves register."""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from core.remote import codec, framing, protocol
from tui.cli.main import COMMANDS, GROUPS, build_parser

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("textual", "rich", "boto3", "botocore", "cryptography", "importlib.metadata")


def loaded_by(
    tmp_path: Path, *args: str, stdin: bytes = b"", extra_env: dict[str, str] | None = None
) -> set[str]:
    """The modules a real `nitrodeck ARGS` process has loaded when it is done."""
    out = tmp_path / "modules.json"
    code = (
        "import atexit, json, runpy, sys\n"
        f"atexit.register(lambda: open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n"
        f"sys.argv = ['nitrodeck', *{list(args)!r}]\n"
        "runpy.run_module('tui', run_name='__main__')\n"
    )
    env = {
        **os.environ,
        "NITRODECK_HOME": str(tmp_path / "home"),
        "NITRODECK_CONFIG": str(tmp_path / "config.json"),
    }
    for name in ("NITRODECK_HOST", "NITRODECK_CONTEXT"):
        env.pop(name, None)
    env.update(extra_env or {})
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, input=stdin, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()
    return set(json.loads(out.read_text()))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)


def test_describe_enclaves_loads_no_ui_aws_or_crypto(tmp_path: Path) -> None:
    modules = loaded_by(tmp_path, "--platform", "sim", "describe-enclaves")
    assert "core.platform.sim.platform" in modules  # it did describe the simulator
    assert heavy(modules) == []
    assert not {f"tui.cli.{group}" for group in GROUPS if group != "enclaves"} & modules


def test_help_imports_no_command_module(tmp_path: Path) -> None:
    modules = loaded_by(tmp_path, "--help")
    assert not {f"tui.cli.{group}" for group in GROUPS} & modules
    assert heavy(modules) == []


def test_serve_imports_the_remote_server_and_no_platform_until_asked(tmp_path: Path) -> None:
    modules = loaded_by(tmp_path, "serve", "--stdio")  # stdin is empty: it says hello and ends
    assert "core.remote.server" in modules
    assert heavy(modules) == []
    assert not {"core.platform.sim.platform", "core.platform.nitro.platform"} & modules
    assert not {f"tui.cli.{group}" for group in GROUPS if group != "serve"} & modules


# What listing the simulator's enclaves does not need, on either end of a remote command: the
# allocator, the console's files and watcher, the console history, vsock, the enclave agent's
# transport, run-enclave's flow and rules.
NOT_FOR_DESCRIBE = (
    "core.platform.allocator",
    "core.platform.sim.console",
    "core.platform.sim.inotify",
    "core.platform.sim.history",
    "core.platform.sim.vsock",
    "core.platform.sim.launcher",
    "enclave_agent.transport",
    "core.flows.run",
    "core.platform.run_rules",
)


def describe_call() -> bytes:
    """A client's hello and a describe-enclaves call, framed, then the end of its input."""
    return b"".join(
        len(payload).to_bytes(4, "big") + payload
        for payload in (
            protocol.hello_payload({"platform": "sim", "profile": None}),
            codec.dumps({"t": "call", "id": 1, "m": "platform.describe_enclaves"}),
        )
    )


def test_serve_answers_before_it_exits_early(tmp_path: Path) -> None:
    # serve --stdio skips the interpreter's teardown: the answer to a call still running when
    # stdin ends must go out anyway, and the exit handlers must still run.
    done = subprocess.run(
        [sys.executable, "-m", "tui", "serve", "--stdio"],
        cwd=ROOT,
        env={**os.environ, "NITRODECK_HOME": str(tmp_path / "home")},
        input=describe_call(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    out = io.BytesIO(done.stdout)
    protocol.check_hello(codec.loads(framing.read_frame(out) or b""), where="test")
    assert codec.loads(framing.read_frame(out) or b"") == {"t": "ok", "id": 1, "v": []}
    assert framing.read_frame(out) is None


def test_serve_answers_describe_enclaves_without_what_it_does_not_need(tmp_path: Path) -> None:
    calls = describe_call()
    loaded_by(tmp_path, "serve", "--stdio", stdin=calls)  # a fresh instance applies its pool
    modules = loaded_by(tmp_path, "serve", "--stdio", stdin=calls)
    assert "core.platform.sim.platform" in modules  # the simulator was opened and asked
    assert sorted(modules & set(NOT_FOR_DESCRIBE)) == []


SERVE_HERE = (
    "import runpy, sys; sys.argv = ['nitrodeck', 'serve', '--stdio']; "
    "runpy.run_module('tui', run_name='__main__')"
)


def test_remote_describe_enclaves_loads_only_what_it_prints(tmp_path: Path) -> None:
    ssh = shlex.join([sys.executable, "-c", SERVE_HERE])  # "ssh" runs the server right here
    modules = loaded_by(
        tmp_path, "--host", "ssh://h", "describe-enclaves", extra_env={"NITRODECK_SSH_COMMAND": ssh}
    )
    assert "core.remote.platform" in modules  # the enclaves came over the wire
    assert "core.platform.sim.platform" not in modules
    assert sorted(modules & set(NOT_FOR_DESCRIBE)) == []
    assert heavy(modules) == []


# Loaded by the server only after its hello: the argument parser, the platform, the codec's
# dataclass machinery, a thread pool.
NOT_BEFORE_HELLO = (
    "argparse",
    "dataclasses",
    "core.platform.base",
    "core.platform.sim.platform",
    "core.remote.codec",
    "core.remote.server",
    "concurrent.futures",
)
SPY = """
import json, sys
from core.remote import framing
real = framing.write_frame
def spy(stream, payload):
    sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n")
    framing.write_frame = real
    real(stream, payload)
framing.write_frame = spy
from tui.cli.main import main
sys.exit(main(["serve", "--stdio"]))
"""


def test_serve_says_hello_before_loading_the_server(tmp_path: Path) -> None:
    env = {**os.environ, "NITRODECK_HOME": str(tmp_path / "home")}
    child = subprocess.Popen(
        [sys.executable, "-c", SPY],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    hello = codec.loads(framing.read_frame(child.stdout) or b"")  # type: ignore[arg-type]
    protocol.check_hello(hello, where="test")
    stderr = child.communicate(b"", timeout=60)[1].decode()
    assert child.returncode == 0, stderr
    line = next(x for x in stderr.splitlines() if x.startswith("MODULES "))
    loaded = set(json.loads(line.removeprefix("MODULES ")))
    assert "cbor2" in loaded  # the hello was encoded, with nothing else needed
    assert not loaded & set(NOT_BEFORE_HELLO)


def _registered(group: str) -> dict[str, str | None]:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    importlib.import_module(f"tui.cli.{group}").register(subparsers)
    return {action.dest: action.help for action in subparsers._choices_actions}


@pytest.mark.parametrize("group", GROUPS)
def test_the_command_table_matches_what_each_module_registers(group: str) -> None:
    table = {name: summary for name, (module, summary) in COMMANDS.items() if module == group}
    assert _registered(group) == table


def test_a_command_builds_only_its_own_group() -> None:
    parser = build_parser("describe-enclaves")
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sorted(commands.choices) == sorted(
        n for n, (m, _) in COMMANDS.items() if m == "enclaves"
    )
    assert parser.parse_args(["describe-enclaves"]).handler is not None


def test_a_remote_command_skips_teardown_but_not_its_output_or_exit_code(tmp_path: Path) -> None:
    """A real process that spoke to a remote engine ends without the interpreter's teardown
    (`exit_now`): its answer and its error block still come out whole, and it exits with the
    command's own code (0, or the error's), not one the fast exit chose."""
    env = {
        **os.environ,
        "NITRODECK_HOME": str(tmp_path / "home"),
        "NITRODECK_CONFIG": str(tmp_path / "config.json"),
        "NITRODECK_SSH_COMMAND": shlex.join([sys.executable, "-c", SERVE_HERE]),
    }
    for name in ("NITRODECK_HOST", "NITRODECK_CONTEXT"):
        env.pop(name, None)

    def nitrodeck(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", "--host", "ssh://h", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    listed = nitrodeck("describe-enclaves")
    assert (listed.returncode, json.loads(listed.stdout)) == (0, []), listed.stderr
    refused = nitrodeck("terminate-enclave", "--enclave-name", "nope")
    assert refused.returncode != 0 and refused.stdout == ""
    assert "[ E" in refused.stderr and "fix:" in refused.stderr, refused.stderr
