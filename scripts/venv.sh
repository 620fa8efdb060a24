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
# The remote-engine tests start a real OpenSSH server on 127.0.0.1, and the nitro-cli script tests
# parse JSON with jq as operators' scripts do: install what is missing where we may (root on
# Debian/Ubuntu, as CI runs); otherwise those tests say how and skip.
if [ "${1:-}" = "dev" ]; then
    missing=""
    [ -x /usr/sbin/sshd ] || command -v sshd >/dev/null 2>&1 || missing="$missing openssh-server"
    command -v jq >/dev/null 2>&1 || missing="$missing jq"
    if [ -n "$missing" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "venv: installing$missing for the remote-engine and nitro-cli script tests" >&2
            apt-get update -qq >/dev/null
            # shellcheck disable=SC2086
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
        else
            echo "venv: missing$missing; install them to run the remote-engine and nitro-cli script tests" >&2
        fi
    fi
fi
