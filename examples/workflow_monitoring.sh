#!/bin/bash
# workflow_monitoring.sh - orchestrator workflow 3, progress monitoring.
# It first sets up a little project in several states (as specialists
# would), then runs the guide's monitoring commands on it.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }
export TM_AGENT_ID="${TM_AGENT_ID:-orchestrator}"

# Setup: phase 1 partly done, one backend task started, one waiting.
SCHEMA=$(tm add "Design schema" --assignee db_specialist --tag phase1)
SETUP=$(tm add "Provision database" --assignee db_specialist --tag phase1)
AUTH=$(tm add "Auth endpoints" --assignee backend_specialist --tag phase1)
tm add "Profile endpoints" --depends-on "$AUTH" --assignee backend_specialist --tag phase2 >/dev/null
tm add "Search endpoints" --assignee backend_specialist --tag phase2 >/dev/null
tm complete "$SCHEMA" --summary "Schema reviewed" >/dev/null
tm complete "$SETUP" >/dev/null
tm --agent backend_specialist update "$AUTH" --status in_progress >/dev/null
tm --agent backend_specialist share "$AUTH" "Login and logout done, tokens next" >/dev/null

# Real-time monitoring: what happened since this agent last looked. In a
# terminal, `tm watch` alone follows live; --timeout 0 returns at once.
echo "== Updates =="
tm watch --timeout 0

# Status overview
echo "== In progress =="
tm list --status in_progress
echo "== Blocked =="
tm list --status blocked

# Specialist workload
echo "== backend_specialist pending =="
tm list --assignee backend_specialist --status pending

# Phase tracking
echo "== phase1 completed =="
tm list --tag phase1 --status completed
