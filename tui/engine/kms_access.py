"""Which KMS the KMS screens talk to, shared by the key list and the screens it opens.

Local KMS by default (started as this home's daemon on first use, in a worker thread); `aws`
means boto3's usual credential chain and region; a URL is an explicit endpoint (a loopback URL
with this home's local credentials is the local KMS).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from core.errors import NitrodeckError, UsageError
from core.home import Home
from core.kms.target import KmsTarget, boto3_client, caller_principal, local_target, resolve_target


def parse_choice(text: str, home: Home) -> KmsTarget | None:
    """`local` → None (resolved lazily), `aws` → AWS, `http(s)://…` → that endpoint."""
    word = text.strip()
    if word.lower() in ("", "local"):
        return None
    if word.lower() == "aws":
        return KmsTarget()
    if word.startswith(("http://", "https://")):
        return resolve_target(word, local=False, home=home)
    raise UsageError(
        f"{word!r} is not a KMS target",
        where="KMS target",
        fix="type local, aws, or an https:// URL",
    )


class KmsAccess:
    """A target and one boto3 client for it; `client`/`principal` may block (use threads)."""

    def __init__(
        self,
        target: KmsTarget | None = None,
        *,
        client: Any = None,
        home: Callable[[], Home] | None = None,
    ) -> None:
        """`client` (a boto3 KMS client or a stand-in) is used as given: tests and demos.
        `home` says where the local KMS lives when none was chosen (the app's current home)."""
        self._target = target
        self._client: Any = client
        self._home = home
        self._admin: Any = None
        self._lock = threading.Lock()

    def choose(self, target: KmsTarget | None) -> None:
        with self._lock:
            self._target, self._client, self._admin = target, None, None

    @property
    def unresolved(self) -> bool:
        """Nothing chosen or given yet: the local KMS would be started on first use."""
        return self._target is None and self._client is None

    def label(self) -> str:
        """The KMS actually in use: once a client exists, its real endpoint and region
        (boto3 resolves AWS's region and URL itself; "default region" says nothing)."""
        target, client = self._target, self._client
        if target is not None and target.local:
            return target.describe()
        if client is not None:
            meta = client.meta
            endpoint = getattr(meta, "endpoint_url", "?")
            region = getattr(meta, "region_name", None)
            kind = "AWS KMS" if target is not None and target.endpoint_url is None else "KMS"
            return f"{kind} at {endpoint}" + (f" ({region})" if region else "")
        if target is not None:
            return target.describe()
        return "local KMS (starting on first use)"

    def target(self) -> KmsTarget:
        with self._lock:
            if self._target is None:
                if self._home is None:
                    raise NitrodeckError("no KMS chosen", fix="choose one with t (KMS target)")
                self._target = local_target(self._home())
            return self._target

    def client(self) -> Any:
        with self._lock:
            if self._client is not None:
                return self._client
        target = self.target()
        with self._lock:
            if self._client is None:
                self._client = boto3_client(target)
            return self._client

    def principal(self) -> str:
        return caller_principal(self.target())

    def admin_client(self) -> Any:
        """A client as the key administrator (`core.kms.manage.admin_access`), who may list
        grants where the parent may not; a given client stands in for it too."""
        with self._lock:
            if self._target is None and self._client is not None:
                return self._client
            if self._admin is not None:
                return self._admin
        from core.kms.manage import admin_access

        admin = admin_access(self.target())[0]
        with self._lock:
            self._admin = self._admin or admin
            return self._admin
