#!/usr/bin/env bash
# bench/overload.sh — keel-shop past its capacity, with overload protection on and off.
#
#   bench/overload.sh                    # seed, find C, then 3x C for 30 s with protection on and off
#   bench/overload.sh --duration 60      # a longer overload
#   bench/overload.sh --db /path/shop.db # use an existing (seeded) database instead of seeding
#   bench/overload.sh --quick            # short runs: checks that the script works, figures are noise
#
# Builds nothing: it needs build/release/apps/shop/keel-shop ($BENCH_KEEL_SHOP) and
# build/release/tools/keel-load/keel-load ($BENCH_KEEL_LOAD), taskset, curl and /usr/bin/python3.
#
# Steps (server: `keel-shop serve --threads 1 --set log.access=off` pinned to CPU 0; keel-load
# pinned to CPU 1, one thread, $CONNS connections growing up to $MAX_CONNS while all are busy,
# requests timing out 2 s after their scheduled time, like a user giving up):
#   1. Without --db: `keel-shop seed --users 1000 --products 100000 --orders 1000` into a scratch
#      directory (the product table of the default data set, without the orders reads do not need).
#   2. Capacity C of GET /v1/products/{id} (random ids), protection OFF (the route's own capacity):
#      keel-load ramp from --ramp-start req/s, +15 % every 5 s, until a step's p99 exceeds
#      --slo-p99 (100 ms) or more than 1 % fail (timeouts, 5xx). C = the last passing rate: a
#      rate the server sustains, since past the knee an open-loop queue grows without bound (a
#      step 2 % above the knee adds ~100 ms of queue in 5 s). On a noisy machine scheduling
#      stalls can fail a step early, so C is then an underestimate.
#   3. For protection in (on, off), a fresh server each time (`--set overload.enabled=true|false`,
#      otherwise the shipped defaults plus any --set): 10 s at C, then 3x C for --duration s, then
#      20 s at C (keel-load spike profile; latency measured from each request's scheduled time).
#   4. Table: goodput (successes/s during the spike) against C; p99 of successes against the
#      route budget (250 ms, src/common/overload_policy.hpp); p99 of the 503/429 refusals; time
#      for p99 to come back to its pre-spike value after the spike; late sends. Goals for "on":
#      goodput >= 90 % of C, p99 ok <= budget, p99 refused <= 5 ms, recovery <= 2 s.
#
# Output: progress on stderr; the table on stdout. Everything else under
# bench/results/overload-<UTC stamp>/: ramp/, on/, off/ (keel-load's summary.json,
# timeseries.csv/json and report.html with the latency and throughput plots), results.json and
# table.txt. Every server started here is stopped on exit (trap); the scratch directory (seeded
# database, server logs) is removed unless the run failed. Only 127.0.0.1 is used. Measure on a
# quiet machine: the load average is recorded and a warning printed when it is 1 or more.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

SHOP=${BENCH_KEEL_SHOP:-$BENCH_REPO/build/release/apps/shop/keel-shop}
LOAD=${BENCH_KEEL_LOAD:-$BENCH_REPO/build/release/tools/keel-load/keel-load}
HELPER="$BENCH_DIR/overload.py"
DURATION=30
BEFORE=10
AFTER=20
FACTOR=3
RAMP_START=4000
RAMP_INTERVAL=5
RAMP_STEP=15
RAMP_MAX=180
SLO_P99=100ms
BUDGET_MS=250
CONNS=64
MAX_CONNS=512
TIMEOUT=2s
PRODUCTS=100000
DB=
OUT=
QUICK=0

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  echo
  cat <<'EOF'
Options:
  --duration S    length of the 3x C overload, seconds (default 30)
  --factor X      overload factor (default 3)
  --capacity R    skip the ramp and use R req/s as C
  --ramp-start R  first ramp step, req/s (default 4000)
  --ramp-interval S  seconds per ramp step (default 5)
  --slo-p99 D     ramp SLO on p99 (default 100ms)
  --set KEY=VAL   extra configuration for the "on" server, e.g. --set overload.limiter=static
                  (repeatable; for tuning: compare against a run without it)
  --modes LIST    which spike runs, in order (default "on off"; "on" alone for tuning)
  --db PATH       serve this database (seeded, products 1..--products) instead of seeding
  --products N    product ids drawn from 1..N (default 100000)
  --out DIR       results directory (default bench/results/overload-<UTC stamp>)
  --quick         5 s overload, 3 s before and after, a coarse ramp: a smoke test of the script
  --help          this text
Environment: BENCH_KEEL_SHOP, BENCH_KEEL_LOAD (binaries), BENCH_SERVER_CPU (0), BENCH_CLIENT_CPU (1).
EOF
}

