#!/usr/bin/env bash
# bench/dependencies.sh — keel-shop with slow, stalled and dead third-party providers (issue 7).
#
#   bench/dependencies.sh                 # all three scenarios (~6 min)
#   bench/dependencies.sh --quick         # short phases: checks that the script works
#   bench/dependencies.sh --only 2,3      # some scenarios
#
# Builds nothing: it needs build/release/apps/shop/keel-shop, tools/fake-upstream/fake-upstream and
# tools/keel-load/keel-load (or $BENCH_KEEL_SHOP, $BENCH_FAKE_UPSTREAM, $BENCH_KEEL_LOAD), taskset,
# curl, sqlite3 and /usr/bin/python3 (standard library only). keel-shop runs with 1 I/O thread on
# CPU 0; keel-load and the fake providers on CPU 1. Load is open-loop (keel-load: latency from the
# scheduled send time, no coordinated omission). $BENCH_SHOP_EXTRA_ARGS are appended to every
# keel-shop's flags: BENCH_SHOP_EXTRA_ARGS="--set log.access=on" logs each request with its stage
# times (db_ms, upstream_ms, ...) into the kept scratch directory, to see where a slow one waited.
#
# Scenarios (each starts its own keel-shop and fake-upstream processes on one seeded database):
#   1. payment provider at 2 s latency. One keel-load mix at --rate1 req/s (default 1000): POST
#      /v1/orders at --orders1 req/s (default 20, a realistic order rate), GET /v1/products/{id}
#      for the rest (980 req/s), so that a --phase1 run (default 12 s) holds ~11,800 reads and
#      its read p99 rests on ~118 slower samples (the former 80 reads/s gave a p99 from ~16).
#      After a 5 s warm-up, --rounds1 (default 3) rounds of measured phases, interleaved so that
#      drift over the run falls on both sides alike: healthy (provider at 20 ms), slow (2 s),
#      healthy, slow, ..., healthy (3 rounds: 4 healthy and 3 slow phases). After each slow phase
#      an unmeasured 6 s settle run at the same load with the provider healthy again: the payment
#      breaker (5 s open) closes through half-open and most pending payment.charge jobs finish
#      before the next healthy phase. Reported per phase: product and order p99 and keel-shop's
#      CPU (% of a core); then the median of the healthy phases' product p99 against the median
#      of the slow phases', each slow phase's product p99 against the mean of its two healthy
#      neighbours (drift-corrected: the server's state drifts over a run) and the median of those,
#      and the order p99 of the slow phases (max and median). Goals: order p99 <= 350 ms in every
#      slow phase (300 ms payment budget, then pending + a payment.charge job); GET
#      /v1/products/{id} p99 within +-10 % (the verdict takes the drift-corrected median).
#   2. recommendation provider (two endpoints), 5 % of responses stalled 100 ms, GET
#      /v1/products/{id}/recommendations at --rate2 req/s, with hedging off, then on (two keel-shop
#      processes, same database, same providers). Goal: p99 cut >= 5x for <= 10 % extra upstream
#      requests (fake-upstream's own counts).
#   3. recommendation provider healthy, then down (every request hangs) for a third of the run,
#      then back, at --rate3 req/s. fake-upstream's request count and keel-shop's breaker state
#      are sampled every 100 ms. Goals: the breaker opens within its window (20 calls), calls fail
#      fast while it is open (fallback answered in ~1 ms), and traffic recovers through half-open
#      without a retry storm (no second of upstream requests above 1.2x the healthy rate).
#
# Output: progress on stderr; a Markdown table on stdout; bench/results/dependencies-<time>.json
# and .html (plots: per-second p99 per run, scenario 1's product p99 per phase, upstream request
# rate and breaker state over time).
# Measure on a quiet machine (bench/README.md): the load average is recorded with the results.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

