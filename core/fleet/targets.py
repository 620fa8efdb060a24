"""Fleet members from the places an operator keeps them: --hosts, a fleet file, contexts.

A member is written `ssh://[user@]host[:port]` (a remote parent), `home:PATH` (a simulator home
on this machine) or a context's name; in a fleet file, one per line, optionally after a name
(`web-1 ssh://ec2-user@10.0.0.5`), with `#` comments.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from core.errors import UsageError
from core.remote.ssh import parse_ssh_url
from core.remote.target import Target

HOME_PREFIX = "home:"


def parse_member(
    spec: str,
    contexts: Mapping[str, Target] | None = None,
    *,
    name: str | None = None,
    where: str = "--hosts",
) -> Target:
    """One member from its written form (see the module doc)."""
    spec = spec.strip()
    if spec.startswith("ssh://"):
        parse_ssh_url(spec)
        return Target(name=name or spec.removeprefix("ssh://"), host=spec)
    if spec.startswith(HOME_PREFIX):
        path = spec.removeprefix(HOME_PREFIX)
        if not path:
            raise UsageError(f"{spec!r} names no directory", where=where, fix="write home:PATH")
        return Target(name=name or Path(path).name or path, home=path)
    if contexts is not None and spec in contexts:
        found = contexts[spec]
        return Target(
            name=name or found.name,
            host=found.host,
            home=found.home,
            remote_command=found.remote_command,
            platform=found.platform,
            profile=found.profile,
            trust=found.trust,
        )
    raise UsageError(
        f"{spec!r} is not ssh://…, home:PATH or a context's name",
        where=where,
        fix="write e.g. ssh://ec2-user@10.0.0.5, home:/tmp/sim-1, or add it with `ctx add`",
    )


def parse_hosts(text: str, contexts: Mapping[str, Target] | None = None) -> list[Target]:
    """`--hosts a,b,c`: members in order; a name given twice is an error."""
    members = [parse_member(s, contexts) for s in text.split(",") if s.strip()]
    if not members:
        raise UsageError("--hosts names no host", where="--hosts", fix="write URL,URL,…")
    return unique(members, "--hosts")


def read_fleet_file(path: Path, contexts: Mapping[str, Target] | None = None) -> list[Target]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise UsageError(
            f"cannot read the fleet file: {error.strerror}",
            where=str(path),
            fix="name a file with one member per line (`web-1 ssh://ec2-user@10.0.0.5`)",
        ) from None
    members = []
    for number, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        where = f"{path}:{number}"
        if len(words) > 2:
            raise UsageError(
                f"expected `[NAME] MEMBER`, found {len(words)} words",
                where=where,
                fix="one member per line, e.g. `web-1 ssh://ec2-user@10.0.0.5`",
            )
        name = words[0] if len(words) == 2 else None
        members.append(parse_member(words[-1], contexts, name=name, where=where))
    if not members:
        raise UsageError("the fleet file lists no member", where=str(path))
    return unique(members, str(path))


def unique(members: list[Target], where: str) -> list[Target]:
    seen: set[str] = set()
    for member in members:
        if member.name in seen:
            raise UsageError(
                f"{member.name!r} is listed twice", where=where, fix="give each member one name"
            )
        seen.add(member.name)
    return members
