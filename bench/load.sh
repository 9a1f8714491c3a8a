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
#   BACKEND=postgres PROCESSES=2 bench/load.sh      # two processes on PostgreSQL behind HAProxy
#
# Environment (defaults):
#   CUSTOMERS=1000 PRODUCTS=20000 ENTRIES=3000 ORDERS=20000   dataset (portal demo;
#                             ORDERS: generated sales orders, when the generator has --orders)
#   DEMO_FLAGS=--reconciliation  more `portal demo` flags (invoices, receipts, aging
#                             for the balance pages, invoice list and statement;
#                             DEMO_FLAGS= without it)
#   BENCH_DB=                 reuse this generated database (copied, never changed)
#   DURATION=15s CONNECTIONS=64 THREADS=2        per scenario (wrk)
#   BASE_DURATION=5s          the baseline run before each scenario
#   SESSIONS=64 WARMUP=5                         dealer sessions, warm-up orders each
#   PORT=18480 BASE_PORT=18481                   loopback ports
#   WORK=                     working folder (a new temp folder by default; kept)
#   KEEP_DB=1                 keep the database in WORK (removed at the end otherwise)
#   GOMEMLIMIT=               passed to the portal (Go's soft memory limit; unset: the
#                             portal's default, 80MiB, or 3/5 of a memory cgroup's limit
#                             when lower: 60MiB under MEMCAP=100M; off: none)
#   MEM_INTERVAL=0.2          seconds between samples of the portal's memory
#   COLD=1                    drop the database copy's pages from the page cache before
#                             starting (COLD=0: keep them; RssFile then over-counts)
#   MEMCAP=                   run the portal inside a memory cgroup with this hard limit
#                             (e.g. 100M; root, cgroup v1 or v2): the kernel then charges the
#                             portal's heap AND the database pages it reads to the limit and
#                             reclaims file pages under it; the run reports the cgroup's peak,
#                             its limit hits and any OOM kill (a killed portal fails the run)
#   PPROF=1                   save the portal's heap profile after each scenario
#                             (WORK/heap-NN.pb.gz; PORTAL_PPROF on 127.0.0.1:PPROF_PORT=18482;
#                             with several processes, the first one's)
#   CPU_PROFILE=1             save a CPU profile of the (first) portal process during each
#                             scenario (WORK/cpu-NN.pb.gz; implies PPROF=1)
#   BACKEND=bbolt             or postgres: a private PostgreSQL cluster in WORK/pg
#                             (initdb and pg_ctl from /usr/lib/postgresql/*/bin, 127.0.0.1:PG_PORT=18490,
#                             never the system's cluster; Debian's postgresql is installed
#                             when missing, as root, without a system cluster), the dataset
#                             generated into it (or BENCH_DB moved into it with portal migrate)
#   PROCESSES=1               portal processes (postgres only): on 127.0.0.1:PROC_PORT=18483
#                             and up, behind HAProxy on PORT (bench/haproxy.cfg.in; a session to one process,
#                             health check on /readyz; installed when missing, as root)
#   PG_STATS=1                (postgres) count statements and transactions per request with
#                             pg_stat_statements, and sample the portal's backends waiting
#                             for a lock (the writers' turn) every PG_INTERVAL=0.5 s
#                             and save each scenario's statements, most run first, with
#                             their calls per request (WORK/pg-top-NN.txt)
#   ONLY=                     run only these scenarios (numbers in the table's order,
#                             comma-separated: ONLY=1,15 for submissions and the mixed row)
#
# Besides req/s and latencies the table gives, per scenario, the portal's
# peak resident memory while it ran (from /proc/PID/status, sampled every
# MEM_INTERVAL): RssAnon (the Go heap, stacks, buffers) and RssFile (pages
# of the bbolt file mapped into the process: page cache, shared and
# reclaimable), then the peaks over the whole run and the kernel's VmHWM.
# It also prints the file's growth per order during the submit scenario, and
# per scenario where a request's CPU goes: the portal processes, PostgreSQL,
# the balancer and the rest of the machine (wrk, the kernel), from /proc.
#
# With BACKEND=postgres the memory columns are the sum over the portal
# processes (PostgreSQL's own memory is not in them), the growth is the
# database's (pg_database_size), and a second table gives per scenario the
# statements and transactions PostgreSQL ran per request and how many of the
# portal's connections were busy and waiting for a lock on average.
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
DEMO_FLAGS=${DEMO_FLAGS---reconciliation}
MEM_INTERVAL=${MEM_INTERVAL:-0.2}
PPROF_PORT=${PPROF_PORT:-18482}
BACKEND=${BACKEND:-bbolt}
PROCESSES=${PROCESSES:-1}
PROC_PORT=${PROC_PORT:-18483}
PG_PORT=${PG_PORT:-18490}
PG_STATS=${PG_STATS:-1}
PG_INTERVAL=${PG_INTERVAL:-0.5}
if [ "${CPU_PROFILE:-}" = "1" ]; then PPROF=1; fi
case "$BACKEND" in
  bbolt)
    if [ "$PROCESSES" != "1" ]; then
      echo "PROCESSES=$PROCESSES needs BACKEND=postgres: one process owns a bbolt file" >&2
      exit 1
    fi ;;
  postgres) ;;
  *) echo "BACKEND must be bbolt or postgres, not $BACKEND" >&2; exit 1 ;;
