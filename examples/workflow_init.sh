#!/bin/bash
# workflow_init.sh - orchestrator workflow 1, project initialisation: a
# project task, its major components, shared context and sync points.
# Uses `tm` from PATH (or $TM) and the store tm finds (TM_DB_PATH or
# TM_FLAGS="--db PATH" choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }
export TM_AGENT_ID="${TM_AGENT_ID:-orchestrator}"

# 1. Create project hierarchy
PROJECT=$(tm add "E-commerce Platform" -p critical --assignee orchestrator)

# 2. Define major components
tm add "Database Design" --depends-on "$PROJECT" --assignee db_specialist
tm add "Payment Integration" --depends-on "$PROJECT" --assignee payment_specialist
tm add "Inventory System" --depends-on "$PROJECT" --assignee backend_specialist
tm add "Shopping Cart UI" --depends-on "$PROJECT" --assignee frontend_specialist

# 3. Set project context
tm share "$PROJECT" "Stack: Node.js, PostgreSQL, React, Stripe"
tm share "$PROJECT" "MVP Features: Products, Cart, Checkout, Orders"
# Single quotes keep "$50k" literal (in double quotes bash would expand $5).
# shellcheck disable=SC2016
tm share "$PROJECT" 'Timeline: 6 weeks, Budget: $50k'

# 4. Create sync points
tm sync "$PROJECT" "Week 1: Database and API structure"
tm sync "$PROJECT" "Week 3: Integration testing"
tm sync "$PROJECT" "Week 5: User acceptance testing"

# What every specialist now reads on the project task
tm context "$PROJECT"
