#!/bin/bash
# advanced_techniques.sh - the guide's advanced orchestration techniques:
# dynamic task creation after a discovery, a fallback managed by hand, and
# assigning new work to the first specialist with spare capacity.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }
export TM_AGENT_ID="${TM_AGENT_ID:-orchestrator}"

# Setup: a project, and a backend specialist already busy with three tasks.
PROJECT=$(tm add "Social platform API" -p high --assignee orchestrator)
for n in 1 2 3; do
    BUSY=$(tm add "Backend work $n" --assignee backend_specialist)
    tm update "$BUSY" --status in_progress >/dev/null
done
tm add "Schema review" --assignee db_specialist >/dev/null

echo "== Dynamic task creation =="
# Create tasks based on discovered requirements
tm discover "$PROJECT" "Found 5 API endpoints needed"
for endpoint in users posts comments likes shares; do
    tm add "Create $endpoint endpoint" --assignee backend_specialist
done

echo "== Conditional dependencies =="
# Create fallback tasks
PRIMARY=$(tm add "Try approach A" --assignee specialist_1)
FALLBACK=$(tm add "Fallback to approach B" --assignee specialist_2)
tm update "$FALLBACK" --status blocked  # Manually manage based on PRIMARY outcome
echo "Primary $PRIMARY, fallback $FALLBACK"

echo "== Resource balancing =="
# Check specialist availability before assignment
for specialist in $(tm list --group-by assignee | grep specialist); do
    workload=$(tm list --assignee "$specialist" --status in_progress | wc -l)
    if [ "$workload" -lt 3 ]; then
        echo "Assigning to $specialist ($workload active)"
        tm add "New task" --assignee "$specialist"
        break
    fi
done
