#!/usr/bin/env bash
# Signs the build job's unsigned release outputs with the upload key: the APK is zipaligned and
# signed with apksigner, the AAB signed with jarsigner; both are verified. Runs in the workflow's
# `sign` job, which never checks out or runs the project's code (only .github/scripts, which
# PocketCode rewrites on every push), and in the BFF's tests with the real tools.
#
# Usage: sign.sh <unsigned-dir> <signed-dir>
#   <unsigned-dir> holds app-release.aab, app-release-unsigned.apk and SHA256SUMS (sha256sum
#   format) as the build job uploaded them; <signed-dir> receives app-release.aab and app-release.apk.
# Environment (the repository secrets PocketCode sets):
#   KEYSTORE_BASE64, KEYSTORE_TYPE (pkcs12 or jks), STORE_PASSWORD, KEY_ALIAS, KEY_PASSWORD
#   APK_MIN_SDK_VERSION (optional): passed to apksigner when the APK's manifest cannot tell it
#   (the tests' minimal APK has a text manifest).
# Tools: the newest $ANDROID_HOME/build-tools/* (GitHub's runners), else apksigner and zipalign on
# PATH (Debian's packages); jarsigner and keytool from the JDK.
#
# Errors (exit code, message on stderr; no message ever carries a password):
#   2  usage, a missing input file or a missing tool
#   3  "... does not match the digest the build job recorded"
#   4  "the keystore is corrupt or not a <type> keystore"
#   5  "the keystore password is wrong"
#   6  "the keystore has no private key with the alias '<alias>'"
#   7  "the key password is wrong"
#   8  signing or verification failed (the tool's own message follows)
set -euo pipefail

fail() {
  local code="$1"
  shift
  echo "::error::sign.sh: $*" >&2
  exit "$code"
}

[ $# -eq 2 ] || fail 2 "usage: sign.sh <unsigned-dir> <signed-dir>"
unsigned="$1"
signed="$2"
for name in KEYSTORE_BASE64 KEYSTORE_TYPE STORE_PASSWORD KEY_ALIAS KEY_PASSWORD; do
  [ -n "${!name:-}" ] || fail 2 "the $name secret is not set (store the upload keystore in PocketCode again)"
done
keystore_type=$(printf '%s' "$KEYSTORE_TYPE" | tr '[:upper:]' '[:lower:]')
case "$keystore_type" in
  pkcs12 | jks) ;;
  *) fail 2 "keystore type '$KEYSTORE_TYPE' is neither pkcs12 nor jks" ;;
esac

# The newest build-tools on a GitHub runner; Debian's packages put the same tools on PATH.
android_tool() {
  local name="$1" dir
  if [ -n "${ANDROID_HOME:-}" ] && [ -d "$ANDROID_HOME/build-tools" ]; then
    dir=$(find "$ANDROID_HOME/build-tools" -mindepth 1 -maxdepth 1 -type d | sort -V | tail -n 1)
    if [ -n "$dir" ] && [ -x "$dir/$name" ]; then
      echo "$dir/$name"
      return
    fi
  fi
  command -v "$name" || fail 2 "$name not found: install the Android build-tools (or Debian's apksigner and zipalign)"
}
apksigner=$(android_tool apksigner)
zipalign=$(android_tool zipalign)
for tool in jarsigner keytool sha256sum; do
  command -v "$tool" > /dev/null || fail 2 "$tool not found"
done

# The artifact passed through GitHub's storage: sign only what the build job recorded.
for file in app-release.aab app-release-unsigned.apk SHA256SUMS; do
  [ -f "$unsigned/$file" ] || fail 2 "$unsigned/$file is missing (the build job did not produce it)"
done
for file in app-release.aab app-release-unsigned.apk; do
  expected=$(awk -v f="$file" '$2 == f || $2 == "*" f { print $1 }' "$unsigned/SHA256SUMS")
  actual=$(sha256sum "$unsigned/$file" | cut -d ' ' -f 1)
  [ -n "$expected" ] && [ "$expected" = "$actual" ] || fail 3 "$file does not match the digest the build job recorded"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
