#!/bin/bash
# pattern_sequential.sh - delegation pattern 1, a sequential pipeline:
# Database -> Backend -> Frontend -> QA, each step waiting for the previous.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }
export TM_AGENT_ID="${TM_AGENT_ID:-orchestrator}"

# Database → Backend → Frontend → QA
SCHEMA=$(tm add "Design schema" --assignee db_specialist)
API=$(tm add "Build API" --depends-on "$SCHEMA" --assignee backend_specialist)
UI=$(tm add "Create UI" --depends-on "$API" --assignee frontend_specialist)
TEST=$(tm add "Test system" --depends-on "$UI" --assignee qa_specialist)

# Only the first step is ready; each later one is blocked by its predecessor.
echo "Pipeline: $SCHEMA -> $API -> $UI -> $TEST"
tm list
echo "Ready now:"
tm ready
