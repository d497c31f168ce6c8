#!/bin/sh
# Installs what is missing, builds, and runs every test.
#   scripts/test.sh [BUILD_DIR [extra meson setup options...]]
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
build=${1:-build}
[ $# -gt 0 ] && shift
if [ -d "$build" ]; then
    meson setup --reconfigure "$build" "$@" >/dev/null
else
    meson setup "$build" "$@" >/dev/null
fi
ninja -C "$build"
meson test -C "$build" --print-errorlogs --num-processes 2 --timeout-multiplier 3
