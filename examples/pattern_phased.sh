#!/bin/bash
# pattern_phased.sh - delegation pattern 3, phased delivery: phase 2 and its
# work wait for the phase 1 checkpoint.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }
export TM_AGENT_ID="${TM_AGENT_ID:-orchestrator}"

# Phase 1: Foundation
PHASE1=$(tm add "Phase 1: Core Infrastructure" -p high --assignee orchestrator)
tm add "Database setup" --depends-on "$PHASE1" --assignee db_specialist --tag phase1
tm add "API framework" --depends-on "$PHASE1" --assignee backend_specialist --tag phase1

# Phase 2: Features (blocked until Phase 1 completes)
PHASE2=$(tm add "Phase 2: Features" --depends-on "$PHASE1" --assignee orchestrator)
tm add "User management" --depends-on "$PHASE2" --assignee backend_specialist --tag phase2
tm add "Admin panel" --depends-on "$PHASE2" --assignee frontend_specialist --tag phase2

echo "Phase 1 work:"
tm list --tag phase1
echo "Phase 2 work:"
tm list --tag phase2
