#!/usr/bin/env bash
# bench/writes.sh — keel-shop order creation (capacity, p99 at 50 %) and the reads' p99 with and
# without a report job running.
#
#   bench/writes.sh                      # seed a default-size database, 20 s fixed-rate runs
#   bench/writes.sh --duration 30 --read-rate 1000
#   bench/writes.sh --db /path/shop.db   # start from a copy of an existing (seeded) database
#   bench/writes.sh --quick              # small database, short runs: checks the script works
#
# Builds nothing: it needs build/release/apps/shop/keel-shop and build/release/tools/keel-load
# (or $BENCH_KEEL_SHOP, $BENCH_KEEL_LOAD), taskset, curl and /usr/bin/python3.
#
# Steps (all load comes from keel-load: open loop, latency from the scheduled send time):
#   1. A database: `keel-shop seed` (defaults: 10k users, 100k products, 200k orders; --quick:
#      2k/20k/20k) or a copy of --db, restocked so no order fails for stock (bench/writes.py).
#   2. `keel-shop serve --threads 1 --set log.access=off` pinned to CPU 0, with its default
#      background workers (the order.created consumer writes a notification per order).
#   3. Order creation capacity: keel-load ramp of POST /v1/orders (a fresh Idempotency-Key per
#      request, tools/keel-load/examples/shop_orders.toml with this database's ranges) from
#      --ramp-start req/s, +25 % every 2 s, until a step's p99 exceeds --slo-p99 (50 ms) or 1 % fail;
#      capacity = the last passing step.
#   4. POST /v1/orders at 50 % of that capacity for --duration: p50/p99.
#   5. --read-rounds interleaved rounds (default 3) of: GET /v1/products/{id} at --read-rate
#      (1000 req/s) for --duration, alone; then again while a report job runs (POST /v1/reports
#      sales_by_category over all orders, the next one posted as soon as one finishes). The
#      medians over rounds of the p99 alone and with a report, and the change (goal: at most +20 %).
#
# Output: progress on stderr; the table on stdout. --json FILE also writes every figure as JSON.
# Measure on a quiet machine (bench/README.md); the load average is recorded and a warning is
# printed when it is 1 or more. Servers are stopped on exit; the scratch directory is removed
# (kept with its logs on failure, without the database).
set -euo pipefail

. "$(dirname "$0")/lib.sh"

SHOP=${BENCH_KEEL_SHOP:-$BENCH_REPO/build/release/apps/shop/keel-shop}
LOAD=${BENCH_KEEL_LOAD:-$BENCH_REPO/build/release/tools/keel-load/keel-load}
HELPER="$BENCH_DIR/writes.py"
DURATION=20
READ_RATE=1000
READ_ROUNDS=3
RAMP_START=50
SLO_P99=50ms
RAMP_MAX=120
CONNS=32
DB=
JSON_OUT=
QUICK=0

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  echo
  cat <<'EOF'
Options:
  --duration S     fixed-rate run length, seconds (default 20)
  --read-rate R    rate of the product reads, req/s (default 1000)
  --read-rounds N  interleaved rounds of reads alone / with a report job (default 3)
  --ramp-start R   first ramp step of the order capacity search, req/s (default 50)
  --slo-p99 D      ramp SLO on the order p99 (default 50ms)
  --quick          small database, 3 s runs, 30 s ramp budget: a smoke test of the script
  --db PATH        start from a copy of this database instead of seeding one
  --json FILE      also write the results as JSON
  --help           this text
Environment: BENCH_KEEL_SHOP, BENCH_KEEL_LOAD (binaries), BENCH_SERVER_CPU (0), BENCH_CLIENT_CPU (1).
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=${2:?--duration needs a value}; shift 2 ;;
    --read-rate) READ_RATE=${2:?--read-rate needs a value}; shift 2 ;;
    --read-rounds) READ_ROUNDS=${2:?--read-rounds needs a value}; shift 2 ;;
    --ramp-start) RAMP_START=${2:?--ramp-start needs a value}; shift 2 ;;
    --slo-p99) SLO_P99=${2:?--slo-p99 needs a value}; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --db) DB=${2:?--db needs a path}; shift 2 ;;
    --json) JSON_OUT=${2:?--json needs a path}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
