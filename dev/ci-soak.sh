#!/usr/bin/env bash
# Finds flaky tests: runs the README's test command N times on a fresh clone of this repository,
# optionally with every core kept busy beside it, and prints each test that failed at least once
# with how often, and the first lines of each failure.
#
#   dev/ci-soak.sh [--runs N] [--load] [--ref REF] [--keep]
#
#   --runs N   runs of `dotnet test PocketCode.slnx` (default 5)
#   --load     a busy loop per core (nproc) beside the tests, at normal priority, stopped by pid at the end
#   --ref REF  commit to clone (default HEAD; uncommitted changes are not in the clone)
#   --keep     keep the clone and the results (default: removed at the end)
#
# Exit code: 0 when every run passed, 1 otherwise. Each run's summary line and the failures go to
# standard output; the test output of run i is in $work/run-i.log while it runs.
set -euo pipefail

runs=5
load=false
ref=HEAD
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --load) load=true; shift ;;
    --ref) ref="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "ci-soak: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "ci-soak: --runs needs a positive number" >&2; exit 2; }

repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
commit=$(git -C "$repo" rev-parse --verify "$ref^{commit}")
work=$(mktemp -d "${TMPDIR:-/tmp}/pocketcode-soak.XXXXXX")
hogs=()
tests_pid=""

cleanup() {
  if [ -n "$tests_pid" ]; then
    # The test run is a process group of its own (setsid): its test hosts and the servers they
    # started go with it.
    kill -- "-$tests_pid" 2>/dev/null || true
    wait "$tests_pid" 2>/dev/null || true
  fi
  for pid in "${hogs[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${hogs[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$keep" = false ]; then
    rm -rf "$work"
  else
    echo "ci-soak: kept $work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "ci-soak: $runs run(s) of commit ${commit:0:12}, load: $load, in $work"
git clone --quiet --no-local "$repo" "$work/clone"
git -C "$work/clone" checkout --quiet --detach "$commit"
# What CI installs before its test run (the emulators, redis-server, npm packages), on this machine.
(cd "$work/clone" && bash .ci/run --prepare-only) >"$work/prepare.log" 2>&1 \
  || { echo "ci-soak: .ci/run --prepare-only failed; see $work/prepare.log" >&2; keep=true; exit 1; }

if [ "$load" = true ]; then
  for _ in $(seq "$(nproc)"); do
    # A busy loop per core: the tests compete for every core, as on a loaded CI machine.
    bash -c 'while :; do :; done' &
    hogs+=("$!")
  done
  echo "ci-soak: busy loops running as pids ${hogs[*]}"
fi

failed_runs=0
for i in $(seq "$runs"); do
  results="$work/results/run-$i"
  mkdir -p "$results"
  started=$(date +%s)
  status=0
  # In the background and waited for, so Ctrl-C or a kill reaches the cleanup at once.
  (cd "$work/clone" && exec setsid dotnet test PocketCode.slnx --logger trx --results-directory "$results") >"$work/run-$i.log" 2>&1 &
  tests_pid=$!
  wait "$tests_pid" || status=$?
  tests_pid=""
  seconds=$(( $(date +%s) - started ))
  summary=$(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    skipped += int(counters.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
)
  echo "run $i/$runs: $summary, exit $status, ${seconds} s"
  if [ "$status" -ne 0 ]; then
    failed_runs=$((failed_runs + 1))
    if ! ls "$results"/*.trx >/dev/null 2>&1; then
      echo "  no test results: the build or the runner failed; last lines of its output:"
      tail -n 15 "$work/run-$i.log" | sed 's/^/    /'
    fi
  fi
done

echo
python3 - "$work/results" "$runs" <<'PY'
import collections, glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
counts = collections.Counter()
first_message = {}
for path in sorted(glob.glob(sys.argv[1] + "/run-*/**/*.trx", recursive=True)):
    root = ET.parse(path).getroot()
    for result in root.iterfind(".//t:UnitTestResult", ns):
        if result.get("outcome") in ("Failed", "Error", "Timeout"):
            name = result.get("testName")
            counts[name] += 1
            message = result.find("t:Output/t:ErrorInfo/t:Message", ns)
            first_message.setdefault(name, (message.text or "").strip() if message is not None else "")
if not counts:
    print(f"ci-soak: no test failed in {sys.argv[2]} run(s)")
else:
    print(f"ci-soak: tests that failed at least once in {sys.argv[2]} run(s):")
    for name, count in counts.most_common():
        print(f"  {count}x {name}")
        for line in first_message[name].splitlines()[:6]:
            print(f"      {line}")
PY
[ "$failed_runs" -eq 0 ]
