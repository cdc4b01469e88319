#!/usr/bin/env bash
# bench/shop_reads.sh — keel-shop read latency at 50 % of capacity, for three read endpoints.
#
#   bench/shop_reads.sh                  # seed a default-size database, 20 s fixed-rate runs
#   bench/shop_reads.sh --duration 30
#   bench/shop_reads.sh --db /path/shop.db   # use an existing (seeded) database instead of seeding
#   bench/shop_reads.sh --quick          # 3 s runs: checks that the script works, figures are noise
#
# Builds nothing: it needs build/release/apps/shop/keel-shop (or $BENCH_KEEL_SHOP), wrk, h2load,
# taskset, curl and /usr/bin/python3 (standard library only).
#
# Steps:
#   1. Without --db: `keel-shop seed` with its defaults (10k users, 100k products, 200k orders) into a
#      temporary directory; the seeding wall time is reported.
#   2. Start `keel-shop serve --threads 1 --set log.access=off` pinned to CPU 0 (taskset -c 0).
#   3. For each endpoint
#        by_id   GET /v1/products/{id}                      (random product ids)
#        list    GET /v1/products?limit=20&category=<cat>   (random real categories)
#        orders  GET /v1/users/{id}/orders?limit=20         (random users)
#      a. capacity: closed loop, `wrk -t1 -c64 -d10s` on CPU 1 with bench/shop_paths.lua picking a
#         random path per request (after a short unrecorded warm-up);
#      b. fixed rate at 50 % of that capacity for --duration seconds:
#         `h2load --h1 -c32 --rps <capacity/2/32> -D <duration> -i <url list> --log-file <log>` on
#         CPU 1; p50/p99 come from the per-request times in the log file (bench/shop_reads.py).
#   4. Print a table with the p99 goals beside: <= 5 ms by id, <= 20 ms for list pages.
#
# Limitation: h2load keeps one request in flight per connection and times each request from when it
# was actually sent. If the server falls behind, the wait before sending is not counted (coordinated
# omission), so the tail is understated. A run that did not reach 95 % of the target rate is marked
# "saturated*"; its latencies must not be compared.
#
# Output: progress on stderr; the table on stdout. --json FILE also writes every figure as JSON.
# Measure only on a quiet machine (see bench/README.md): the load average is recorded and a warning
# is printed when it is 1 or more. Every server started here is stopped on exit (trap), the scratch
# directory is removed (on failure its logs are kept, without the seeded database).
set -euo pipefail

. "$(dirname "$0")/lib.sh"

SHOP=${BENCH_KEEL_SHOP:-$BENCH_REPO/build/release/apps/shop/keel-shop}
HELPER="$BENCH_DIR/shop_reads.py"
LUA="$BENCH_DIR/shop_paths.lua"
DURATION=20
CAPACITY_DURATION=10
WARMUP=2
CONNS=32
DB=
JSON_OUT=
QUICK=0

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  echo
  cat <<'EOF'
Options:
  --duration S   fixed-rate run length per endpoint, seconds (default 20)
  --quick        3 s capacity and fixed-rate runs, 1 s warm-up: a smoke test of the script
  --db PATH      serve this database instead of seeding a default-size one
  --json FILE    also write the results as JSON
  --help         this text
Environment: BENCH_KEEL_SHOP (binary), BENCH_SERVER_CPU (0), BENCH_CLIENT_CPU (1).
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=${2:?--duration needs a value}; shift 2 ;;
    --duration=*) DURATION=${1#*=}; shift ;;
    --quick) QUICK=1; shift ;;
    --db) DB=${2:?--db needs a path}; shift 2 ;;
    --db=*) DB=${1#*=}; shift ;;
    --json) JSON_OUT=${2:?--json needs a path}; shift 2 ;;
    --json=*) JSON_OUT=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  DURATION=3
  CAPACITY_DURATION=3
  WARMUP=1
fi
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 1 ] || bench_die "--duration must be a positive integer"

for tool in wrk h2load taskset curl "$BENCH_PYTHON"; do
  command -v "$tool" >/dev/null 2>&1 || bench_die "$tool not found"
done
[ -x "$SHOP" ] || bench_die "$SHOP not built (this script builds nothing)"
"$SHOP" --help 2>/dev/null | grep -w seed >/dev/null || bench_die "$SHOP has no 'seed' subcommand yet"
if [ -n "$DB" ]; then
  [ -f "$DB" ] || bench_die "--db $DB: no such file"
  DB=$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")
fi

bench_workdir shop-reads
bench_note_load

# --- 1. database -----------------------------------------------------------------------------------
SEED_S=
if [ -z "$DB" ]; then
  DB="$WORK/shop.db"
  bench_log "seeding a default-size database (10k users, 100k products, 200k orders) into $DB"
  t0=$(date +%s.%N)
  timeout 1800 "$SHOP" seed --set "db.path=$DB" >"$WORK/seed.log" 2>&1 ||
    { tail -n 20 "$WORK/seed.log" >&2; bench_die "seed failed (log $WORK/seed.log)"; }
  t1=$(date +%s.%N)
  SEED_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  bench_log "seeded in ${SEED_S}s"
else
  bench_log "using the existing database $DB (served in place)"
fi

# --- 2. server -------------------------------------------------------------------------------------
PORT=$(bench_free_port)
BASE="http://127.0.0.1:$PORT"
bench_log "starting keel-shop on $BASE (CPU $BENCH_SERVER_CPU, 1 I/O thread, access log off)"
bench_start_shop "$PORT" "$DB" "$WORK/server.log"
SERVER_PID=$BENCH_PID

COUNTS=$("$BENCH_PYTHON" "$HELPER" urls "$DB" "$WORK" "$BASE" 10000)
bench_log "request lists written ($COUNTS)"