SHOP=${BENCH_KEEL_SHOP:-$BENCH_REPO/build/release/apps/shop/keel-shop}
FAKE=${BENCH_FAKE_UPSTREAM:-$BENCH_REPO/build/release/tools/fake-upstream/fake-upstream}
LOAD=${BENCH_KEEL_LOAD:-$BENCH_REPO/build/release/tools/keel-load/keel-load}
HELPER="$BENCH_DIR/dependencies.py"
PHASE=20
PHASE1=12
ROUNDS1=3
RATE1=1000
ORDERS1=20
RATE2=200
RATE3=100
ONLY=1,2,3
QUICK=0

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  cat <<'USAGE'
Options:
  --phase S      length of scenarios 2 and 3's measured runs, seconds (default 20; scenario 3
                 runs 1.5x)
  --phase1 S     length of each of scenario 1's phases, seconds (default 12)
  --rounds1 N    scenario 1's healthy+slow rounds, closed by one more healthy phase (default 3)
  --orders1 R    scenario 1's POST /v1/orders rate within --rate1 (default 20 req/s)
  --quick        5 s runs and 3 s scenario-1 phases: a smoke test of the script, figures are noise
  --only LIST    scenarios to run, comma-separated (default 1,2,3)
  --rate1/2/3 R  request rate of each scenario (defaults 1000, 200, 100 req/s)
  --help         this text
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --phase) PHASE=${2:?}; shift 2 ;;
    --phase1) PHASE1=${2:?}; shift 2 ;;
    --rounds1) ROUNDS1=${2:?}; shift 2 ;;
    --orders1) ORDERS1=${2:?}; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --only) ONLY=${2:?}; shift 2 ;;
    --rate1) RATE1=${2:?}; shift 2 ;;
    --rate2) RATE2=${2:?}; shift 2 ;;
    --rate3) RATE3=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
WARMUP1=5
[ "$QUICK" = 1 ] && { PHASE=5; PHASE1=3; WARMUP1=3; }
[[ "$PHASE" =~ ^[0-9]+$ ]] && [ "$PHASE" -ge 3 ] || bench_die "--phase must be an integer >= 3"
[[ "$PHASE1" =~ ^[0-9]+$ ]] && [ "$PHASE1" -ge 3 ] || bench_die "--phase1 must be an integer >= 3"
[[ "$ROUNDS1" =~ ^[0-9]+$ ]] && [ "$ROUNDS1" -ge 1 ] || bench_die "--rounds1 must be an integer >= 1"
[[ "$RATE1" =~ ^[0-9]+$ && "$ORDERS1" =~ ^[0-9]+$ ]] && [ "$ORDERS1" -ge 1 ] &&
  [ "$RATE1" -gt "$ORDERS1" ] || bench_die "--rate1 and --orders1 must be integers, 1 <= --orders1 < --rate1"
for tool in taskset curl sqlite3 "$BENCH_PYTHON"; do
  command -v "$tool" >/dev/null 2>&1 || bench_die "$tool not found"
done
for exe in "$SHOP" "$FAKE" "$LOAD"; do [ -x "$exe" ] || bench_die "$exe not built"; done
want() { [[ ",$ONLY," == *",$1,"* ]]; }

# The scratch directory keeps the servers' logs after the run (KEEP_WORK stays 1).
bench_workdir deps-bench
bench_note_load

DB="$WORK/shop.db"
bench_log "seeding 2000 users, 20000 products, 2000 orders into $DB"
timeout 600 "$SHOP" seed --users 2000 --products 20000 --orders 2000 --seed 7 --set "db.path=$DB" \
  >"$WORK/seed.log" 2>&1 || { tail -n 20 "$WORK/seed.log" >&2; bench_die "seed failed"; }

# Orders go to products with plenty of stock (a 409 for an empty shelf is not what is measured).
STOCKED=$(sqlite3 "$DB" "SELECT group_concat(char(34) || id || char(34), ', ') FROM (SELECT id FROM products WHERE stock >= 300 LIMIT 500)")
[ -n "$STOCKED" ] || bench_die "no well-stocked products in the seeded database"

# start_fake NAME: a fake-upstream on CPU 1; sets FAKE_URL and FAKE_PID.
start_fake() {
  local port
  port=$(bench_free_port)
  taskset -c "$BENCH_CLIENT_CPU" "$FAKE" --listen "127.0.0.1:$port" --set log.access=off \
    --set "fake.seed=$RANDOM" >"$WORK/$1.log" 2>&1 &
  FAKE_PID=$!
  BENCH_PIDS+=("$FAKE_PID")
  FAKE_URL="http://127.0.0.1:$port"
  bench_wait_http "$FAKE_PID" "$FAKE_URL/readyz" 10 || bench_die "fake-upstream $1 did not start"
}

# control URL JSON: set a fake-upstream route plan.
control() {
  # Retried: fake-upstream shares CPU 1 with keel-load, and a lost switch voids scenario 3.
  local attempt
  for attempt in 1 2 3; do
    curl -sf -o /dev/null --max-time 3 -X POST "$1/_control" -d "$2" && return 0
    bench_log "control $1 failed (attempt $attempt): $2"
  done
  bench_die "control $1 failed: $2"
}

# start_shop NAME ARGS...: keel-shop serve on CPU 0, 1 I/O thread; sets SHOP_URL and SHOP_PID.
# $BENCH_SHOP_EXTRA_ARGS come last (e.g. "--set log.access=on": per-request stage times in the log).
start_shop() {
  local name=$1 port
  shift
  port=$(bench_free_port)
  # shellcheck disable=SC2086  # the extra arguments split on purpose
  bench_start_shop "$port" "$DB" "$WORK/$name.log" "$@" ${BENCH_SHOP_EXTRA_ARGS:-}
  SHOP_PID=$BENCH_PID
  SHOP_URL="http://127.0.0.1:$port"
}