keystore="$work/upload.keystore"
( umask 077; printf '%s' "$KEYSTORE_BASE64" | base64 --decode > "$keystore" 2> /dev/null ) \
  || fail 4 "the keystore is corrupt or not a $keystore_type keystore (its base64 does not decode)"

# keytool tells the causes apart before a signer reports them as one generic failure.
if ! listing=$(keytool -list -keystore "$keystore" -storetype "$keystore_type" -storepass:env STORE_PASSWORD 2>&1); then
  if grep -qiE 'password was incorrect|tampered with|wrong password|mac check failed' <<< "$listing"; then
    fail 5 "the keystore password is wrong"
  fi
  fail 4 "the keystore is corrupt or not a $keystore_type keystore"
fi
if ! entry=$(keytool -list -keystore "$keystore" -storetype "$keystore_type" -storepass:env STORE_PASSWORD -alias "$KEY_ALIAS" 2>&1) \
  || ! grep -q 'PrivateKeyEntry' <<< "$entry"; then
  fail 6 "the keystore has no private key with the alias '$KEY_ALIAS'"
fi

mkdir -p "$signed"
cp "$unsigned/app-release.aab" "$signed/app-release.aab"
if ! output=$(jarsigner -storetype "$keystore_type" -keystore "$keystore" -storepass:env STORE_PASSWORD -keypass:env KEY_PASSWORD \
  -digestalg SHA-256 "$signed/app-release.aab" "$KEY_ALIAS" 2>&1); then
  rm -f "$signed/app-release.aab"
  # A JKS key under another password reads as "not a private key" to jarsigner.
  if grep -qiE 'UnrecoverableKey|Cannot recover key|Get Key failed|final block not properly padded|not a private key|password' <<< "$output"; then
    fail 7 "the key password is wrong"
  fi
  fail 8 "jarsigner could not sign the bundle: $output"
fi
output=$(jarsigner -verify "$signed/app-release.aab" 2>&1) || fail 8 "the signed bundle does not verify: $output"
grep -q 'jar verified' <<< "$output" || fail 8 "the signed bundle does not verify: $output"

# -P 16: 16 KB page alignment for native libraries (build-tools 35+); older zipalign has only -p (4 KB).
align_pages=(-p)
if "$zipalign" 2>&1 | grep -q -- '-P <pagesize_kb>'; then align_pages=(-P 16); fi
"$zipalign" "${align_pages[@]}" -f 4 "$unsigned/app-release-unsigned.apk" "$work/aligned.apk" > /dev/null \
  || fail 8 "zipalign could not align the APK"
min_sdk=()
if [ -n "${APK_MIN_SDK_VERSION:-}" ]; then min_sdk=(--min-sdk-version "$APK_MIN_SDK_VERSION"); fi
if ! output=$("$apksigner" sign --ks "$keystore" --ks-type "$keystore_type" --ks-key-alias "$KEY_ALIAS" \
  --ks-pass env:STORE_PASSWORD --key-pass env:KEY_PASSWORD "${min_sdk[@]}" --out "$signed/app-release.apk" "$work/aligned.apk" 2>&1); then
  rm -f "$signed/app-release.apk"
  if grep -qiE 'UnrecoverableKey|Cannot recover key|Get Key failed|final block not properly padded' <<< "$output"; then
    fail 7 "the key password is wrong"
  fi
  fail 8 "apksigner could not sign the APK: $output"
fi
output=$("$apksigner" verify "${min_sdk[@]}" "$signed/app-release.apk" 2>&1) || fail 8 "the signed APK does not verify: $output"
rm -f "$signed/app-release.apk.idsig"
echo "signed and verified: app-release.aab, app-release.apk"