esac
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

# apt_install PACKAGE…: Debian's packages, as root; PostgreSQL's without the
# system cluster its package would create and start (nothing here uses it).
apt_install() {
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$* missing: apt-get install $* (as root)" >&2
    exit 1
  fi
  echo "installing $*"
  if [[ " $* " == *" postgresql "* ]]; then
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/portal-bench-no-main-cluster.conf
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
PGBIN=
if [ "$BACKEND" = "postgres" ]; then
  pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n | tail -1; }
  PGBIN=${PGBIN:-$(pgbin)}
  if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
    apt_install postgresql
    PGBIN=$(pgbin)
  fi
  command -v haproxy >/dev/null 2>&1 || apt_install haproxy
fi

pids=()
pg_up=
lb_pid=
cleanup() {
  if [ -n "$lb_pid" ]; then # HAProxy stops on SIGTERM (SIGINT is not enough)
    kill -TERM "$lb_pid" 2>/dev/null || true
    wait "$lb_pid" 2>/dev/null || true
    lb_pid=
  fi
  for p in "${pids[@]}"; do
    kill -INT "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  if [ -n "${cg:-}" ]; then rmdir "$cg" 2>/dev/null || true; fi
  if [ -n "$pg_up" ]; then
    pg_run "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null || true
    pg_up=
  fi
}
trap cleanup EXIT

