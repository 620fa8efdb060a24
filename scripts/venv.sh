#!/bin/sh
# Creates or updates .venv with nitrodeck and, with the argument "dev", its test tooling.
# Works on a fresh Debian/Ubuntu machine that has only python3: where the venv module has no
# ensurepip (Debian without python3-venv), it bootstraps pip from PyPI instead.
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/pip ]; then
    rm -rf .venv
    if ! "$PY" -m venv .venv >/dev/null 2>&1; then
        echo "venv: no ensurepip here; bootstrapping pip from PyPI" >&2
        rm -rf .venv
        "$PY" -m venv --without-pip .venv
        .venv/bin/python scripts/bootstrap_pip.py
    fi
fi
.venv/bin/python -m pip install --quiet --upgrade pip
target="."
[ "${1:-}" = "dev" ] && target=".[dev]"
.venv/bin/python -m pip install --quiet -c constraints.txt -e "$target"
