#!/bin/bash
# subagent_communication.sh - how a sub-agent talks about its task: private
# notes only it sees, shared updates and a discovery everyone sees. Then
# the task's context as the sub-agent and as the orchestrator shows the
# difference.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }

# The orchestrator creates the task the sub-agent will work on.
TASK=$(TM_AGENT_ID=orchestrator tm add "Design data storage" --assignee db_specialist)

# Sub-agent joins task
export TM_AGENT_ID="db_specialist"
tm join "$TASK"

# Private reasoning (only this agent sees)
tm note "$TASK" "Considering NoSQL vs SQL for this use case"
tm note "$TASK" "Research: MongoDB might be better for nested data"

# Share progress (all agents see)
tm share "$TASK" "Decided on PostgreSQL with JSONB columns"
tm share "$TASK" "Schema draft complete, ready for review"

# Important discovery (alerts all agents)
tm discover "$TASK" "CRITICAL: Need Redis for session management"

echo "== context as db_specialist =="
tm context "$TASK"
echo "== context as orchestrator =="
TM_AGENT_ID=orchestrator tm context "$TASK"