# pg_run CMD…: a PostgreSQL program as the cluster's owner (PostgreSQL
# refuses to run as root: as root, the postgres user of Debian's package).
pg_run() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
# psql_q SQL: one value from the bench's cluster.
psql_q() { "$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "$1"; }

wait_up() { # url [seconds, default 20]: a portal's first start on an
  # older database migrates it before it answers (minutes on a large one)
  for _ in $(seq $((${2:-20} * 10))); do
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
if [ "$BACKEND" = "postgres" ]; then
  # A private cluster in WORK/pg on a loopback port, fsync on (the
  # default): durable commits, as in production.
  rm -rf "$WORK/pg"
  mkdir -p "$WORK/pg"
  if [ "$(id -u)" = "0" ]; then chown postgres "$WORK/pg"; chmod o+x "$WORK"; fi
  echo "== starting a private PostgreSQL cluster ($PGBIN) on 127.0.0.1:$PG_PORT"
  pg_run "$PGBIN/initdb" -D "$WORK/pg/data" -A trust -U postgres -E UTF8 --no-locale >"$WORK/pg-initdb.log"
  pg_opts="-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=$((20 + (2 * $(nproc) + 4) * PROCESSES))"
  if [ "$PG_STATS" = "1" ]; then pg_opts+=" -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"; fi
  pg_run "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/pg.log" -w -o "$pg_opts" start >/dev/null
  pg_up=1
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
  DB=$PG_URL
fi
if [ -n "${BENCH_DB:-}" ] && [ "$BACKEND" = "postgres" ]; then
  migrate_help=$("$WORK/portal" migrate -h 2>&1 || true)
  if ! grep -q -- '-from' <<<"$migrate_help"; then
    echo "BENCH_DB with BACKEND=postgres needs portal migrate, which this build lacks" >&2
    exit 1
  fi
  echo "== moving $BENCH_DB into PostgreSQL (portal migrate)"
  cp "$BENCH_DB" "$WORK/source.db"
  "$WORK/portal" migrate --from "$WORK/source.db" --to "$DB" | tail -3
  rm -f "$WORK/source.db"
elif [ -n "${BENCH_DB:-}" ]; then
  echo "== copying $BENCH_DB"
  cp "$BENCH_DB" "$DB"
else
  gen=(--customers "$CUSTOMERS" --products "$PRODUCTS" --entries "$ENTRIES" --users 2 --seed 1)
  # Sales orders with their notices, outbounds and returns, when this build's
  # generator has them.
  # (The help is read whole before grep: grep -q leaving early would cut
  # the pipe, and with pipefail a SIGPIPE'd portal reads as "no flag".)
  demo_help=$("$WORK/portal" demo -h 2>&1 || true)
  if grep -q -- '-orders' <<<"$demo_help"; then
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

# Start with the database out of the page cache, as after a reboot: copying
# or generating it leaves the whole file cached, and the kernel then maps up
# to 16 cached neighbours of every page the portal touches (fault-around),
# which inflates RssFile. COLD=0 keeps the cache.
# The portal's binary too (just built): its cached pages would otherwise stay
# charged to whoever built it, and RssFile would count code that a MEMCAP
# cgroup never saw.
if [ "${COLD:-1}" = "1" ]; then
  sync "$WORK/portal" && dd if="$WORK/portal" iflag=nocache count=0 status=none || echo "   (could not drop the binary's cached pages)"
fi
if [ "${COLD:-1}" = "1" ] && [ "$BACKEND" = "bbolt" ]; then
  sync "$DB" && dd if="$DB" iflag=nocache count=0 status=none || echo "   (could not drop the file's cached pages)"
fi
pprof_env=()
if [ "${PPROF:-}" = "1" ]; then pprof_env=(PORTAL_PPROF="127.0.0.1:$PPROF_PORT"); fi
# MEMCAP: a memory cgroup of its own for the portal (v2 when the unified
# hierarchy has the memory controller, else v1).
cg=""
if [ -n "${MEMCAP:-}" ]; then
  cap=$(numfmt --from=iec "$MEMCAP")
  if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    cg=/sys/fs/cgroup/portal-bench-$$
    mkdir "$cg" && echo "$cap" >"$cg/memory.max" && echo 0 >"$cg/memory.swap.max" 2>/dev/null || true
  elif [ -d /sys/fs/cgroup/memory ]; then
    cg=/sys/fs/cgroup/memory/portal-bench-$$
    mkdir "$cg" && echo "$cap" >"$cg/memory.limit_in_bytes"
  else
    echo "MEMCAP: no memory cgroup on this machine" >&2
    exit 1
  fi
  echo "== memory cgroup $cg, limit $MEMCAP ($cap bytes)"
fi
# cg_read NAME...: the first of these cgroup files that exists.
cg_read() { for f in "$@"; do if [ -r "$cg/$f" ]; then cat "$cg/$f"; return; fi; done; echo 0; }
# start_portal LOG ARGS...: the portal in the background, through a shell
# that first moves itself into the cgroup (MEMCAP), so that every page the
# portal touches is charged there (PORTAL_PPROF passes through its environment).
start_portal() {
  local log=$1
  shift
  CG="$cg" PORTAL="$WORK/portal" bash -c \
    'if [ -n "$CG" ]; then echo $$ >"$CG/cgroup.procs"; fi; exec "$PORTAL" "$@"' portal "$@" >"$log" 2>&1 &
}
portal_pids=()
if [ "$BACKEND" = "bbolt" ]; then
  PORTAL_PPROF="${pprof_env[0]:+${pprof_env[0]#PORTAL_PPROF=}}" start_portal "$WORK/portal.log" --addr "127.0.0.1:$PORT" --db "$DB"
  portal_pids+=($!)
else
  # PROCESSES portal processes on PROC_PORT…, the balancer on PORT.
  servers=""
  for i in $(seq 0 $((PROCESSES - 1))); do
    p=$((PROC_PORT + i))
    if [ "$i" = "0" ]; then penv=("${pprof_env[@]}"); else penv=(); fi
    PORTAL_PPROF="${penv[0]:+${penv[0]#PORTAL_PPROF=}}" start_portal "$WORK/portal-$i.log" --addr "127.0.0.1:$p" --db "$DB" --trusted-proxies 127.0.0.1
    portal_pids+=($!)
    servers+="    server portal$i 127.0.0.1:$p"$'\n'
  done
  awk -v port="$PORT" -v servers="$servers" '{ gsub(/@PORT@/, port) } /^@SERVERS@$/ { printf "%s", servers; next } { print }' \
    bench/haproxy.cfg.in >"$WORK/haproxy.cfg"
  for i in $(seq 0 $((PROCESSES - 1))); do wait_up "http://127.0.0.1:$((PROC_PORT + i))/readyz" 900; done
  haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
  lb_pid=$!
fi
pids+=("${portal_pids[@]}")
# The portals' memory, summed over the processes and sampled until they
# exit: ms since the epoch, then VmRSS, RssAnon, RssFile, RssShmem and
# VmHWM in kB.
(
  files=()
  for p in "${portal_pids[@]}"; do files+=("/proc/$p/status"); done
  while [ -r "${files[0]}" ]; do
    awk -v t="$(date +%s%3N)" '/^(VmRSS|RssAnon|RssFile|RssShmem|VmHWM):/ { v[$1] += $2 }
      END { if ("VmRSS:" in v) print t, v["VmRSS:"], v["RssAnon:"], v["RssFile:"], v["RssShmem:"], v["VmHWM:"] }' \
      "${files[@]}" 2>/dev/null || true
    sleep "$MEM_INTERVAL"
  done
) >"$WORK/memory.txt" &
pids+=($!)
# PostgreSQL: the portal's connections, sampled: ms, busy (state active),
# waiting for a lock (the writers' turn on kv_meta).
if [ "$BACKEND" = "postgres" ] && [ "$PG_STATS" = "1" ]; then
  psql_q "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  (
    while kill -0 "${portal_pids[0]}" 2>/dev/null; do
      echo "$(date +%s%3N) $(psql_q "SELECT count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE wait_event_type = 'Lock')
        FROM pg_stat_activity WHERE application_name = 'dealer portal'" 2>/dev/null | tr '|' ' ')"
      sleep "$PG_INTERVAL"
    done
  ) >"$WORK/pg-activity.txt" &
  pids+=($!)
