#!/usr/bin/env bash
# The stop/cleanup functions run from the EXIT trap, which shellcheck does not follow.
# shellcheck disable=SC2317
# Smoke test of the local run: starts the AppHost (dev/PocketCode.AppHost) in the background, waits
# for /health/ready of all three services, mints a development token from the BFF, checks that the
# three identity routes answer with that uid (and refuse a request without a token), then stops the
# AppHost with SIGTERM and checks that every process it started is gone.
#
#   dev/smoke.sh                # embedded mode (SQLite + blob folder under .data/)
#   dev/smoke.sh --emulators    # Firestore emulator + storage emulator
#
# Ports follow the AppHost's variables (POCKETCODE_BFF_PORT, ...). Needs bash, curl and dotnet.
# Exit status: 0 when every check passed, 1 otherwise. SMOKE_KEEP_LOG=1 keeps the AppHost log.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APPHOST_DIR="$ROOT/dev/PocketCode.AppHost"
BFF_PORT="${POCKETCODE_BFF_PORT:-8080}"
MARKETPLACE_PORT="${POCKETCODE_MARKETPLACE_PORT:-8081}"
API_PROXY_PORT="${POCKETCODE_API_PROXY_PORT:-8082}"
READY_TIMEOUT="${SMOKE_READY_TIMEOUT:-240}"
STOP_TIMEOUT="${SMOKE_STOP_TIMEOUT:-90}"
DATA_DIR="${POCKETCODE_DATA_DIR:-$ROOT/.data}"
LOG="$(mktemp -t pocketcode-smoke.XXXXXX.log)"
APPHOST_PID=""
FAILURES=0
TRACKED=""

say()  { printf 'smoke: %s\n' "$*"; }
pass() { printf 'smoke: PASS %s\n' "$*"; }
fail() { printf 'smoke: FAIL %s\n' "$*" >&2; FAILURES=$((FAILURES + 1)); }

# All descendants of a PID (children first found through /proc, no pstree needed).
descendants() {
  local pid child
  for pid in "$@"; do
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
      echo "$child"
      descendants "$child"
    done
  done
}

# The AppHost, its orchestrator (DCP detaches from the AppHost but names the AppHost PID it monitors)
# and everything those started: the services, emulators, helper monitors.
collect_tree() {
  local pid
  local -a host_pids found dcp_pids=()
  read -r -a host_pids <<<"$APPHOST_PID $(descendants "$APPHOST_PID" | tr '\n' ' ')"
  for pid in "${host_pids[@]}"; do
    read -r -a found <<<"$(pgrep -f -- "--monitor $pid( |\$)" 2>/dev/null | tr '\n' ' ')"
    dcp_pids+=("${found[@]}")
  done
  local -a dcp_children=()
  if [ "${#dcp_pids[@]}" -gt 0 ]; then
    read -r -a dcp_children <<<"$(descendants "${dcp_pids[@]}" | tr '\n' ' ')"
  fi
  printf '%s\n' "${host_pids[@]}" "${dcp_pids[@]}" "${dcp_children[@]}" |
    grep -E '^[0-9]+$' | sort -un | tr '\n' ' '
}

alive() { kill -0 "$1" 2>/dev/null; }

stop_apphost() {
  [ -n "$APPHOST_PID" ] || return 0
  if alive "$APPHOST_PID"; then
    # Refresh the list right before stopping: it now includes every process the run started.
    TRACKED="$TRACKED $(collect_tree)"
    say "stopping the AppHost (SIGTERM to PID $APPHOST_PID)"
    kill -TERM "$APPHOST_PID" 2>/dev/null
    local waited=0
    while alive "$APPHOST_PID" && [ "$waited" -lt "$STOP_TIMEOUT" ]; do sleep 1; waited=$((waited + 1)); done
    if alive "$APPHOST_PID"; then
      fail "AppHost still running ${STOP_TIMEOUT}s after SIGTERM; sending SIGKILL to PID $APPHOST_PID"
      kill -KILL "$APPHOST_PID" 2>/dev/null
    else
      pass "AppHost exited ${waited}s after SIGTERM"
    fi
  fi
  wait "$APPHOST_PID" 2>/dev/null
  APPHOST_PID=""

  # Every process of this run must be gone (the orchestrator may need a few seconds more).
  local left waited=0
  while :; do
    left=""
    for pid in $TRACKED; do
      if alive "$pid"; then left="$left $pid"; fi
    done
    [ -z "$left" ] && break
    [ "$waited" -ge 30 ] && break
    sleep 1; waited=$((waited + 1))
  done
  if [ -n "$left" ]; then
    fail "processes of this run still alive after stop:"
    for pid in $left; do ps -o pid=,args= -p "$pid" | cut -c1-160 >&2; done
  else
    pass "all $(wc -w <<<"$TRACKED") processes of this run are gone"
  fi
  for port in "$BFF_PORT" "$MARKETPLACE_PORT" "$API_PROXY_PORT"; do
    if curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/health/live"; then
      fail "port $port still answers after stop"
    fi
  done
}