# load NAME SCENARIO RATE DURATION: keel-load on CPU 1 into $WORK/NAME/.
LOAD_SEED=$(( $(date +%s) % 100000 ))
load() {
  bench_log "[$1] keel-load ${3} req/s for ${4}s"
  LOAD_SEED=$((LOAD_SEED + 1))  # fresh {uuid}s per run: no run replays another's idempotency keys
  taskset -c "$BENCH_CLIENT_CPU" "$LOAD" -s "$2" -r "$3" -d "${4}s" -c 64 --max-connections 512 \
    --timeout 5s --quiet --seed "$LOAD_SEED" --out "$WORK/$1" >"$WORK/$1.txt" 2>&1 ||
    bench_die "keel-load $1 failed: $(tail -n 5 "$WORK/$1.txt")"
}

# measured_load NAME ARGS...: load, recording keel-shop's CPU seconds and wall time around it into
# $WORK/NAME.cpu (server CPU per phase: does the slow provider cost the server anything?).
measured_load() {
  local before after t0 t1
  before=$(bench_cpu_seconds "$SHOP_PID")
  t0=$(date +%s.%N)
  load "$@"
  after=$(bench_cpu_seconds "$SHOP_PID")
  t1=$(date +%s.%N)
  echo "$before $after $t0 $t1" >"$WORK/$1.cpu"
}

# scenario FILE BASE_URL: writes a keel-load scenario for the shop at BASE_URL.
products_scenario() {
  cat >"$1" <<TOML
base_url = "$2"
[vars.id]
dist = "uniform"
lo = 1
hi = 20000
[vars.user]
dist = "uniform"
lo = 1
hi = 2000
[vars.stocked]
dist = "choice"
values = [$STOCKED]
[[requests]]
name = "product"
weight = $((RATE1 - ORDERS1))
path = "/v1/products/{id}"
[[requests]]
name = "order"
weight = $ORDERS1
method = "POST"
path = "/v1/orders"
body = '{"user_id": {user}, "items": [{"product_id": {stocked}, "quantity": 1}]}'
[requests.headers]
Content-Type = "application/json"
Idempotency-Key = "{uuid}"
TOML
}
recs_scenario() {
  cat >"$1" <<TOML
base_url = "$2"
[vars.id]
dist = "uniform"
lo = 1
hi = 20000
[[requests]]
name = "recommendations"
path = "/v1/products/{id}/recommendations"
TOML
}

RUNS="$WORK/runs.jsonl"
: >"$RUNS"
record() {  # record KEY JSON-fragment-file-or-dir...
  "$BENCH_PYTHON" "$HELPER" record "$@" >>"$RUNS"
}

# --- scenario 1: payment provider at 2 s -----------------------------------------------------------
if want 1; then
  start_fake payment
  PAY_URL=$FAKE_URL
  PAY_PID=$FAKE_PID
  control "$PAY_URL" '{"route":"payments","latency":{"fixed_ms":20}}'
  start_shop s1 --set "deps.payment.url=$PAY_URL"
  code=$(curl -s -o "$WORK/s1-check.json" -w '%{http_code}' --max-time 5 -X POST \
    -H 'Content-Type: application/json' -H "Idempotency-Key: check-$RANDOM" \
    -d '{"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}' "$SHOP_URL/v1/orders" || true)
  if [ "$code" != 201 ]; then
    bench_log "[1] skipped: POST /v1/orders answered $code ($(head -c 200 "$WORK/s1-check.json"))"
  else
    products_scenario "$WORK/s1.toml" "$SHOP_URL"
    load s1-warmup "$WORK/s1.toml" "$RATE1" "$WARMUP1"
    s1_phases=()
    for ((round = 1; round <= ROUNDS1; round++)); do
      measured_load "s1-healthy$round" "$WORK/s1.toml" "$RATE1" "$PHASE1"
      s1_phases+=("$WORK/s1-healthy$round")
      control "$PAY_URL" '{"route":"payments","latency":{"fixed_ms":2000}}'
      measured_load "s1-slow$round" "$WORK/s1.toml" "$RATE1" "$PHASE1"
      s1_phases+=("$WORK/s1-slow$round")
      control "$PAY_URL" '{"route":"payments","latency":{"fixed_ms":20}}'
      # Unmeasured: the payment breaker may have just re-opened (5 s); under load its half-open
      # trials close it, and the pending orders' charge jobs drain, before the next baseline.
      load "s1-settle$round" "$WORK/s1.toml" "$RATE1" 6
    done
    measured_load "s1-healthy$((ROUNDS1 + 1))" "$WORK/s1.toml" "$RATE1" "$PHASE1"
    s1_phases+=("$WORK/s1-healthy$((ROUNDS1 + 1))")
    jobs=$(curl -s --max-time 5 "$SHOP_URL/metrics" | awk '/^keel_shop_payments_total/ { print }' | tr '\n' ';')
    record s1 "${s1_phases[@]}" "payments:$jobs"
  fi
  bench_stop "$SHOP_PID"
  bench_stop "$PAY_PID"