fi
# pg_counts: statements and transactions PostgreSQL has run so far.
pg_counts() {
  psql_q "SELECT (SELECT coalesce(sum(calls), 0) FROM pg_stat_statements) || ' ' ||
    (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database())"
}
# pg_busy FROM_MS TO_MS: mean busy connections and mean waiting for a lock.
pg_busy() {
  awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b && NF == 3 { n++; s += $2; w += $3 }
    END { printf "%.1f|%.1f\n", n ? s / n : 0, n ? w / n : 0 }' "$WORK/pg-activity.txt"
}
# db_size: bytes in the database (the bbolt file, or PostgreSQL's database).
db_size() {
  if [ "$BACKEND" = "postgres" ]; then psql_q "SELECT pg_database_size(current_database())"; else stat -c %s "$DB"; fi
}
now_ms() { date +%s%3N; }
# cpu_split: CPU clock ticks used so far by the portal processes, the
# PostgreSQL cluster (its postmaster and every child), the balancer, and the
# whole machine (user, nice, system, irq, softirq of /proc/stat), as
# "portal pg lb machine". Taken before and after each scenario, the deltas
# per request say where a request's CPU goes (the rest of the machine is
# wrk, the kernel's network work and anything else running).
cpu_split() {
  local pg_pids=() lb=() pm
  if [ "$BACKEND" = "postgres" ] && [ -r "$WORK/pg/data/postmaster.pid" ]; then
    pm=$(head -1 "$WORK/pg/data/postmaster.pid")
    pg_pids=("$pm" $(pgrep -P "$pm" || true))
  fi
  if [ -n "${lb_pid:-}" ]; then lb=("$lb_pid"); fi
  {
    for p in "${portal_pids[@]}"; do echo "portal /proc/$p/stat"; done
    for p in "${pg_pids[@]}"; do echo "pg /proc/$p/stat"; done
    for p in "${lb[@]}"; do echo "lb /proc/$p/stat"; done
  } | while read -r kind f; do
    # utime and stime: fields 14 and 15, counted after the ")" that ends
    # the command name (which may hold spaces).
    if t=$(sed 's/^.*) //' "$f" 2>/dev/null | awk '{ print $12 + $13 }'); then echo "$kind ${t:-0}"; fi
  done | awk -v m="$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)" \
    '{ v[$1] += $2 } END { printf "%d %d %d %d\n", v["portal"], v["pg"], v["lb"], m }'
}
# mem_peak FROM_MS TO_MS: peak VmRSS|RssAnon|RssFile|RssShmem in MB between two instants.
mem_peak() {
  awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b { for (i = 2; i <= 5; i++) if ($i > m[i]) m[i] = $i }
    END { printf "%.1f|%.1f|%.1f|%.1f\n", m[2] / 1024, m[3] / 1024, m[4] / 1024, m[5] / 1024 }' "$WORK/memory.txt"
}
run_start=$(now_ms)
"$WORK/baseline" -addr "127.0.0.1:$BASE_PORT" >"$WORK/baseline.log" 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$PORT/readyz" 900
wait_up "http://127.0.0.1:$BASE_PORT/"
if [ "$BACKEND" = "postgres" ]; then
  for i in $(seq 0 $((PROCESSES - 1))); do
    echo "   process $i (127.0.0.1:$((PROC_PORT + i))): $(curl -fsS "http://127.0.0.1:$((PROC_PORT + i))/readyz")"
  done
