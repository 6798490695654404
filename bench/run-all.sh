#!/usr/bin/env bash
# Reruns every benchmark in bench/ and rewrites its generated block in docs/benchmarks.md.
#
#   bench/run-all.sh [--only NAME[,NAME...]] [--market-data DIR]
#
# NAMEs: api-proxy, marketplace-search, cold-start, hot-paths, home-fan-out, streaming-memory,
# load-embedded, load-emulators. Each program is run with `--markdown bench/.results/NAME.md`
# (git-ignored); its fragment then replaces the lines between `<!-- generated:NAME -->` and
# `<!-- /generated:NAME -->` in docs/benchmarks.md. A benchmark that fails (or whose project does
# not exist yet) keeps its old block; the script finishes the others and exits non-zero if any failed.
#
# Marketplace search seeds a 100,000-asset SQLite catalogue (~4 minutes, ~1 GB). To reuse one, pass
# --market-data DIR (or set POCKETCODE_MARKET_BENCH_DATA=DIR): the first run seeds it, later runs reuse it.
# Run on a quiet machine: the numbers are only as good as the machine is idle.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="bench/.results"
doc="docs/benchmarks.md"
all="api-proxy,marketplace-search,cold-start,hot-paths,home-fan-out,streaming-memory,load-embedded,load-emulators"
only="$all"
market_data="${POCKETCODE_MARKET_BENCH_DATA:-}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --only) only="${2:?--only needs NAME[,NAME...]}"; shift 2 ;;
    --market-data) market_data="${2:?--market-data needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "Unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

IFS=',' read -r -a selected <<< "$only"
for name in "${selected[@]}"; do
  if [[ ",$all," != *",$name,"* ]]; then
    echo "Unknown benchmark '$name'; expected some of: $all" >&2
    exit 2
  fi
done

mkdir -p "$results"
failed=()
skipped=()
succeeded=()

wanted() { [[ ",$only," == *",$1,"* ]]; }

# run NAME PROJECT [ARGS...]: runs the project with --markdown and records the outcome.
run() {
  local name="$1" project="$2"
  shift 2
  if [[ ! -f "$project/$(basename "$project").csproj" ]]; then
    echo "== $name: skipped, $project does not exist (yet)" >&2
    skipped+=("$name")
    return 0
  fi
  # An absolute path: `dotnet run --project` runs the program in the project's folder.
  local fragment="$root/$results/$name.md"
  echo "== $name: dotnet run -c Release --project $project -- $* --markdown $results/$name.md"
  rm -f "$fragment"
  local status=0
  dotnet run -c Release --project "$project" -- "$@" --markdown "$fragment" || status=$?
  # A benchmark that ran records its numbers even when it exits non-zero for an aim or check it
  # did not meet (its fragment says which); only one that wrote nothing keeps its old block.
  if [[ -s "$fragment" ]]; then
    succeeded+=("$name")
    [[ $status -eq 0 ]] || echo "== $name: exited $status; its numbers are recorded (see its aims)" >&2
  else
    echo "== $name: FAILED (its block in $doc is left as it was)" >&2
    failed+=("$name")
  fi
}

# publish NAME ARGS...: a publish step a benchmark needs; a failure fails that benchmark.
publish() {
  local name="$1"
  shift
  echo "== $name: dotnet publish $*"
  if ! dotnet publish "$@"; then
    echo "== $name: publish FAILED" >&2
    failed+=("$name")
    return 1
  fi
}

if wanted api-proxy; then
  # The proxy benchmark starts the Native AOT binary from the default publish folder, and the bare
  # forwarder it compares with (bench/ForwarderBaseline) from its own.
  if publish api-proxy services/api-proxy/src -c Release -r linux-x64 \
    && publish api-proxy bench/ForwarderBaseline -c Release -r linux-x64; then
    run api-proxy bench/ApiProxy.Bench
  fi
fi

if wanted marketplace-search; then
  if [[ -n "$market_data" ]]; then
    run marketplace-search bench/Marketplace.Bench --assets 100000 --iterations 300 --data "$market_data"
  else
    run marketplace-search bench/Marketplace.Bench --assets 100000 --iterations 300
  fi
fi

# Cold start publishes every service three ways itself (AOT, ReadyToRun, JIT into bench/.publish).
wanted cold-start && run cold-start bench/ColdStart.Bench --publish --runs 7
wanted hot-paths && run hot-paths bench/HotPaths.Bench
wanted home-fan-out && run home-fan-out bench/HomeFanOut.Bench
if wanted streaming-memory; then
  # The BFF runs as its own published process so the memory measured is only its own.
  if publish streaming-memory services/bff/src -c Release -o bench/.publish/bff-streaming; then
    run streaming-memory bench/Streaming.Bench --bff "$root/bench/.publish/bff-streaming/PocketCode.Bff.dll" --size-mb 500
  fi
fi
wanted load-embedded && run load-embedded bench/Load.Bench --mode embedded
wanted load-emulators && run load-emulators bench/Load.Bench --mode emulators

# Replace each succeeded benchmark's marker block with its fragment.
for name in "${succeeded[@]+"${succeeded[@]}"}"; do
  begin="<!-- generated:$name -->"
  end="<!-- /generated:$name -->"
  if ! grep -qxF "$begin" "$doc" || ! grep -qxF "$end" "$doc"; then
    echo "== $name: $doc has no '$begin' ... '$end' block; add one where its numbers belong" >&2
    failed+=("$name")
    continue
  fi
  awk -v begin="$begin" -v end="$end" -v fragment="$results/$name.md" '
    $0 == begin { print; while ((getline line < fragment) > 0) print line; close(fragment); skipping = 1; next }
    $0 == end { skipping = 0 }
    !skipping { print }
  ' "$doc" > "$doc.tmp"
  mv "$doc.tmp" "$doc"
  echo "== $name: $doc updated"
done

echo
echo "Updated: ${succeeded[*]:-none}"
[[ ${#skipped[@]} -gt 0 ]] && echo "Skipped (project missing): ${skipped[*]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