fi

# --- scenario 2: hedging on a 5 % stalled share ----------------------------------------------------
if want 2; then
  start_fake recs-a
  A_URL=$FAKE_URL; A_PID=$FAKE_PID
  start_fake recs-b
  B_URL=$FAKE_URL; B_PID=$FAKE_PID
  plan='{"route":"recommendations","latency":{"mean_ms":2,"sd_ms":0.5},"slow":{"p":0.05,"ms":100}}'
  for mode in off on; do
    control "$A_URL" "$plan"
    control "$B_URL" "$plan"
    enabled=false; [ "$mode" = on ] && enabled=true
    start_shop "s2-$mode" --set "deps.recommendations.url=$A_URL,$B_URL" \
      --set "deps.recommendations.hedge.enabled=$enabled"
    recs_scenario "$WORK/s2-$mode.toml" "$SHOP_URL"
    load "s2-$mode-warmup" "$WORK/s2-$mode.toml" "$RATE2" 3
    control "$A_URL" '{"reset_stats":true}'
    control "$B_URL" '{"reset_stats":true}'
    load "s2-$mode" "$WORK/s2-$mode.toml" "$RATE2" "$PHASE"
    record "s2-$mode" "$WORK/s2-$mode" "upstream:$A_URL" "upstream:$B_URL" \
      "metrics:$SHOP_URL"
    bench_stop "$SHOP_PID"
  done
  bench_stop "$A_PID"
  bench_stop "$B_PID"
fi

# --- scenario 3: provider down, then back ----------------------------------------------------------
if want 3; then
  start_fake recs
  R_URL=$FAKE_URL; R_PID=$FAKE_PID
  control "$R_URL" '{"route":"recommendations","latency":{"mean_ms":2,"sd_ms":0.5}}'
  start_shop s3 --set "deps.recommendations.url=$R_URL"
  recs_scenario "$WORK/s3.toml" "$SHOP_URL"
  load s3-warmup "$WORK/s3.toml" "$RATE3" 3
  TOTAL=$((PHASE * 3 / 2))
  [ "$TOTAL" -ge 9 ] || TOTAL=9
  DOWN_AT=$((TOTAL / 3))
  UP_AT=$((TOTAL * 2 / 3))
  "$BENCH_PYTHON" "$HELPER" sample "$WORK/s3-samples.csv" 0.1 "$R_URL" "$SHOP_URL" &
  SAMPLER_PID=$!
  BENCH_PIDS+=("$SAMPLER_PID")
  (
    sleep "$DOWN_AT"
    control "$R_URL" '{"route":"recommendations","hang":{"p":1.0}}'
    echo "down $(date +%s.%N)" >>"$WORK/s3-events.txt"
    sleep $((UP_AT - DOWN_AT))
    control "$R_URL" '{"route":"recommendations","latency":{"mean_ms":2,"sd_ms":0.5}}'
    echo "up $(date +%s.%N)" >>"$WORK/s3-events.txt"
  ) &
  SWITCH_PID=$!
  BENCH_PIDS+=("$SWITCH_PID")
  echo "start $(date +%s.%N)" >"$WORK/s3-events.txt"
  load s3 "$WORK/s3.toml" "$RATE3" "$TOTAL"
  wait "$SWITCH_PID" || true
  sleep 1
  bench_stop "$SAMPLER_PID"
  record s3 "$WORK/s3" "samples:$WORK/s3-samples.csv" "events:$WORK/s3-events.txt"
  bench_stop "$SHOP_PID"
  bench_stop "$R_PID"
fi

# --- report ----------------------------------------------------------------------------------------
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BENCH_DIR/results"
"$BENCH_PYTHON" "$HELPER" report "$RUNS" "$BENCH_DIR/results/dependencies-$STAMP" \
  "load_start=$LOAD_START" "load_end=$(bench_loadavg)" "phase=$PHASE" "quick=$QUICK" \
  "rates=$RATE1,$RATE2,$RATE3" "phase1=$PHASE1" "rounds1=$ROUNDS1" "orders1=$ORDERS1"
bench_log "results: bench/results/dependencies-$STAMP.json and .html"
