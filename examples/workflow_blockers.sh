#!/bin/bash
# workflow_blockers.sh - orchestrator workflow 4, handling blockers: a
# specialist raises a blocker, the orchestrator reviews it, responds and
# raises the priority of the task that blocks.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }
export TM_AGENT_ID="orchestrator"

# Setup: the API work waits for the schema.
SCHEMA=$(tm add "Finalize database schema" --assignee db_specialist)
API=$(tm add "Build user API" --depends-on "$SCHEMA" --assignee backend_specialist)

# Sub-agent reports blocker
TM_AGENT_ID=backend_specialist tm discover "$API" "BLOCKED: Need database schema finalized"

# Orchestrator sees and responds
tm context "$API"  # Review the blocker
tm share "$API" "Escalating to db_specialist for immediate resolution"
tm update "$SCHEMA" --priority critical  # Increase priority of blocking task
tm show "$SCHEMA"
