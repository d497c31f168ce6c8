#!/bin/bash
# quick_start.sh - the orchestrator guide's quick start as a runnable script:
# a four-task chain, shared project context, and a first look at progress.
# It uses `tm` from PATH (set TM to use another binary) and the store tm
# finds (set TM_DB_PATH, or TM_FLAGS="--db PATH", to choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }

# 1. Set your identity
export TM_AGENT_ID="orchestrator"

# 2. Create project structure
MAIN=$(tm add "Build authentication system" -p high --assignee orchestrator)
DB=$(tm add "Design database" --depends-on "$MAIN" --assignee db_specialist)
API=$(tm add "Create API" --depends-on "$DB" --assignee backend_specialist)
UI=$(tm add "Build UI" --depends-on "$API" --assignee frontend_specialist)
echo "Created $MAIN <- $DB <- $API <- $UI"

# 3. Share project context
tm share "$MAIN" "Requirements: JWT auth, PostgreSQL, React"
tm share "$MAIN" "Timeline: 2 weeks, Priority: Critical"

# 4. Monitor progress
echo "In progress:"
tm list --status in_progress
echo "Updates:"
# What is new since this agent last looked. `tm watch` prints it and
# exits (only `tm watch -f` follows); --timeout 0 makes that explicit.
tm watch --timeout 0
