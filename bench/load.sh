#!/usr/bin/env bash
# bench/load.sh: the portal's load test (issue 8). Not part of `go test`.
#
# Builds the generated dataset, starts the portal on it (127.0.0.1 only),
# logs in 64 dealer sessions and 3 staff sessions (bench/prepare), then
# drives each page with wrk at 64 connections and prints req/s, p50 and p99,
# each also as a ratio to a bare Fiber route rendering a 50-row html/template
# table (bench/baseline), measured in the same run. Results: docs/PERFORMANCE.md.
#
#   bench/load.sh                                   # documented size, ~7 min
#   CUSTOMERS=200 PRODUCTS=2000 ENTRIES=300 ORDERS=1000 DURATION=3s bench/load.sh   # quick
#
# Environment (defaults):
#   CUSTOMERS=1000 PRODUCTS=20000 ENTRIES=3000 ORDERS=20000   dataset (portal demo;
#                             ORDERS: generated sales orders, when the generator has --orders)
#   DEMO_FLAGS=               more `portal demo` flags
#   BENCH_DB=                 reuse this generated database (copied, never changed)
#   DURATION=15s CONNECTIONS=64 THREADS=2        per scenario (wrk)
#   BASE_DURATION=5s          the baseline run before each scenario
#   SESSIONS=64 WARMUP=5                         dealer sessions, warm-up orders each
#   PORT=18480 BASE_PORT=18481                   loopback ports
#   WORK=                     working folder (a new temp folder by default; kept)
#   KEEP_DB=1                 keep the database in WORK (removed at the end otherwise)
set -euo pipefail
cd "$(dirname "$0")/.."

CUSTOMERS=${CUSTOMERS:-1000}
PRODUCTS=${PRODUCTS:-20000}
ENTRIES=${ENTRIES:-3000}
ORDERS=${ORDERS:-20000}
DURATION=${DURATION:-15s}
BASE_DURATION=${BASE_DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SESSIONS=${SESSIONS:-64}
WARMUP=${WARMUP:-5}
PORT=${PORT:-18480}
BASE_PORT=${BASE_PORT:-18481}
WORK=${WORK:-$(mktemp -d /tmp/portal-bench.XXXXXX)}
mkdir -p "$WORK"

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing wrk"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: apt-get install wrk (as root)" >&2
    exit 1
  fi
fi
command -v curl >/dev/null 2>&1 || { echo "curl is missing" >&2; exit 1; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill -INT "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

wait_up() { # url
  for _ in $(seq 200); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "not answering: $1" >&2
  return 1
}

echo "== building into $WORK"
go build -o "$WORK/portal" .
go build -o "$WORK/baseline" ./bench/baseline
go build -o "$WORK/prepare" ./bench/prepare

DB="$WORK/portal.db"
rm -f "$DB"
if [ -n "${BENCH_DB:-}" ]; then
  echo "== copying $BENCH_DB"
  cp "$BENCH_DB" "$DB"
else
  gen=(--customers "$CUSTOMERS" --products "$PRODUCTS" --entries "$ENTRIES" --users 2 --seed 1)
  # Sales orders with their notices, outbounds and returns, when this build's
  # generator has them.
  if "$WORK/portal" demo -h 2>&1 | grep -q -- '-orders'; then
    gen+=(--orders "$ORDERS")
  else
    ORDERS=0
  fi
  # DEMO_FLAGS: more generator flags (e.g. the documents of later modules).
  read -r -a extra <<<"${DEMO_FLAGS:-}"
  gen+=("${extra[@]}")
  echo "== generating: ${gen[*]}"
  gen_start=$(date +%s%N)
  "$WORK/portal" demo --db "$DB" "${gen[@]}" | grep -E '^Done' || true
  gen_secs=$(awk -v a="$gen_start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  echo "   generated in ${gen_secs}s"
fi

"$WORK/portal" --addr "127.0.0.1:$PORT" --db "$DB" >"$WORK/portal.log" 2>&1 &
pids+=($!)
"$WORK/baseline" -addr "127.0.0.1:$BASE_PORT" >"$WORK/baseline.log" 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$PORT/readyz"
wait_up "http://127.0.0.1:$BASE_PORT/"

echo "== preparing sessions"
"$WORK/prepare" -base "http://127.0.0.1:$PORT" -customers "$CUSTOMERS" -sessions "$SESSIONS" -warmup "$WARMUP" -out "$WORK"

# measure URL FILE STATUS DURATION: one wrk run, printed as
# "req/s|p50 ms|p99 ms|socket errors|wrong status".
measure() {
  local out res
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$4" --timeout 10s -s bench/wrk.lua "$1" -- "$2" "$3" 2>&1 </dev/null) || {
    echo "$out" >&2; return 1; }
  res=$(echo "$out" | grep '^RESULT' || true)
  if [ -z "$res" ]; then echo "$out" >&2; return 1; fi
  echo "$res" | awk '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%.1f|%.2f|%.2f|%d|%d\n", v["requests"] / v["seconds"], v["p50_us"] / 1000, v["p99_us"] / 1000, v["errors"], v["wrong"]
  }'
}

# Every scenario is paired with a baseline run just before it, so that on a
# shared machine each ratio compares figures taken under the same conditions.
: >"$WORK/results.txt"
echo "== measuring: $CONNECTIONS connections, $THREADS wrk threads, $DURATION per scenario after $BASE_DURATION of baseline"
echo "   scenario|req/s|p50 ms|p99 ms|socket errors|wrong status|baseline req/s|p50|p99"
while IFS=$'\t' read -r name status file; do
  b=$(measure "http://127.0.0.1:$BASE_PORT" - 200 "$BASE_DURATION")
  r=$(measure "http://127.0.0.1:$PORT" "$file" "$status" "$DURATION")
  echo "$name|$r|$(echo "$b" | cut -d'|' -f1-3)" | tee -a "$WORK/results.txt"
done <"$WORK/scenarios.tsv"

{
  echo
  echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(go version | awk '{print $3}'), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
  echo "Dataset: ${BENCH_DB:-$CUSTOMERS customers, $PRODUCTS products, $ENTRIES catalog entries, $ORDERS generated sales orders${DEMO_FLAGS:+, $DEMO_FLAGS}}; $SESSIONS dealer sessions, $WARMUP warm-up orders each; database $(du -h "$DB" | cut -f1)"
  echo "Load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION per scenario (baseline -d$BASE_DURATION just before it), on the same machine as the server"
  echo
  echo "Each ratio compares with the baseline (a bare Fiber route rendering a 50-row html/template table, same compression) measured just before the scenario."
  echo "errors: socket errors + answers with another status than expected (200; 303 for the submit)."
  echo
  echo "| scenario | req/s | p50 ms | p99 ms | baseline req/s · p50 · p99 | req/s ÷ baseline | p50 ÷ baseline | p99 ÷ baseline | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'|' '{ printf "| %s | %s | %s | %s | %s · %s · %s | %.3f | %.1f | %.1f | %d |\n", $1, $2, $3, $4, $7, $8, $9,
      $2 / ($7 > 0 ? $7 : 0.001), $3 / ($8 > 0 ? $8 : 0.001), $4 / ($9 > 0 ? $9 : 0.001), $5 + $6 }' "$WORK/results.txt"
} | tee "$WORK/results.md"
if [ "${KEEP_DB:-}" != "1" ]; then
  cleanup
  pids=()
  rm -f "$DB"
fi
echo
echo "(results in $WORK/results.md; server log in $WORK/portal.log; KEEP_DB=1 keeps the database)"
