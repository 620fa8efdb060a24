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
# The remote-engine tests start a real OpenSSH server on 127.0.0.1: install it where it is missing
# and we may (root on Debian/Ubuntu, as CI runs); otherwise those tests say how and skip.
if [ "${1:-}" = "dev" ] && [ ! -x /usr/sbin/sshd ] && ! command -v sshd >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "venv: installing openssh-server for the remote-engine tests" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
    else
        echo "venv: sshd is missing; install openssh-server to run the remote-engine tests" >&2
    fi
fi