PROBLEMS=()
for name in by_id list orders; do
  path=$(head -n 1 "$WORK/$name.paths")
  code=$(curl -s -o "$WORK/check-$name.json" -w '%{http_code}' --max-time 5 "$BASE$path" || true)
  [ "$code" = 200 ] || bench_die "check request GET $path answered $code: $(head -c 300 "$WORK/check-$name.json")"
done

# --- 3. per endpoint: capacity, then fixed rate at 50 % ------------------------------------------
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
for name in by_id list orders; do
  bench_log "[$name] warm-up ${WARMUP}s"
  timeout $((WARMUP + 15)) taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c64 -d"${WARMUP}s" \
    -s "$LUA" "$BASE" -- "$WORK/$name.paths" >"$WORK/$name.warmup.txt" 2>&1 ||
    bench_die "[$name] wrk warm-up failed: $(tail -n 5 "$WORK/$name.warmup.txt")"

  bench_log "[$name] capacity: wrk -t1 -c64 -d${CAPACITY_DURATION}s"
  timeout $((CAPACITY_DURATION + 30)) taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c64 \
    -d"${CAPACITY_DURATION}s" -s "$LUA" "$BASE" -- "$WORK/$name.paths" >"$WORK/$name.wrk.txt" 2>&1 ||
    bench_die "[$name] wrk failed: $(tail -n 5 "$WORK/$name.wrk.txt")"
  capacity=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/$name.wrk.txt")
  [ -n "$capacity" ] || bench_die "[$name] no Requests/sec in wrk output ($WORK/$name.wrk.txt)"
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$WORK/$name.wrk.txt")
  sockerr=$(grep -E '^ +Socket errors:' "$WORK/$name.wrk.txt" || true)
  [ -z "$non2xx" ] || PROBLEMS+=("[$name] capacity run: $non2xx non-2xx responses")
  [ -z "$sockerr" ] || PROBLEMS+=("[$name] capacity run:$sockerr")
  target=$(awk -v c="$capacity" 'BEGIN { printf "%.1f", c * 0.5 }')
  per_client=$(awk -v t="$target" -v n="$CONNS" 'BEGIN { printf "%.3f", t / n }')
  bench_log "[$name] capacity $capacity req/s -> fixed rate $target req/s ($per_client per connection x $CONNS)"

  bench_log "[$name] fixed rate: h2load --h1 -c$CONNS --rps $per_client -D $DURATION"
  cpu0=$(bench_cpu_seconds "$SERVER_PID")
  timeout $((DURATION + 60)) taskset -c "$BENCH_CLIENT_CPU" h2load --h1 -t1 -c"$CONNS" \
    --rps "$per_client" -D "$DURATION" --warm-up-time 1 -i "$WORK/$name.urls" \
    --log-file "$WORK/$name.h2load.tsv" >"$WORK/$name.h2load.txt" 2>&1 ||
    bench_die "[$name] h2load failed: $(tail -n 5 "$WORK/$name.h2load.txt")"
  cpu1=$(bench_cpu_seconds "$SERVER_PID")
  "$BENCH_PYTHON" "$HELPER" record "$name" "$capacity" "$target" "$cpu0" "$cpu1" \
    "$WORK/$name.h2load.tsv" "$DURATION" >>"$RESULTS"
  if ! grep -q '^status codes: [0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx' "$WORK/$name.h2load.txt" ||
     ! grep -Eq '^requests: .* 0 failed, 0 errored, 0 timeout' "$WORK/$name.h2load.txt"; then
    PROBLEMS+=("[$name] fixed-rate run: $(grep -E '^(requests|status codes):' "$WORK/$name.h2load.txt" | tr '\n' ';')")
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    bench_die "keel-shop exited during the [$name] runs: $(tail -n 5 "$WORK/server.log")"
  fi
done

# --- 4. report -------------------------------------------------------------------------------------
bench_stop "$SERVER_PID"
[ "$BENCH_STOP_RC" = 0 ] || PROBLEMS+=("keel-shop exit status $BENCH_STOP_RC on SIGTERM (expected 0)")
if grep -Eiq '"level" *: *"(error|warn)' "$WORK/server.log"; then
  PROBLEMS+=("error/warning lines in the server log ($(grep -Eic '"level" *: *"(error|warn)' "$WORK/server.log")), first: $(grep -Ei -m1 '"level" *: *"(error|warn)' "$WORK/server.log" | cut -c1-300)")
fi
LOAD_END=$(bench_loadavg)

echo "keel-shop reads: $(date -u +%Y-%m-%dT%H:%M:%SZ), git $(git -C "$BENCH_REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), load average $LOAD_START -> $LOAD_END"
echo "database: $DB${SEED_S:+ (seeded with defaults in ${SEED_S}s)}; server: 1 I/O thread on CPU $BENCH_SERVER_CPU; clients on CPU $BENCH_CLIENT_CPU"
echo "capacity: wrk -t1 -c64 -d${CAPACITY_DURATION}s (closed loop); fixed rate: 50 % of capacity, h2load --h1 -c$CONNS -D ${DURATION}s; p50/p99 from h2load --log-file"
echo
"$BENCH_PYTHON" "$HELPER" table "$RESULTS" ${JSON_OUT:+"$JSON_OUT"}
echo
echo "* saturated: under 95 % of the target rate; latency understated (coordinated omission), do not compare."
[ "$BUSY" = 0 ] ||
  echo "warning: load average was $LOAD_START at start: the machine was busy, figures are not quotable."
if [ ${#PROBLEMS[@]} -gt 0 ]; then
  echo "problems:"
  printf '  - %s\n' "${PROBLEMS[@]}"
fi
KEEP_WORK=0
