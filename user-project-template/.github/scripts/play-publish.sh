#!/usr/bin/env bash
# Uploads the signed AAB to Google Play and releases it on a track, through the Google Play
# Developer API (androidpublisher v3): edits.insert, edits.bundles.upload, edits.tracks.update,
# edits.commit. Runs in the workflow's `publish` job, which holds the Play key and nothing of the
# project's code; replaces r0adkll/upload-google-play, which has no Node 24 release.
#
# Usage: play-publish.sh <signed.aab>
# Environment:
#   PLAY_SERVICE_ACCOUNT_JSON  the service account's JSON key (client_email, private_key)
#   PACKAGE_NAME, TRACK, RELEASE_STATUS (draft, completed or inProgress), USER_FRACTION (inProgress
#   only), VERSION_CODE, VERSION_NAME (the release's name), RELEASE_NOTES (en-US text, may be empty)
#   PLAY_TOKEN_URL, PLAY_API_ROOT, PLAY_UPLOAD_ROOT: Google's endpoints unless set (the tests point
#   them at a stand-in on 127.0.0.1)
# When Play refuses the bundle because its version code is already used, the script writes
# error_code=version_code_used and refused_version_code=<code> to $GITHUB_OUTPUT (the report job
# sends them to PocketCode, which moves its counter past that code) and exits 1.
#
# Google's documentation, read 2026-12-08:
#   token: developers.google.com/identity/protocols/oauth2/service-account ("Using OAuth 2.0 for
#     Server to Server Applications"): RS256 JWT {iss, scope, aud, iat, exp <= iat+3600}, aud and
#     endpoint https://oauth2.googleapis.com/token, grant_type urn:ietf:params:oauth:grant-type:jwt-bearer
#   API: developers.google.com/android-publisher/api-ref/rest/v3: edits.insert (POST .../edits),
#     edits.bundles.upload (POST https://androidpublisher.googleapis.com/upload/androidpublisher/v3/
#     applications/{packageName}/edits/{editId}/bundles, uploadType=media), edits.tracks.update
#     (PUT .../edits/{editId}/tracks/{track}, a Track {track, releases: [{name, versionCodes
#     (strings), status, userFraction, releaseNotes: [{language, text}]}]}), edits.commit
#     (POST .../edits/{editId}:commit); scope https://www.googleapis.com/auth/androidpublisher
#   A used version code: HTTP 403, reason apkUpgradeVersionConflict, "APK specifies a version code
#     that has already been used." (as Play answers it, quoted in fastlane/fastlane#13277 and
#     bitrise-steplib/steps-google-play-deploy#31)
set -euo pipefail

token_url="${PLAY_TOKEN_URL:-https://oauth2.googleapis.com/token}"
api_root="${PLAY_API_ROOT:-https://androidpublisher.googleapis.com}"
upload_root="${PLAY_UPLOAD_ROOT:-https://androidpublisher.googleapis.com/upload}"
scope="https://www.googleapis.com/auth/androidpublisher"

fail() {
  echo "::error::play-publish.sh: $*" >&2
  exit 1
}

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1" >> "$GITHUB_OUTPUT"; fi
}

[ $# -eq 1 ] && [ -f "$1" ] || fail "usage: play-publish.sh <signed.aab> (file missing)"
aab="$1"
for name in PLAY_SERVICE_ACCOUNT_JSON PACKAGE_NAME TRACK RELEASE_STATUS VERSION_CODE; do
  [ -n "${!name:-}" ] || fail "$name is not set"
done
[[ "$VERSION_CODE" =~ ^[1-9][0-9]{0,9}$ ]] || fail "version code '$VERSION_CODE' is not a positive number"
case "$RELEASE_STATUS" in
  draft | completed) ;;
  inProgress) [[ "${USER_FRACTION:-}" =~ ^0\.[0-9]+$ ]] || fail "a staged rollout needs a fraction between 0 and 1, not '${USER_FRACTION:-}'" ;;
  *) fail "release status '$RELEASE_STATUS' is not draft, completed or inProgress" ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

base64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# The service account's token: a JWT signed with its private key (never on a command line).
client_email=$(jq -er .client_email <<< "$PLAY_SERVICE_ACCOUNT_JSON" 2> /dev/null) \
  || fail "the Play service-account key has no client_email (store it in PocketCode again)"
jq -er .private_key <<< "$PLAY_SERVICE_ACCOUNT_JSON" > "$work/key.pem" 2> /dev/null \
  || fail "the Play service-account key has no private_key (store it in PocketCode again)"
