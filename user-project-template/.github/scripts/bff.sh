#!/usr/bin/env bash
# Calls the PocketCode BFF from a workflow run, authenticated with the run's GitHub OIDC token
# (audience = the BFF). Usage: bff.sh <path> <json-body>; prints the response body.
# Needs `permissions: id-token: write` and the env BFF_URL and BFF_AUDIENCE.
set -euo pipefail
path="$1"
body="$2"
audience=$(jq -rn --arg a "$BFF_AUDIENCE" '$a|@uri')
token=$(curl -sS --fail -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$audience" | jq -r .value)
echo "::add-mask::$token"
curl -sS --fail-with-body --retry 3 --retry-all-errors --max-time 60 -X POST "$BFF_URL$path" \
  -H "Authorization: Bearer $token" -H "Content-Type: application/json" --data "$body"
