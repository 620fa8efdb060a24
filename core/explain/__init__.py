"""The error explainer: nitro-cli's E00–E60 in plain words, and chains collapsed to one cause.

`lookup("E26")` gives an `Entry` (cause, usual trigger, fix); `parse_output` + `collapse` turn
nitro-cli's printed errors (and the error logs they name) into a `RootCause`;
`collapse_error` does the same for a `NitrodeckError`. The command line (`nitrodeck explain`)
and the app both show errors through these.
"""

from __future__ import annotations

from core.explain.chain import (
    CliFailure,
    ErrLog,
    RootCause,
    collapse,
    collapse_error,
    error_from_output,
    parse_err_log,
    parse_output,
)
from core.explain.entry import Entry
from core.explain.table import lookup, table

__all__ = [
    "CliFailure",
    "Entry",
    "ErrLog",
    "RootCause",
    "collapse",
    "collapse_error",
    "error_from_output",
    "lookup",
    "parse_err_log",
    "parse_output",
    "table",
]
