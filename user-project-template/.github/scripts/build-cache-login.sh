#!/usr/bin/env bash
# Logs the build job in to the PocketCode BFF's Gradle build cache, before Gradle runs.
#
# Gradle's HttpBuildCache can send only HTTP Basic credentials, and the run's GitHub OIDC token
# lives minutes (GitHub does not document the lifetime; about 5 minutes is what it issues), far
# less than a build. So the OIDC token (audience = the BFF) is exchanged once at
# POST /v1/build-cache/sessions for a credential that lasts the job and is bound to the build's
# owner, repository and branch (writes only from the default branch). Its values go to
# $GITHUB_ENV for the init script .github/gradle/remote-build-cache.init.gradle.kts:
#   POCKETCODE_BUILD_CACHE_URL, POCKETCODE_BUILD_CACHE_USER, POCKETCODE_BUILD_CACHE_PASSWORD
#   (masked in the log), POCKETCODE_BUILD_CACHE_PUSH (true/false).
# A cache only saves time: whatever goes wrong here (no cache on the BFF, no OIDC permission, a
# network error) writes nothing, so Gradle builds without the remote cache, and exits 0.
#
# Env: BFF_URL, BFF_AUDIENCE, BUILD_ID; ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN (permissions:
# id-token: write); GITHUB_ENV. Needs curl and jq.
set -euo pipefail

off() {
  echo "::notice title=Gradle remote cache off::$1"
  exit 0
}

for name in BFF_URL BFF_AUDIENCE BUILD_ID GITHUB_ENV; do
  [ -n "${!name:-}" ] || off "$name is not set."
done
if [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] || [ -z "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]; then
  off "the job cannot request an OIDC token (permissions: id-token: write)."
fi

audience=$(jq -rn --arg a "$BFF_AUDIENCE" '$a|@uri')
token=$(curl -sS --fail --retry 3 --max-time 30 -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$audience" | jq -r '.value // empty') || off "GitHub issued no OIDC token."
[ -n "$token" ] || off "GitHub issued no OIDC token."
echo "::add-mask::$token"

body=$(mktemp)
trap 'rm -f "$body"' EXIT
build=$(jq -rn --arg b "$BUILD_ID" '$b|@uri')
status=$(curl -sS --retry 3 --retry-all-errors --max-time 60 -o "$body" -w '%{http_code}' -X POST \
  "${BFF_URL%/}/v1/build-cache/sessions?buildId=$build" -H "Authorization: Bearer $token") || off "the BFF cannot be reached."
if [ "$status" != 200 ]; then
  # A problem response says why (503: the BFF has no cache configured).
  off "the BFF answered $status: $(jq -r '.detail // empty' "$body" 2>/dev/null | head -c 300)"
fi

url=$(jq -r '.url // empty' "$body")
user=$(jq -r '.username // empty' "$body")
password=$(jq -r '.password // empty' "$body")
push=$(jq -r 'if .push == true then "true" else "false" end' "$body")
[ -n "$password" ] && echo "::add-mask::$password"

# Each value goes into $GITHUB_ENV as one NAME=value line, so only single-line values of the
# shapes the BFF issues are written: nothing in the response can add another variable.
[[ "$url" =~ ^https?://[^[:space:]]+/$ ]] || off "the BFF's cache URL is malformed."
[[ "$user" =~ ^[A-Za-z0-9]+$ ]] || off "the BFF's cache username is malformed."
[[ "$password" =~ ^[A-Za-z0-9._-]+$ ]] || off "the BFF's cache password is malformed."

{
  echo "POCKETCODE_BUILD_CACHE_URL=$url"
  echo "POCKETCODE_BUILD_CACHE_USER=$user"
  echo "POCKETCODE_BUILD_CACHE_PASSWORD=$password"
  echo "POCKETCODE_BUILD_CACHE_PUSH=$push"
} >> "$GITHUB_ENV"
echo "Gradle remote cache: $url (push: $push)"
