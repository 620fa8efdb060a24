"""The kernel's cpulist syntax (`1-3,5`), as in `ne_cpus` and allocator.yaml's `cpu_pool`."""

from __future__ import annotations

from collections.abc import Iterable

from core.nitro_errors import NitroCliCode, NitroCliError


def parse_cpulist(text: str) -> tuple[int, ...]:
    """`"1-3,5"` → (1, 2, 3, 5), sorted and deduplicated; a bad interval is E24 as in nitro-cli."""
    cpus: set[int] = set()
    for raw in text.replace(" ", "").split(","):
        if not raw:
            continue
        bounds = raw.split("-")
        if len(bounds) > 2 or not all(b.isdigit() for b in bounds):
            raise NitroCliError(
                NitroCliCode.CpuError,
                detail=f"`{raw}` in the CPU list `{text}` is not a CPU id or an interval a-b",
                fix="write CPUs as a comma-separated list of ids and intervals, e.g. 2,3,6-9",
            )
        low, high = int(bounds[0]), int(bounds[-1])
        if high < low:
            raise NitroCliError(
                NitroCliCode.CpuError,
                detail=f"the interval `{raw}` in `{text}` runs backwards",
                fix=f"write it as {high}-{low}",
            )
        cpus.update(range(low, high + 1))
    return tuple(sorted(cpus))


def format_cpulist(cpus: Iterable[int]) -> str:
    """(1, 2, 3, 5) → `"1-3,5"`: the compact form sysfs prints."""
    ordered = sorted(set(cpus))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)
