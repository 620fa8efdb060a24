"""Running `nitrodeck` inside a lab's home, as the learner's shell after `export NITRODECK_HOME`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from core.labs.env import LabEnv
from tui.cli.main import main

RUN = ("run-enclave", "--eif-path", "app.eif", "--memory", "256", "--cpu-count", "2")
RUN += ("--enclave-name", "lab")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class LabSession:
    env: LabEnv
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def nd(self, *argv: str) -> Result:
        """`nitrodeck ARGV` with the lab's home as $NITRODECK_HOME; output captured."""
        self.capsys.readouterr()
        with self.monkeypatch.context() as patch:
            patch.setenv("NITRODECK_HOME", str(self.env.home))
            code = main(list(argv))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def check(self) -> dict[str, Any]:
        result = self.nd("lab", "check", "--json")
        data: dict[str, Any] = result.json()
        assert (result.code == 0) == data["solved"]
        return data

    def edit_policy(self, edit: Any) -> None:
        """get-key-policy, `edit(policy_dict)` as the learner's editor would, put-key-policy."""
        got = self.nd("kms", "get-key-policy", "--key-id", "alias/lab")
        assert got.code == 0, got.err
        policy = json.loads(got.out)
        edit(policy)
        self.env.path("policy.json").write_text(json.dumps(policy, indent=2))
        put = self.nd(
            "kms", "put-key-policy", "--key-id", "alias/lab", "--policy", "policy.json", "--yes"
        )
        assert put.code == 0, put.err
