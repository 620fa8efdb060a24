"""run-enclave's arguments as nitro-cli 1.5 reads them (`RunEnclavesArgs::new_with`).

From the flags: each value parsed in nitro-cli's order (CPU count, EIF path, CID, memory, CPU
IDs), a bad one being E03 naming it. From `--config`: serde's rules for `RunEnclavesArgs`, not
nitrodeck's: unknown fields are ignored, `eif_path` and `memory_mib` are required, every value
has its exact JSON type (`"512"` is not a number), a duplicate field is refused; all of it E17.
The CID checks apply to the flag only, as there.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from core.nitro_errors import NitroCliCode, NitroCliError
from tui.cli.nitro_cli.clap import Values

U32 = (1 << 32) - 1
U64 = (1 << 64) - 1


@dataclass(frozen=True)
class RunArgs:
    eif_path: str
    memory_mib: int
    cpu_count: int | None
    cpu_ids: tuple[int, ...] | None
    enclave_cid: int | None
    debug_mode: bool
    attach_console: bool
    enclave_name: str | None


def run_args(values: Values) -> RunArgs:
    config = values.get("config")
    attach = bool(values.get("attach-console"))
    if isinstance(config, str):
        return read_config(config, attach=False)  # nitro-cli reads attach_console from the file
    return RunArgs(
        cpu_count=_number(values.get("cpu-count"), "cpu-count", U32),
        eif_path=str(values["eif-path"]),
        enclave_cid=_cid(values.get("enclave-cid")),
        memory_mib=_memory(str(values["memory"])),
        cpu_ids=_cpu_ids(values.get("cpu-ids")),
        debug_mode=bool(values.get("debug-mode")) or attach,
        attach_console=attach,
        enclave_name=_str_or_none(values.get("enclave-name")),
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object, name: str, limit: int) -> int | None:
    if value is None:
        return None
    text = str(value)
    if not text.isdigit() or int(text) > limit:
        raise NitroCliError(NitroCliCode.InvalidArgument, name, text)
    return int(text)


def _cpu_ids(value: object) -> tuple[int, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(_number(v, "cpu-id", U32) or 0 for v in value)


def _cid(value: object) -> int | None:
    """`--enclave-cid`: 0 means assign one (said on stderr); 1-3 and ≥ u32::MAX are E03."""
    if value is None:
        return None
    text = str(value)
    if not text.isdigit() or int(text) > U64:
        raise NitroCliError(NitroCliCode.InvalidArgument, "enclave-cid", text)
    cid = int(text)
    if cid == 0:
        print("The enclave CID will be auto-generated as the provided CID is 0", file=sys.stderr)
    if cid in (1, 2, 3) or cid >= U32:
        raise NitroCliError(NitroCliCode.InvalidArgument, detail=f"CID {cid} cannot be used")
    return cid


def _memory(text: str) -> int:
    """A number with an optional M/G/T unit (MiB, GiB, TiB), as nitro-cli's `parse_memory`."""
    cut = next((i for i, c in enumerate(text) if not c.isdigit()), len(text))
    number, unit = text[:cut], text[cut:]
    scale = {"": 1, "M": 1, "m": 1, "G": 1024, "g": 1024, "T": 1 << 20, "t": 1 << 20}.get(unit)
    if not number or int(number) > U64 or scale is None:
        raise NitroCliError(NitroCliCode.InvalidArgument, "memory", text)
    return int(number) * scale


def read_config(path: str, attach: bool) -> RunArgs:
    """`--config`'s settings; `attach` (nitrodeck's `--attach-console` next to it) adds to the
    file's `attach_console`, which alone counts for nitro-cli."""
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except (OSError, UnicodeDecodeError) as error:
        why = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise NitroCliError(
            NitroCliCode.FileOperationFailure,
            detail=f"File: '{path}', failing operation: 'Open'. ({why})",
            fix="check --config: the file must exist and be readable JSON",
        ) from error
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
        args = _typed(data)
    except (ValueError, TypeError) as error:
        raise NitroCliError(
            NitroCliCode.SerdeError,
            detail=f"Invalid JSON format for config file {path}: {error}",
            fix="give eif_path (string), memory_mib (number, MiB) and cpu_count or cpu_ids",
        ) from error
    if args.cpu_count is None and args.cpu_ids is None:
        raise NitroCliError(
            NitroCliCode.MissingArgument, detail="Missing both `cpu-count` and `cpu-ids`"
        )
    if args.cpu_count is not None and args.cpu_ids is not None:
        raise NitroCliError(
            NitroCliCode.ConflictingArgument,
            detail="`cpu-count` and `cpu-ids` cannot be used together",
        )
    attached = args.attach_console or attach
    return RunArgs(
        **{**args.__dict__, "debug_mode": args.debug_mode or attached, "attach_console": attached}
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate field `{key}`")
        seen[key] = value
    return seen


def _typed(data: object) -> RunArgs:
    """serde's reading of the JSON object: exact types, unknown fields ignored."""
    if not isinstance(data, dict):
        raise TypeError("invalid type: expected struct RunEnclavesArgs")
    for required in ("eif_path", "memory_mib"):
        if required not in data:
            raise ValueError(f"missing field `{required}`")
    ids = data.get("cpu_ids")
    if ids is not None and not isinstance(ids, list):
        raise TypeError("invalid type for `cpu_ids`: expected a sequence")
    return RunArgs(
        eif_path=_json_str(data["eif_path"], "eif_path", optional=False) or "",
        memory_mib=_json_int(data["memory_mib"], "memory_mib", U64, optional=False) or 0,
        cpu_count=_json_int(data.get("cpu_count"), "cpu_count", U32),
        cpu_ids=None if ids is None else tuple(_json_int(i, "cpu_ids", U32) or 0 for i in ids),
        enclave_cid=_json_int(data.get("enclave_cid"), "enclave_cid", U64),
        debug_mode=_json_bool(data, "debug_mode"),
        attach_console=_json_bool(data, "attach_console"),
        enclave_name=_json_str(data.get("enclave_name"), "enclave_name"),
    )


def _json_int(value: object, key: str, limit: int, *, optional: bool = True) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise TypeError(f"invalid type or value for `{key}`: {json.dumps(value)}, expected u64")
    return value


def _json_str(value: object, key: str, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"invalid type for `{key}`: {json.dumps(value)}, expected a string")
    return value


def _json_bool(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise TypeError(f"invalid type for `{key}`: {json.dumps(value)}, expected a boolean")
    return value