now=$(date +%s)
header=$(printf '%s' '{"alg":"RS256","typ":"JWT"}' | base64url)
# aud is Google's token endpoint whatever URL the assertion is posted to (Google's documentation).
claims=$(jq -cn --arg iss "$client_email" --arg scope "$scope" --arg aud "https://oauth2.googleapis.com/token" --argjson iat "$now" \
  '{iss: $iss, scope: $scope, aud: $aud, iat: $iat, exp: ($iat + 3600)}' | base64url)
signature=$(printf '%s' "$header.$claims" | openssl dgst -sha256 -sign "$work/key.pem" -binary | base64url) \
  || fail "the Play service-account key's private_key is not a usable RSA key"
rm -f "$work/key.pem"

# call <name> <curl arguments...>: prints the response body; on an HTTP error prints Play's message.
call() {
  local name="$1" status
  shift
  status=$(curl -sS --retry 3 --max-time 600 -o "$work/response" -w '%{http_code}' "$@") || fail "$name: Google Play could not be reached"
  if [ "$status" -ge 400 ]; then
    cp "$work/response" "$work/error"
    return 1
  fi
  cat "$work/response"
}

# Google's APIs answer {error: {message}}, its token endpoint {error, error_description}.
play_error() {
  jq -r 'if (.error | type) == "object" then .error.message else (.error_description // .error) end // "no message"' "$work/error" 2> /dev/null \
    || echo "no message"
}

token=$(call token -X POST "$token_url" --data-urlencode "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer" \
  --data-urlencode "assertion=$header.$claims.$signature" | jq -er .access_token) \
  || fail "Google refused the service account's token request: $(play_error)"
echo "::add-mask::$token"
auth=(-H "Authorization: Bearer $token")
app="applications/$(jq -rn --arg p "$PACKAGE_NAME" '$p|@uri')"

edit=$(call edits.insert -X POST "${auth[@]}" -H "Content-Type: application/json" --data '{}' \
  "$api_root/androidpublisher/v3/$app/edits" | jq -er .id) \
  || fail "Google Play refused to open an edit for $PACKAGE_NAME: $(play_error)"

if ! call edits.bundles.upload -X POST "${auth[@]}" -H "Content-Type: application/octet-stream" --data-binary "@$aab" \
  "$upload_root/androidpublisher/v3/$app/edits/$edit/bundles?uploadType=media" > "$work/bundle"; then
  if jq -e '[.error.errors[]?.reason] | index("apkUpgradeVersionConflict")' "$work/error" > /dev/null 2>&1 \
    || grep -qi 'version code that has already been used' "$work/error"; then
    output "error_code=version_code_used"
    output "refused_version_code=$VERSION_CODE"
    # Play's own words, so the message alone also tells PocketCode what happened.
    fail "Google Play refused the bundle: version code $VERSION_CODE has already been used (apkUpgradeVersionConflict)"
  fi
  fail "Google Play refused the bundle: $(play_error)"
fi
uploaded=$(jq -r .versionCode "$work/bundle")
[ "$uploaded" = "$VERSION_CODE" ] || fail "the bundle has version code $uploaded, not $VERSION_CODE (does app/build.gradle override versionCode?)"

release=$(jq -cn --arg name "${VERSION_NAME:-$VERSION_CODE}" --arg code "$VERSION_CODE" --arg status "$RELEASE_STATUS" \
  --arg fraction "${USER_FRACTION:-}" --arg notes "${RELEASE_NOTES:-}" --arg track "$TRACK" '
  {track: $track, releases: [
    {name: $name, versionCodes: [$code], status: $status}
    + (if $status == "inProgress" then {userFraction: ($fraction | tonumber)} else {} end)
    + (if $notes != "" then {releaseNotes: [{language: "en-US", text: $notes}]} else {} end)
  ]}')
track_path=$(jq -rn --arg t "$TRACK" '$t|@uri')
call edits.tracks.update -X PUT "${auth[@]}" -H "Content-Type: application/json" --data "$release" \
  "$api_root/androidpublisher/v3/$app/edits/$edit/tracks/$track_path" > /dev/null \
  || fail "Google Play refused the release on the $TRACK track: $(play_error)"
call edits.commit -X POST "${auth[@]}" "$api_root/androidpublisher/v3/$app/edits/$edit:commit" > /dev/null \
  || fail "Google Play refused to commit the edit: $(play_error)"
echo "published version code $VERSION_CODE to the $TRACK track ($RELEASE_STATUS)"
