"""A lab's home and the real mechanisms a lab drives inside it.

Every lab lives in `<labs root>/<name>/`, a complete nitrodeck home of its own: its simulator
state, its local KMS daemon and keys, its images and files. A lab's setup and check hand that
`Home` to the simulator and the KMS they drive (the process's environment never changes, so the
app runs them in-process); the learner points their shell at the same home with
`export NITRODECK_HOME=…`, or switches the app into it with `:ctx`.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.agent.demo import build_demo_image
from core.eif.measure import Measurements
from core.errors import NitrodeckError
from core.home import Home, update_file, write_private_file
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, ADMIN_PROFILE, PRINCIPAL_ARN, PROFILE
from core.platform.base import EnclaveInfo, RunRequest
from core.platform.sim.platform import SimPlatform

MARKER = "lab.json"
ENCLAVE = "lab"
"""The name every lab gives its enclave, so hints can say `--enclave-name lab`."""
MEMORY_MIB = 256
PRINCIPAL = PRINCIPAL_ARN
"""The parent: it decrypts (inside the enclave) and encrypts."""
ADMIN = ADMIN_PRINCIPAL_ARN
"""The key administrator: creates keys, changes their policies and states."""


def labs_root(home: Home) -> Path:
    """Where labs live: `<home>/labs`, or the parent of `home` when it is a lab's own."""
    if (home / MARKER).is_file():
        return home.path.parent
    return home / "labs"


def current_lab_name(home: Home) -> str | None:
    """The lab whose home `home` is, if any."""
    marker = home / MARKER
    try:
        name = json.loads(marker.read_text()).get("name")
    except (OSError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) else None


@dataclass(frozen=True)
class LabEnv:
    """One lab's home; the helpers below only call the real simulator, KMS and EIF builder."""

    name: str
    home: Path

    def path(self, relative: str) -> Path:
        return self.home / relative

    @property
    def as_home(self) -> Home:
        """The lab's home as the value the simulator and the KMS are handed."""
        return Home(self.home, label=f"lab {self.name}")

    # facts the setup records (ids of what it created; never the learner's answers) ----------
    def facts(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path(MARKER).read_text())
        except (OSError, ValueError):
            return {"name": self.name}
        return data if isinstance(data, dict) else {"name": self.name}

    def record(self, **facts: Any) -> None:
        """Add `facts` to the marker (under its lock, atomically: setup steps may overlap)."""

        def merged(_: bytes | None) -> bytes:
            data = self.facts() | facts | {"name": self.name}
            return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()

        update_file(self.path(MARKER), merged)

    def fact(self, key: str) -> str:
        value = self.facts().get(key)
        if not isinstance(value, str):
            raise NitrodeckError(
                f"the lab's home lacks {key!r}",
                where=str(self.path(MARKER)),
                fix=f"start the lab again: nitrodeck lab start {self.name}",
            )
        return value

    # the simulator ---------------------------------------------------------------------
    @contextlib.contextmanager
    def platform(self) -> Iterator[SimPlatform]:
        platform = SimPlatform(home=self.as_home)
        try:
            yield platform
        finally:
            platform.close()

    def build_image(
        self, filename: str, extra_files: Mapping[str, bytes] | None = None
    ) -> Measurements:
        """The agent demo image with `extra_files` (the learner's "application")."""
        return build_demo_image(self.path(filename), extra_files=extra_files)

    def run(
        self,
        eif: str,
        *,
        name: str = ENCLAVE,
        debug: bool = False,
        memory_mib: int = MEMORY_MIB,
        cpu_count: int = 2,
    ) -> EnclaveInfo:
        request = RunRequest(
            eif_path=self.path(eif),
            memory_mib=memory_mib,
            cpu_count=cpu_count,
            debug_mode=debug,
            enclave_name=name,
        )
        with self.platform() as platform:
            return platform.run_enclave(request)

    def enclaves(self) -> list[EnclaveInfo]:
        with self.platform() as platform:
            return platform.describe_enclaves()

    def enclave(self, name: str = ENCLAVE) -> EnclaveInfo | None:
        return next((e for e in self.enclaves() if e.name == name), None)

    # the local KMS ---------------------------------------------------------------------
    def kms(self, *, admin: bool = False) -> Any:
        """A boto3 client of this home's local KMS (started on first use), signed as the parent
        or, with `admin`, as the key administrator."""
        from core.kms.target import boto3_client, local_target

        return boto3_client(local_target(self.as_home), profile=ADMIN_PROFILE if admin else PROFILE)

    def create_key(self, policy: str, description: str, alias: str = "alias/lab") -> str:
        kms = self.kms(admin=True)
        key_id = str(kms.create_key(Policy=policy, Description=description)["KeyMetadata"]["KeyId"])
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)
        self.record(key_id=key_id, alias=alias)
        return key_id

    def encrypt_secret(self, key_id: str, filename: str = "secret.enc") -> Path:
        """A random secret under the key; only its ciphertext is kept (as a learner would)."""
        blob = bytes(self.kms().encrypt(KeyId=key_id, Plaintext=os.urandom(32))["CiphertextBlob"])
        path = self.path(filename)
        write_private_file(path, blob)
        self.record(ciphertext=filename)
        return path

    def stop(self) -> None:
        """End the lab's enclaves and its KMS daemon (its files stay)."""
        from core.sandbox import stop_home

        stop_home(self.as_home)
