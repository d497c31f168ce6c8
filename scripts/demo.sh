#!/bin/sh
# Installs what is missing, builds, and runs the orchestration example from
# the guide against a fresh store, then prints the task list.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
store=$(mktemp -d)
trap 'rm -rf "$store"' EXIT
export PATH="$PWD/build/tm:$PATH"
export TM_DB_PATH="$store/.task-orchestrator"
./examples/orchestrate_auth.sh
echo ""
echo "tm list:"
tm list