CAPACITY=
MODES="on off"
ON_SETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=${2:?--duration needs a value}; shift 2 ;;
    --duration=*) DURATION=${1#*=}; shift ;;
    --factor) FACTOR=${2:?--factor needs a value}; shift 2 ;;
    --capacity) CAPACITY=${2:?--capacity needs a value}; shift 2 ;;
    --ramp-start) RAMP_START=${2:?--ramp-start needs a value}; shift 2 ;;
    --ramp-interval) RAMP_INTERVAL=${2:?--ramp-interval needs a value}; shift 2 ;;
    --slo-p99) SLO_P99=${2:?--slo-p99 needs a value}; shift 2 ;;
    --db) DB=${2:?--db needs a path}; shift 2 ;;
    --products) PRODUCTS=${2:?--products needs a value}; shift 2 ;;
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    --modes) MODES=${2:?--modes needs a list}; shift 2 ;;
    --set) ON_SETS+=(--set "${2:?--set needs KEY=VALUE}"); shift 2 ;;
    --quick) QUICK=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  DURATION=5
  BEFORE=3
  AFTER=6
  RAMP_INTERVAL=1
  RAMP_STEP=20
  RAMP_MAX=30
fi
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 1 ] && [ "$DURATION" -le 600 ] ||
  bench_die "--duration must be an integer number of seconds in 1..600"
for m in $MODES; do
  case "$m" in on|off) ;; *) bench_die "--modes: unknown mode $m (on, off)" ;; esac
done
[[ "$FACTOR" =~ ^[0-9]+([.][0-9]+)?$ ]] || bench_die "--factor must be a number"
[[ "$PRODUCTS" =~ ^[0-9]+$ ]] && [ "$PRODUCTS" -ge 1 ] || bench_die "--products must be a positive integer"
[ -z "$CAPACITY" ] || [[ "$CAPACITY" =~ ^[0-9]+$ ]] || bench_die "--capacity must be an integer (req/s)"

for tool in taskset curl "$BENCH_PYTHON"; do
  command -v "$tool" >/dev/null 2>&1 || bench_die "$tool not found"
done
[ -x "$SHOP" ] || bench_die "$SHOP not built (this script builds nothing)"
[ -x "$LOAD" ] || bench_die "$LOAD not built (this script builds nothing)"
if [ -n "$DB" ]; then
  [ -f "$DB" ] || bench_die "--db $DB: no such file"
  DB=$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")
fi

STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=${OUT:-$BENCH_DIR/results/overload-$STAMP}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
bench_workdir overload
bench_note_load "results in $OUT"

# --- 1. database -----------------------------------------------------------------------------------
if [ -z "$DB" ]; then
  DB="$WORK/shop.db"
  bench_log "seeding $PRODUCTS products (1000 users, 1000 orders) into $DB"
  timeout 600 "$SHOP" seed --users 1000 --products "$PRODUCTS" --orders 1000 \
    --set "db.path=$DB" >"$WORK/seed.log" 2>&1 ||
    { tail -n 20 "$WORK/seed.log" >&2; bench_die "seed failed (log $WORK/seed.log)"; }
fi

# start_shop NAME ENABLED [--set K=V]...: a server with overload.enabled=ENABLED; sets SERVER_PID
# and BASE.
SERVER_PID=
BASE=
start_shop() {
  local name=$1 enabled=$2 port
  shift 2
  port=$(bench_free_port)
  BASE="http://127.0.0.1:$port"
  bench_log "[$name] keel-shop on $BASE (CPU $BENCH_SERVER_CPU, 1 I/O thread, overload.enabled=$enabled)"
  bench_start_shop "$port" "$DB" "$WORK/$name.server.log" --set "overload.enabled=$enabled" "$@"
  SERVER_PID=$BENCH_PID
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/v1/products/1" || true)
  [ "$code" = 200 ] || bench_die "[$name] check request GET /v1/products/1 answered $code"
  "$BENCH_PYTHON" "$HELPER" scenario "$BASE" "$PRODUCTS" "$WORK/scenario.toml"
}

stop_shop() {
  local name=$1
  kill -0 "$SERVER_PID" 2>/dev/null || bench_die "[$name] keel-shop died: $(tail -n 5 "$WORK/$name.server.log")"
  bench_stop "$SERVER_PID"
  [ "$BENCH_STOP_RC" = 0 ] || bench_log "[$name] keel-shop exit status $BENCH_STOP_RC on SIGTERM"
}

