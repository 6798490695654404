#!/usr/bin/env bash
# Uploads the signed AAB and APK to PocketCode: for each file the BFF grants a short-lived signed
# URL of its build-artifacts bucket (POST /v1/builds/{id}/artifact-uploads), then the file is PUT there.
# Usage: upload-to-pocketcode.sh <signed-dir>; env BUILD_ID, GITHUB_RUN_ID and what bff.sh needs.
set -euo pipefail
signed="$1"
scripts=$(dirname "$0")
for file in app-release.aab app-release.apk; do
  request=$(jq -cn --arg file "$file" --argjson runId "$GITHUB_RUN_ID" '{file: $file, runId: $runId}')
  grant=$("$scripts/bff.sh" "/v1/builds/$BUILD_ID/artifact-uploads" "$request")
  url=$(jq -r .url <<< "$grant")
  echo "::add-mask::$url"
  curl -sS --fail-with-body --retry 3 -X PUT -H "Content-Type: $(jq -r .contentType <<< "$grant")" \
    --upload-file "$signed/$file" "$url" > /dev/null
done