SEED_ARGS=()
if [ "$QUICK" = 1 ]; then
  DURATION=3
  RAMP_MAX=30
  SEED_ARGS=(--users 2000 --products 20000 --orders 20000)
fi
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 1 ] || bench_die "--duration must be a positive integer"
[[ "$READ_ROUNDS" =~ ^[0-9]+$ ]] && [ "$READ_ROUNDS" -ge 1 ] ||
  bench_die "--read-rounds must be a positive integer"

for tool in taskset curl "$BENCH_PYTHON"; do
  command -v "$tool" >/dev/null 2>&1 || bench_die "$tool not found"
done
[ -x "$SHOP" ] || bench_die "$SHOP not built (this script builds nothing)"
[ -x "$LOAD" ] || bench_die "$LOAD not built (this script builds nothing)"

# shellcheck disable=SC2317  # called by the EXIT trap
bench_on_exit() { [ -f "$WORK/stop-reports" ] || touch "$WORK/stop-reports"; }
bench_workdir shop-writes
bench_note_load

# --- 1. database -----------------------------------------------------------------------------------
DBW="$WORK/shop.db"
if [ -z "$DB" ]; then
  bench_log "seeding ${SEED_ARGS[*]:-the default sizes} into $DBW"
  timeout 1800 "$SHOP" seed "${SEED_ARGS[@]}" --set "db.path=$DBW" >"$WORK/seed.log" 2>&1 ||
    { tail -n 20 "$WORK/seed.log" >&2; bench_die "seed failed (log $WORK/seed.log)"; }
else
  [ -f "$DB" ] || bench_die "--db $DB: no such file"
  "$BENCH_PYTHON" -c 'import sqlite3, sys
src = sqlite3.connect(sys.argv[1]); dst = sqlite3.connect(sys.argv[2]); src.backup(dst)' "$DB" "$DBW"
  bench_log "copied $DB to $DBW (the original is not written)"
fi
"$SHOP" migrate --set "db.path=$DBW" >"$WORK/migrate.log" 2>&1 ||
  bench_die "migrate failed: $(tail -n 5 "$WORK/migrate.log")"

# --- 2. server -------------------------------------------------------------------------------------
PORT=$(bench_free_port)
BASE="http://127.0.0.1:$PORT"
SIZES=$("$BENCH_PYTHON" "$HELPER" prepare "$DBW" "$WORK" "$BASE")
bench_log "restocked; scenarios written ($SIZES)"
bench_log "starting keel-shop on $BASE (CPU $BENCH_SERVER_CPU, 1 I/O thread, workers on, access log off)"
bench_start_shop "$PORT" "$DBW" "$WORK/server.log"
SERVER_PID=$BENCH_PID
code=$(curl -s -o "$WORK/check.json" -w '%{http_code}' --max-time 5 -X POST "$BASE/v1/orders" \
  -H 'Content-Type: application/json' -H "Idempotency-Key: bench-check-$RANDOM$RANDOM" \
  -d '{"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}' || true)
[ "$code" = 201 ] || bench_die "check order answered $code: $(head -c 300 "$WORK/check.json")"

RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
PROBLEMS=()
load() {  # load NAME OUTDIR keel-load args...: runs keel-load on CPU 1 and records its summary
  local name=$1 out=$2
  shift 2
  timeout 600 taskset -c "$BENCH_CLIENT_CPU" "$LOAD" --quiet --out "$out" "$@" \
    >"$out.txt" 2>&1 || bench_die "[$name] keel-load failed: $(tail -n 5 "$out.txt")"
  "$BENCH_PYTHON" "$HELPER" summary "$name" "$out/summary.json" >>"$RESULTS"
  kill -0 "$SERVER_PID" 2>/dev/null ||
    bench_die "keel-shop exited during [$name]: $(tail -n 5 "$WORK/server.log")"
}

# --- 3. order capacity -----------------------------------------------------------------------------
bench_log "[orders] capacity: ramp from $RAMP_START req/s, +25 % per 2 s, SLO p99 <= $SLO_P99"
load "orders capacity (ramp)" "$WORK/ramp" -s "$WORK/orders.toml" -p ramp -r "$RAMP_START" \
  --ramp-step 25 --ramp-interval 2s --slo-p99 "$SLO_P99" -d "${RAMP_MAX}s" -c "$CONNS" \
  --max-connections 256
