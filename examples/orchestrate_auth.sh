#!/bin/bash
# orchestrate_auth.sh - the complete authentication-system orchestration
# from the orchestrator guide, as a runnable script. It uses `tm` from PATH
# (set TM to use another binary) and the store tm finds (set TM_DB_PATH or
# pass --db through TM_FLAGS to choose one).
set -euo pipefail
# TM_FLAGS is split into words on purpose (e.g. TM_FLAGS="--db DIR --no-mirror").
# shellcheck disable=SC2086
tm() { command "${TM:-tm}" ${TM_FLAGS:-} "$@"; }

# Setup
export TM_AGENT_ID="orchestrator"

# 1. Create main project
echo "Creating authentication system project..."
AUTH=$(tm add "Implement secure authentication system" -p critical --assignee orchestrator)

# 2. Share requirements
tm share "$AUTH" "Requirements Document:"
tm share "$AUTH" "- JWT-based authentication"
tm share "$AUTH" "- Password reset via email"
tm share "$AUTH" "- 2FA support (TOTP)"
tm share "$AUTH" "- Session management with Redis"
tm share "$AUTH" "- GDPR compliant audit logs"

# 3. Create phase 1: Database
echo "Phase 1: Database Design"
PHASE1=$(tm add "Phase 1: Database Schema" --depends-on "$AUTH" --assignee orchestrator)

DB_USERS=$(tm add "Design users table" \
    --depends-on "$PHASE1" \
    --assignee db_specialist \
    --tag phase1)

DB_SESSIONS=$(tm add "Design sessions table" \
    --depends-on "$PHASE1" \
    --assignee db_specialist \
    --tag phase1)

DB_AUDIT=$(tm add "Design audit log table" \
    --depends-on "$PHASE1" \
    --assignee db_specialist \
    --tag phase1)

# 4. Create phase 2: Backend
echo "Phase 2: Backend Implementation"
PHASE2=$(tm add "Phase 2: API Development" --depends-on "$PHASE1" --assignee orchestrator)

API_JWT=$(tm add "Implement JWT generation/validation" \
    --depends-on "$PHASE2" \
    --assignee backend_specialist \
    --tag phase2)

API_ENDPOINTS=$(tm add "Create auth REST endpoints" \
    --depends-on "$PHASE2" \
    --assignee backend_specialist \
    --tag phase2)

API_MIDDLEWARE=$(tm add "Build authentication middleware" \
    --depends-on "$API_JWT" \
    --assignee backend_specialist \
    --tag phase2)

API_2FA=$(tm add "Implement 2FA with TOTP" \
    --depends-on "$API_ENDPOINTS" \
    --assignee security_specialist \
    --tag phase2)

# 5. Create phase 3: Frontend
echo "Phase 3: User Interface"
PHASE3=$(tm add "Phase 3: Frontend Development" --depends-on "$PHASE2" --assignee orchestrator)

UI_LOGIN=$(tm add "Build login component" \
    --depends-on "$PHASE3" \
    --assignee frontend_specialist \
    --tag phase3)

UI_REGISTER=$(tm add "Build registration flow" \
    --depends-on "$PHASE3" \
    --assignee frontend_specialist \
    --tag phase3)

UI_RESET=$(tm add "Build password reset UI" \
    --depends-on "$PHASE3" \
    --assignee frontend_specialist \
    --tag phase3)

UI_2FA=$(tm add "Build 2FA setup interface" \
    --depends-on "$PHASE3" \
    --assignee frontend_specialist \
    --tag phase3)

# 6. Create phase 4: Testing
echo "Phase 4: Testing & Security"
PHASE4=$(tm add "Phase 4: Testing" --depends-on "$PHASE3" --assignee orchestrator)

TEST_UNIT=$(tm add "Write unit tests" \
    --depends-on "$PHASE4" \
    --assignee qa_specialist \
    --tag phase4)

TEST_INTEGRATION=$(tm add "Write integration tests" \
    --depends-on "$PHASE4" \
    --assignee qa_specialist \
    --tag phase4)

TEST_SECURITY=$(tm add "Perform security audit" \
    --depends-on "$PHASE4" \
    --assignee security_specialist \
    --tag phase4)

# 7. Set milestones
tm sync "$AUTH" "Milestone 1: Database complete (Day 3)"
tm sync "$AUTH" "Milestone 2: API complete (Day 7)"
tm sync "$AUTH" "Milestone 3: UI complete (Day 10)"
tm sync "$AUTH" "Milestone 4: Testing complete (Day 14)"

# 8. Final message
echo "Orchestration complete!"
echo "Total tasks created: $(tm list | wc -l)"
echo ""
echo "Specialists can now run:"
echo "  export TM_AGENT_ID=<specialist_name>"
echo "  tm list --assignee <specialist_name> --status pending"
echo ""
echo "Monitor progress with:"
echo "  tm list --tag phase1"
echo "  tm watch"
# The ids above are kept for readers who extend the script.
: "$DB_USERS $DB_SESSIONS $DB_AUDIT $API_MIDDLEWARE $API_2FA $UI_LOGIN $UI_REGISTER $UI_RESET"
: "$UI_2FA $TEST_UNIT $TEST_INTEGRATION $TEST_SECURITY"