finish() {
  local status=$?
  stop_apphost
  if [ "$FAILURES" -gt 0 ] || [ "$status" -ne 0 ]; then
    say "AppHost log (last 60 lines of $LOG):"
    tail -n 60 "$LOG" | sed 's/^/  | /' >&2
    say "RESULT: FAILED ($FAILURES failed checks)"
    exit 1
  fi
  if [ "${SMOKE_KEEP_LOG:-0}" = "1" ]; then say "AppHost log kept at $LOG"; else rm -f "$LOG"; fi
  say "RESULT: OK"
  exit 0
}
trap finish EXIT
trap 'exit 130' INT TERM

command -v curl >/dev/null || { fail "curl is required"; exit 1; }
command -v dotnet >/dev/null || { fail "dotnet is required"; exit 1; }

for port in "$BFF_PORT" "$MARKETPLACE_PORT" "$API_PROXY_PORT"; do
  if curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/"; then
    fail "port $port is already in use; stop whatever listens there first"
    exit 1
  fi
done

say "building the AppHost and the services it references"
if ! dotnet build "$APPHOST_DIR" -nologo -v quiet -clp:ErrorsOnly >"$LOG" 2>&1; then
  fail "dotnet build failed"
  exit 1
fi

say "starting: dotnet run --project dev/PocketCode.AppHost --no-build -- $*"
(cd "$ROOT" && exec dotnet run --project "$APPHOST_DIR" --no-build -- "$@") >>"$LOG" 2>&1 &
APPHOST_PID=$!
say "AppHost PID $APPHOST_PID, log $LOG"

# Wait for /health/ready of the three services.
start=$(date +%s)
ready=""
while :; do
  if ! alive "$APPHOST_PID"; then
    fail "AppHost exited before the services were ready"
    exit 1
  fi
  ready=""
  for port in "$BFF_PORT" "$MARKETPLACE_PORT" "$API_PROXY_PORT"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 3 "http://127.0.0.1:$port/health/ready")
    [ "$code" = "200" ] && ready="$ready $port"
  done
  [ "$(wc -w <<<"$ready")" -eq 3 ] && break
  if [ $(( $(date +%s) - start )) -ge "$READY_TIMEOUT" ]; then
    fail "not all services ready within ${READY_TIMEOUT}s (ready:${ready:- none})"
    exit 1
  fi
  sleep 1
done
pass "all three /health/ready answered 200 after $(( $(date +%s) - start ))s"
TRACKED="$(collect_tree)"

# The AppHost prints its banner once the services are healthy.
for _ in $(seq 1 20); do grep -q 'PocketCode is running' "$LOG" && break; sleep 0.5; done
if grep -q 'PocketCode is running' "$LOG" && grep -q "curl -s -X POST http://127.0.0.1:$BFF_PORT/dev/tokens" "$LOG"; then
  pass "AppHost printed the addresses and the token command"
else
  fail "AppHost did not print its ready banner with the token command"
fi

# Mint a development token from the BFF.
UID_UNDER_TEST="smoke-$$-$RANDOM"
token_json=$(curl -s -m 10 -X POST "http://127.0.0.1:$BFF_PORT/dev/tokens" \
  -H 'Content-Type: application/json' -d "{\"uid\":\"$UID_UNDER_TEST\"}")
TOKEN=$(printf '%s' "$token_json" | sed -nE 's/.*"idToken"[[:space:]]*:[[:space:]]*"([^"]+)".*/\1/p')
if [ -n "$TOKEN" ]; then
  pass "POST /dev/tokens on the BFF returned an idToken for uid $UID_UNDER_TEST"
else
  fail "POST /dev/tokens returned no idToken: $token_json"
  exit 1
fi

check_whoami() {
  local name="$1" url="$2" body code
  body=$(curl -s -m 10 -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" "$url")
  code=${body##*$'\n'}; body=${body%$'\n'*}
  if [ "$code" = "200" ] && printf '%s' "$body" | grep -q "\"uid\"[[:space:]]*:[[:space:]]*\"$UID_UNDER_TEST\""; then
    pass "$name GET $url -> 200 $body"
  else
    fail "$name GET $url -> $code $body (expected 200 with uid $UID_UNDER_TEST)"
  fi
  code=$(curl -s -o /dev/null -m 10 -w '%{http_code}' "$url")
  if [ "$code" = "401" ]; then
    pass "$name GET $url without a token -> 401"
  else
    fail "$name GET $url without a token -> $code (expected 401)"
  fi
}
check_whoami bff "http://127.0.0.1:$BFF_PORT/v1/whoami"
check_whoami marketplace "http://127.0.0.1:$MARKETPLACE_PORT/v1/marketplace/whoami"
check_whoami api-proxy "http://127.0.0.1:$API_PROXY_PORT/proxy/whoami"

# One shared, stable data folder (what makes a restart keep the data).
if grep -q "data dir     -> $DATA_DIR\$" "$LOG"; then
  pass "data directory is $DATA_DIR"
else
  fail "AppHost did not report the data directory $DATA_DIR"
fi
if [[ " $* " != *" --emulators "* ]] && [ "${POCKETCODE_EMULATORS:-0}" != "1" ]; then
  if [ -f "$DATA_DIR/documents.db" ]; then
    pass "SQLite file $DATA_DIR/documents.db exists"
  else
    fail "no SQLite file at $DATA_DIR/documents.db"
  fi
fi

exit 0