# load NAME ARGS...: keel-load on CPU 1 with the common options, output in $OUT/NAME.
load() {
  local name=$1
  shift
  timeout 900 taskset -c "$BENCH_CLIENT_CPU" "$LOAD" -s "$WORK/scenario.toml" -c "$CONNS" \
    --max-connections "$MAX_CONNS" --timeout "$TIMEOUT" --out "$OUT/$name" "$@" \
    >"$OUT/$name.txt" 2>"$WORK/$name.load.log" ||
    bench_die "[$name] keel-load failed: $(tail -n 5 "$WORK/$name.load.log")"
}

# --- 2. capacity -----------------------------------------------------------------------------------
if [ -z "$CAPACITY" ]; then
  start_shop ramp false
  bench_log "[ramp] warm-up 2 s at $RAMP_START req/s"
  load warmup -p constant -r "$RAMP_START" -d 2s
  bench_log "[ramp] from $RAMP_START req/s, +$RAMP_STEP % every ${RAMP_INTERVAL}s, SLO p99 <= $SLO_P99 (at most ${RAMP_MAX}s)"
  load ramp -p ramp -r "$RAMP_START" --ramp-step "$RAMP_STEP" --ramp-interval "${RAMP_INTERVAL}s" \
    --slo-p99 "$SLO_P99" -d "${RAMP_MAX}s"
  stop_shop ramp
  rm -rf "$OUT/warmup" "$OUT/warmup.txt"
  CAPACITY=$("$BENCH_PYTHON" "$HELPER" capacity "$OUT/ramp/summary.json")
fi
OFFERED=$(awk -v c="$CAPACITY" -v f="$FACTOR" 'BEGIN { printf "%d", c * f }')
bench_log "capacity C = $CAPACITY req/s; overload ${FACTOR}x C = $OFFERED req/s for ${DURATION}s"

# --- 3. spike with protection on, then off --------------------------------------------------------
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
TOTAL=$((BEFORE + DURATION + AFTER))
for mode in $MODES; do
  if [ "$mode" = on ]; then
    start_shop on true ${ON_SETS[@]+"${ON_SETS[@]}"}
  else
    start_shop off false
  fi
  load "$mode-warmup" -p constant -r "$((CAPACITY / 2))" -d 2s
  rm -rf "$OUT/$mode-warmup" "$OUT/$mode-warmup.txt"
  bench_log "[$mode] ${BEFORE}s at $CAPACITY req/s, ${DURATION}s at $OFFERED req/s, ${AFTER}s at $CAPACITY req/s"
  load "$mode" -p spike -r "$CAPACITY" --spike-factor "$FACTOR" --spike-start "${BEFORE}s" \
    --spike-duration "${DURATION}s" -d "${TOTAL}s" --pid "$SERVER_PID"
  curl -s --max-time 5 "$BASE/metrics" | grep -E '^keel_admission_(limit|rejections_total)' \
    >"$OUT/$mode.admission.txt" || true
  stop_shop "$mode"
  "$BENCH_PYTHON" "$HELPER" record "$mode" "$CAPACITY" "$BUDGET_MS" "$OUT/$mode" >>"$RESULTS"
done

# --- 4. report -------------------------------------------------------------------------------------
LOAD_END=$(bench_loadavg)
{
  echo "keel-shop overload: $(date -u +%Y-%m-%dT%H:%M:%SZ), git $(git -C "$BENCH_REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), load average $LOAD_START -> $LOAD_END"
  echo "GET /v1/products/{id} (random ids 1..$PRODUCTS); server: 1 I/O thread on CPU $BENCH_SERVER_CPU; keel-load on CPU $BENCH_CLIENT_CPU, $CONNS..$MAX_CONNS connections, timeout $TIMEOUT"
  [ ${#ON_SETS[@]} -eq 0 ] || echo "on: ${ON_SETS[*]}"
  echo "C = $CAPACITY req/s (ramp, protection off, SLO p99 <= $SLO_P99); spike: ${BEFORE}s at C, ${DURATION}s at ${FACTOR}x C = $OFFERED req/s, ${AFTER}s at C; route budget ${BUDGET_MS} ms"
  echo
  "$BENCH_PYTHON" "$HELPER" table "$RESULTS" "$OUT/results.json"
  echo
  echo "goodput: successes/s during the spike; p99 ok / refused: requests scheduled during the spike (from the scheduled time);"
  echo "recovery: s after the spike until p99 is back within 10 % of the pre-spike p99; late sends: keel-load had no free connection."
  echo "plots: $OUT/on/report.html, $OUT/off/report.html${CAPACITY:+, ramp: $OUT/ramp/report.html}"
  [ "$BUSY" = 0 ] || echo "warning: load average was $LOAD_START at start: the machine was busy, figures are not quotable."
} | tee "$OUT/table.txt"
rm -f "$RESULTS"
KEEP_WORK=0
