#!/bin/sh
# Installs the Debian 12 packages taskorch needs to build, test and document itself.
# (clang and libclang-rt-14-dev, its sanitizer and libFuzzer runtimes, build
# tests/fuzz; valgrind and cppcheck are CI gates.)
# Safe to run repeatedly: it only calls apt-get when something is missing.
set -eu

PACKAGES="meson ninja-build pkg-config gcc g++ libc6-dev check libsubunit-dev \
libsqlite3-dev sqlite3 libjansson-dev scdoc python3 python3-pytest python3-pip bash-completion \
clang libclang-rt-14-dev valgrind cppcheck zsh fish"
# mypy checks the Python bindings' type hints (tests/python/test_typing.py).
PACKAGES="$PACKAGES mypy"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done

# tests/mcp drive tm mcp with the MCP SDKs from npm (Node.js 20 or newer).
# A Node.js from elsewhere (e.g. NodeSource, which bundles npm) is fine.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