CAPACITY=$("$BENCH_PYTHON" -c 'import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(r.get("capacity") or 0)' "$RESULTS")
awk -v c="$CAPACITY" 'BEGIN { exit !(c > 0) }' ||
  bench_die "no ramp step met the SLO (see $WORK/ramp.txt); try a lower --ramp-start"
HALF=$(awk -v c="$CAPACITY" 'BEGIN { printf "%d", c / 2 }')
bench_log "[orders] capacity $CAPACITY req/s -> fixed rate $HALF req/s for ${DURATION}s"

# --- 4. orders at 50 % -----------------------------------------------------------------------------
load "orders at 50 % of capacity" "$WORK/orders" -s "$WORK/orders.toml" -r "$HALF" \
  -d "${DURATION}s" -c "$CONNS" --max-connections 256
sleep 2  # let the workers finish the notifications of the run before the reads

# --- 5. reads alone, then with a report job running: interleaved rounds ------------------------------
for round in $(seq 1 "$READ_ROUNDS"); do
  bench_log "[reads $round/$READ_ROUNDS] GET /v1/products/{id} at $READ_RATE req/s for ${DURATION}s, alone"
  load "reads alone #$round" "$WORK/reads-$round" -s "$WORK/reads.toml" -r "$READ_RATE" \
    -d "${DURATION}s" -c "$CONNS"
  bench_log "[reads $round/$READ_ROUNDS] the same while a report job runs (POST /v1/reports, one after the other)"
  rm -f "$WORK/stop-reports"
  taskset -c "$BENCH_CLIENT_CPU" chrt --idle 0 "$BENCH_PYTHON" "$HELPER" reports "$BASE" "$WORK/stop-reports" \
    "$WORK/reports-$round.json" >"$WORK/reports-$round.log" 2>&1 &
  REPORTS_PID=$!
  sleep 0.5
  load "reads + report job #$round" "$WORK/reads-report-$round" -s "$WORK/reads.toml" \
    -r "$READ_RATE" -d "${DURATION}s" -c "$CONNS"
  touch "$WORK/stop-reports"
  wait "$REPORTS_PID" || PROBLEMS+=("report loop failed: $(tail -n 3 "$WORK/reports-$round.log")")
  "$BENCH_PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1])); r["name"] = "_report_loop #" + sys.argv[2]; print(json.dumps(r))' \
    "$WORK/reports-$round.json" "$round" >>"$RESULTS"
  sleep 1  # the cancelled report's last chunk settles before the next "alone" run
done

# --- 6. report -------------------------------------------------------------------------------------
bench_stop "$SERVER_PID" 15
[ "$BENCH_STOP_RC" = 0 ] || PROBLEMS+=("keel-shop exit status $BENCH_STOP_RC on SIGTERM (expected 0)")
if grep -Eiq '"level" *: *"(error)' "$WORK/server.log"; then
  PROBLEMS+=("error lines in the server log, first: $(grep -Ei -m1 '"level" *: *"error' "$WORK/server.log" | cut -c1-300)")
fi
LOAD_END=$(bench_loadavg)

echo "keel-shop writes: $(date -u +%Y-%m-%dT%H:%M:%SZ), git $(git -C "$BENCH_REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), load average $LOAD_START -> $LOAD_END"
echo "database: ${DB:-seeded ${SEED_ARGS[*]:-defaults}} ($SIZES), restocked; server: 1 I/O thread + background workers on CPU $BENCH_SERVER_CPU; keel-load on CPU $BENCH_CLIENT_CPU, $CONNS connections"
echo
"$BENCH_PYTHON" "$HELPER" table "$RESULTS" ${JSON_OUT:+"$JSON_OUT"}
[ "$BUSY" = 0 ] ||
  echo "warning: load average was $LOAD_START at start: the machine was busy, figures are not quotable."
if [ ${#PROBLEMS[@]} -gt 0 ]; then
  echo "problems:"
  printf '  - %s\n' "${PROBLEMS[@]}"
fi
KEEP_WORK=0