fi

echo "== preparing sessions"
"$WORK/prepare" -base "http://127.0.0.1:$PORT" -customers "$CUSTOMERS" -sessions "$SESSIONS" -warmup "$WARMUP" -out "$WORK"
prepared=$(now_ms)

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
    printf "%.1f|%.2f|%.2f|%d|%d|%d\n", v["requests"] / v["seconds"], v["p50_us"] / 1000, v["p99_us"] / 1000, v["errors"], v["wrong"], v["requests"]
  }'
}

# Every scenario is paired with a baseline run just before it, so that on a
# shared machine each ratio compares figures taken under the same conditions.
: >"$WORK/results.txt"
echo "== measuring: $CONNECTIONS connections, $THREADS wrk threads, $DURATION per scenario after $BASE_DURATION of baseline"
echo "   scenario|req/s|p50 ms|p99 ms|socket errors|wrong status|baseline req/s|p50|p99|shows|peak RSS|anon|file|shmem MB"
: >"$WORK/storage.txt"
: >"$WORK/pgstats.txt"
: >"$WORK/cpu.txt"
# seconds DURATION: wrk's duration (15s, 2m) in seconds.
seconds() { case "$1" in *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac; }
n=0
while IFS=$'\t' read -r name status file shows; do
  n=$((n + 1))
  if [ -n "${ONLY:-}" ] && ! [[ ",$ONLY," == *",$n,"* ]]; then continue; fi
  if [ "$BACKEND" = "postgres" ] && [ "$PG_STATS" = "1" ]; then psql_q "SELECT pg_stat_statements_reset()" >/dev/null; fi
  b=$(measure "http://127.0.0.1:$BASE_PORT" - 200 "$BASE_DURATION")
  size0=$(db_size)
  if [ "$BACKEND" = "postgres" ] && [ "$PG_STATS" = "1" ]; then c0=$(pg_counts); fi
  cpu_pid=
  if [ "${CPU_PROFILE:-}" = "1" ]; then
    curl -fsS -o "$WORK/cpu-$(printf %02d $((n)))".pb.gz \
      "http://127.0.0.1:$PPROF_PORT/debug/pprof/profile?seconds=$(($(seconds "$DURATION") > 2 ? $(seconds "$DURATION") - 1 : 1))" &
    cpu_pid=$!
  fi
  t0=$(now_ms)
  cpu0=$(cpu_split)
  r=$(measure "http://127.0.0.1:$PORT" "$file" "$status" "$DURATION")
  cpu1=$(cpu_split)
  t1=$(now_ms)
  echo "$name|$cpu0|$cpu1|$(echo "$r" | cut -d'|' -f6)" >>"$WORK/cpu.txt"
  if [ -n "$cpu_pid" ]; then wait "$cpu_pid" || true; fi
  size1=$(db_size)
  if [ "$BACKEND" = "postgres" ] && [ "$PG_STATS" = "1" ]; then
    c1=$(pg_counts)
    echo "$name|$c0|$c1|$(echo "$r" | cut -d'|' -f6)|$(pg_busy "$t0" "$t1")" >>"$WORK/pgstats.txt"
    psql_q "SELECT round(calls::numeric / $(echo "$r" | cut -d'|' -f6), 2) || ' ' || round(total_exec_time::numeric / $(echo "$r" | cut -d'|' -f6), 3) || ' ms ' ||
      regexp_replace(left(query, 300), '\s+', ' ', 'g') FROM pg_stat_statements ORDER BY calls DESC LIMIT 40" \
      >"$WORK/pg-top-$(printf %02d "$n").txt" || true
  fi
  if [ "$status" = "303" ]; then # submits: the file's growth per order acknowledged
    echo "$name|$size0|$size1|$(($(echo "$r" | cut -d'|' -f6) - $(echo "$r" | cut -d'|' -f4) - $(echo "$r" | cut -d'|' -f5)))" >>"$WORK/storage.txt"
  fi
  if [ "${PPROF:-}" = "1" ]; then
    curl -fsS -o "$WORK/heap-$(printf %02d "$n").pb.gz" "http://127.0.0.1:$PPROF_PORT/debug/pprof/heap" || true
  fi
  echo "$name|$(echo "$r" | cut -d'|' -f1-5)|$(echo "$b" | cut -d'|' -f1-3)|${shows:--}|$(mem_peak "$t0" "$t1")" | tee -a "$WORK/results.txt"
