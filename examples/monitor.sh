#!/bin/bash
# monitor.sh - the orchestrator's monitoring dashboard: task counts per
# status, each specialist's active tasks, blocked and in-progress tasks.
#
# Usage: monitor.sh [--once] [--interval SECONDS]
#   --once              draw the dashboard once and exit
#   --interval SECONDS  time between refreshes (default 30)
# The screen is cleared before each drawing only when stdout is a terminal.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }

once=0
interval=30
while [ $# -gt 0 ]; do
    case $1 in
    --once) once=1 ;;
    --interval)
        [ $# -ge 2 ] || { echo "monitor.sh: --interval needs a value" >&2; exit 2; }
        interval=$2
        shift ;;
    -h|--help) echo "usage: monitor.sh [--once] [--interval SECONDS]"; exit 0 ;;
    *) echo "monitor.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
case $interval in
''|*[!0-9]*|0) echo "monitor.sh: --interval must be a positive number of seconds" >&2; exit 2 ;;
esac

# Counts are taken in assignments so that a failing tm stops the script.
draw() {
    local total pending in_progress blocked completed count specialist
    total=$(tm list | wc -l)
    pending=$(tm list --status pending | wc -l)
    in_progress=$(tm list --status in_progress | wc -l)
    blocked=$(tm list --status blocked | wc -l)
    completed=$(tm list --status completed | wc -l)

    echo "=== Task Orchestrator Dashboard ==="
    echo "Time: $(date)"
    echo ""

    echo "📊 Overview:"
    echo "  Total tasks: $total"
    echo "  Pending: $pending"
    echo "  In Progress: $in_progress"
    echo "  Blocked: $blocked"
    echo "  Completed: $completed"
    echo ""

    echo "👥 Specialist Workload:"
    for specialist in db_specialist backend_specialist frontend_specialist qa_specialist; do
        count=$(tm list --assignee "$specialist" --status in_progress | wc -l)
        echo "  $specialist: $count active tasks"
    done
    echo ""

    echo "🚨 Blocked Tasks:"
    tm list --status blocked --format simple --limit 5
    echo ""

    echo "📝 Recent Updates:"
    tm list --status in_progress --format simple --limit 5
    echo ""
}

while true; do
    if [ -t 1 ]; then
        clear
    fi
    draw
    if [ "$once" = 1 ]; then
        break
    fi
    echo "Refreshing in $interval seconds... (Ctrl+C to exit)"
    sleep "$interval"
done
