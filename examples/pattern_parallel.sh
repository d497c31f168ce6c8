#!/bin/bash
# pattern_parallel.sh - delegation pattern 2, parallel execution: three
# specialists wait for one feature task, then all start at once.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }
export TM_AGENT_ID="${TM_AGENT_ID:-orchestrator}"

# Frontend and Backend work in parallel
FEATURE=$(tm add "User profile feature" --assignee orchestrator)
tm add "API endpoints" --depends-on "$FEATURE" --assignee backend_specialist
tm add "UI components" --depends-on "$FEATURE" --assignee frontend_specialist
tm add "Database views" --depends-on "$FEATURE" --assignee db_specialist

# When the feature task is done, all three become ready together.
tm complete "$FEATURE"
echo "Ready in parallel:"
tm ready