done <"$WORK/scenarios.tsv"
run_end=$(now_ms)

{
  echo
  echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(go version | awk '{print $3}'), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}'), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  if [ "$BACKEND" = "postgres" ]; then
    echo "Backend: PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}') (private cluster, fsync on, defaults otherwise), $PROCESSES portal processes behind $(haproxy -v | head -1 | awk '{print $1, $3}') (a session's requests to one process by a hash of its cookie, health check on /readyz); all on the same machine"
    dbsize="$(psql_q "SELECT pg_size_pretty(pg_database_size(current_database()))")"
    echo "Balancer: a process was taken out by the health check $(grep -c 'is DOWN' "$WORK/haproxy.log" || true) times during the run (WORK/haproxy.log)"
  else
    dbsize="$(du -h "$DB" | cut -f1)"
  fi
  echo "Dataset: ${BENCH_DB:-$CUSTOMERS customers, $PRODUCTS products, $ENTRIES catalog entries, $ORDERS generated sales orders${DEMO_FLAGS:+, $DEMO_FLAGS}}; $SESSIONS dealer sessions, $WARMUP warm-up orders each; database $dbsize"
  echo "Load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION per scenario (baseline -d$BASE_DURATION just before it), on the same machine as the server"
  echo
  echo "Each ratio compares with the baseline (a bare Fiber route rendering a 50-row html/template table, same compression) measured just before the scenario."
  echo "errors: socket errors + answers with another status than expected (200; 303 for the submit; either for the mixed scenario)."
  echo
  echo "shows: what the first session's page held when prepared (table rows, or a PDF's size). RSS: the portal's peak resident memory during the scenario, MB (anon: heap, stacks, buffers; file: mapped pages of the database file)."
  echo
  echo "| scenario | req/s | p50 ms | p99 ms | baseline req/s · p50 · p99 | req/s ÷ baseline | p50 ÷ baseline | p99 ÷ baseline | errors | shows | peak RSS MB (anon · file) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'|' '{ printf "| %s | %s | %s | %s | %s · %s · %s | %.3f | %.1f | %.1f | %d | %s | %s (%s · %s) |\n", $1, $2, $3, $4, $7, $8, $9,
      $2 / ($7 > 0 ? $7 : 0.001), $3 / ($8 > 0 ? $8 : 0.001), $4 / ($9 > 0 ? $9 : 0.001), $5 + $6, $10, $11, $12, $13 }' "$WORK/results.txt"
  echo
  echo "Memory of the portal (MB, peaks of samples every ${MEM_INTERVAL}s; GOMEMLIMIT=${GOMEMLIMIT:-unset: the default, $(grep -h -o -m1 'GOMEMLIMIT_MiB=[0-9]*' "$WORK"/portal*.log 2>/dev/null | head -1 | cut -d= -f2) MiB}; COLD=${COLD:-1}):"
  echo
  if [ "$BACKEND" = "postgres" ]; then echo "(Summed over the $PROCESSES portal processes; PostgreSQL's memory is not included.)"; echo; fi
  echo "| phase | VmRSS | RssAnon | RssFile | RssShmem |"
  echo "|---|---:|---:|---:|---:|"
  echo "| start-up and sessions (bench/prepare) | $(mem_peak "$run_start" "$prepared" | sed 's/|/ | /g') |"
  echo "| scenarios | $(mem_peak "$prepared" "$run_end" | sed 's/|/ | /g') |"
  echo "| whole run | $(mem_peak "$run_start" "$run_end" | sed 's/|/ | /g') |"
  hwm=$(awk '$6 > m { m = $6 } END { printf "%.1f", m / 1024 }' "$WORK/memory.txt")
  echo
  echo "VmHWM (the kernel's peak resident set of the process, anon + file): $hwm MB."
  if [ -n "$cg" ]; then
    peak=$(cg_read memory.peak memory.max_usage_in_bytes)
    hits=$(cg_read memory.failcnt)
    if [ -r "$cg/memory.events" ]; then hits=$(awk '$1 == "max" { print $2 }' "$cg/memory.events"); fi
    ooms=0
    for f in memory.events memory.oom_control; do
      if [ -r "$cg/$f" ]; then ooms=$(awk '$1 == "oom_kill" { print $2 }' "$cg/$f"); break; fi
    done
    alive=yes
    for p in "${portal_pids[@]}"; do kill -0 "$p" 2>/dev/null || alive=no; done
    echo
    echo "Memory cgroup (MEMCAP=$MEMCAP, anon + page cache charged together): peak $(awk -v b="$peak" 'BEGIN { printf "%.1f", b / 1048576 }') MB, limit reached $hits times (the kernel reclaimed file pages), OOM kills ${ooms:-0}, portal alive at the end: $alive."
  fi
  if [ -s "$WORK/cpu.txt" ]; then
    echo
    echo "Where a request's CPU goes (ms of CPU per request over the scenario, from /proc: the portal processes, PostgreSQL's postmaster and backends, the balancer, and the rest of the machine — wrk, the kernel's network work; $(nproc) cores give $(nproc)000 ms a second):"
    echo
    echo "| scenario | portal | PostgreSQL | balancer | rest (wrk, kernel) | machine |"
    echo "|---|---:|---:|---:|---:|---:|"
    awk -F'|' -v hz="$(getconf CLK_TCK)" '{ split($2, a, " "); split($3, b, " "); n = ($4 > 0 ? $4 : 1); t = 1000 / hz / n
      p = (b[1] - a[1]) * t; g = (b[2] - a[2]) * t; l = (b[3] - a[3]) * t; m = (b[4] - a[4]) * t
      printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", $1, p, g, l, m - p - g - l, m }' "$WORK/cpu.txt"
  fi
  if [ -s "$WORK/pgstats.txt" ]; then
    echo
    echo "PostgreSQL per request (pg_stat_statements and pg_stat_database, deltas over the scenario divided by the requests wrk sent; the balancer's health checks and the workers' lease included) and the portal's connections in pg_stat_activity (means of samples every ${PG_INTERVAL}s):"
    echo
    echo "| scenario | statements per request | transactions per request | connections busy | waiting for a lock |"
    echo "|---|---:|---:|---:|---:|"
    awk -F'|' '{ split($2, a, " "); split($3, b, " "); n = ($4 > 0 ? $4 : 1)
      printf "| %s | %.1f | %.2f | %s | %s |\n", $1, (b[1] - a[1]) / n, (b[2] - a[2]) / n, $5, $6 }' "$WORK/pgstats.txt"
  fi
  if [ -s "$WORK/storage.txt" ]; then
    echo
    awk -F'|' -v what="$([ "$BACKEND" = postgres ] && echo "the database (pg_database_size)" || echo "the file")" '{ printf "Storage: %s grew " what " %.1f → %.1f MB for %d orders acknowledged: %.0f B per order (with concurrent readers; writers alone: docs/PERFORMANCE.md).\n",
      $1, $2 / 1048576, $3 / 1048576, $4, ($4 > 0 ? ($3 - $2) / $4 : 0) }' "$WORK/storage.txt"
  fi
} | tee "$WORK/results.md"
if [ "${KEEP_DB:-}" != "1" ]; then
  cleanup
  pids=()
  if [ "$BACKEND" = "bbolt" ]; then rm -f "$DB"; else rm -rf "$WORK/pg"; fi
fi
if [ -n "$cg" ]; then
  cleanup
  pids=()
fi
echo
echo "(results in $WORK/results.md; server log in $WORK/portal*.log; KEEP_DB=1 keeps the database)"
