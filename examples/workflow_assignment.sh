#!/bin/bash
# workflow_assignment.sh - orchestrator workflow 2, task assignment: see who
# has work, assign by expertise, reassign when needed.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }
export TM_AGENT_ID="${TM_AGENT_ID:-orchestrator}"

# Reading commands never create a store; make sure there is one.
tm init >/dev/null

# View available specialists (each assignee alone on a line, then its tasks)
echo "Workload before:"
tm list --group-by assignee

# Assign based on expertise
OAUTH=$(tm add "OAuth implementation" --assignee security_specialist --tag auth)
tm add "Database optimization" --assignee db_specialist --tag performance
tm add "UI responsiveness" --assignee frontend_specialist --tag mobile

# Reassign if needed
tm update "$OAUTH" --assignee senior_backend_specialist

echo "Workload after:"
tm list --group-by assignee
