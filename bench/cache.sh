#!/usr/bin/env bash
# Cache benchmarks: hit rate per eviction policy, memory per entry, get/put throughput, and the
# HTTP cost of a cached read in keel-shop.
#
#   bench/cache.sh                      # all tables
#   bench/cache.sh --trace keys.txt     # also the hit rate on a trace (one decimal key per line)
#   bench/cache.sh --http-only          # only the keel-shop table (below)
#   bench/cache.sh --no-http            # only the keel::cache tables
#   bench/cache.sh --http-only --rounds 3 --duration 5   # shorter HTTP runs (default 5 x 10 s)
#   bench/cache.sh --http-only --quick  # 2 rounds of 2 s and a 3 s fixed-rate run: a smoke test
#
# Builds keel_cache_bench, keel_hello and keel_shop (release preset, -j2) and prints Markdown
# tables. The traces are synthetic (see lib/cache/bench/trace.hpp): no public cache trace is
# reachable from the build machines. Throughput figures are noisy: the machine is shared; compare
# policies within a run.
#
# The HTTP table (bench/README.md rules: server on CPU $BENCH_SERVER_CPU with 1 I/O thread and
# the access log off, load generator on CPU $BENCH_CLIENT_CPU, one server at a time):
#   1. seeds a small keel-shop database (100 users, 10,000 products, 100 orders);
#   2. interleaved rounds: keel-hello GET /json, then keel-shop GET /v1/products/{id} over a hot
#      set of 1,000 ids (all cached after the warm-up: cache.products_ttl = 1h), each started
#      fresh, warmed up for 2 s, then `wrk -t1 -c64 -d<duration>s`; the ratio is of the medians;
#   3. keel-shop again at 50 % of its median capacity for <duration> seconds at a fixed rate,
#      `h2load --h1 -c32 --rps <rate/32>`; p50/p99 from h2load's per-request log
#      (bench/shop_reads.py latency). Goals: ratio >= 0.8, p99 <= 2 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

RUN_HTTP=1
RUN_CACHE=1
ROUNDS=5
DURATION=10
FIXED_DURATION=
PASS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --http-only) RUN_CACHE=0; shift ;;
    --no-http) RUN_HTTP=0; shift ;;
    --rounds) ROUNDS=${2:?--rounds needs a value}; shift 2 ;;
    --duration) DURATION=${2:?--duration needs a value}; shift 2 ;;
    --quick) ROUNDS=2; DURATION=2; FIXED_DURATION=3; shift ;;
    *) PASS+=("$1"); shift ;;
  esac
done
FIXED_DURATION=${FIXED_DURATION:-$DURATION}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || bench_die "--rounds must be a positive integer"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || bench_die "--duration must be a positive integer"

cmake --preset release >/dev/null
targets=()
[ "$RUN_CACHE" = 1 ] && targets+=(keel_cache_bench)
[ "$RUN_HTTP" = 1 ] && targets+=(keel_hello keel_shop)
# Serialised with other builds on the machine when the shared lock file exists.
if [ -e /tmp/keel-build.lock ]; then
  flock /tmp/keel-build.lock ninja -C build/release -j2 "${targets[@]}" >/dev/null
else
  ninja -C build/release -j2 "${targets[@]}" >/dev/null
fi
bench=build/release/lib/cache/keel_cache_bench

cache_tables() {
echo "## Hit rate (%) — capacity as a share of the distinct keys in the trace"
echo
"$bench" hitrate ${PASS[@]+"${PASS[@]}"}
echo
echo "## Memory per entry (LocalCache<uint64_t, uint64_t>, 1M entries, default shards)"
echo "| policy | held | bytes per entry |"
echo "|---|---|---|"
for policy in tinylfu s3fifo lru; do
  "$bench" memory "$policy"
done
echo
echo "## Throughput (LocalCache, 100k capacity, Zipf(0.99) keys over 1M; $(nproc) cores, shared)"
echo "| policy | threads | throughput |"
echo "|---|---|---|"
for policy in tinylfu s3fifo lru; do
  "$bench" throughput "$policy"
done
}

# --- HTTP: cached GET /v1/products/{id} against keel-hello /json --------------------------------
SHOP=${BENCH_KEEL_SHOP:-$BENCH_REPO/build/release/apps/shop/keel-shop}
HOT_IDS=1000

# wrk_run LOG [wrk args...]: closed-loop run on the client CPU; sets WRK_RPS (Requests/sec) and
# records non-2xx responses and socket errors as problems.
wrk_run() {
  local log=$1
  shift
  timeout $((DURATION + 30)) taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c64 -d"${DURATION}s" "$@" \
    >"$log" 2>&1 || bench_die "wrk failed: $(tail -n 5 "$log")"
  if grep -Eq 'Non-2xx or 3xx responses|Socket errors' "$log"; then
    HTTP_PROBLEMS+=("$(basename "$log"): $(grep -E 'Non-2xx or 3xx responses|Socket errors' "$log" | tr '\n' ' ')")
  fi
  WRK_RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
  [ -n "$WRK_RPS" ] || bench_die "no Requests/sec in $log"
}

start_shop() {
  SHOP_PORT=$(bench_free_port)
  bench_start_shop "$SHOP_PORT" "$WORK/shop.db" "$WORK/shop.log" --set cache.products_ttl=1h
}

# warm_shop: a short unrecorded wrk run over the hot ids (fills the cache).
warm_shop() {
  timeout 20 taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c64 -d2s -s bench/shop_paths.lua \
    "http://127.0.0.1:$SHOP_PORT" -- "$WORK/hot.paths" >/dev/null 2>&1 || bench_die "warm-up failed"
}

http_table() {
  for tool in wrk h2load taskset curl "$BENCH_PYTHON"; do
    command -v "$tool" >/dev/null 2>&1 || bench_die "$tool not found"
  done
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/keel-cache-http.XXXXXX")
  HTTP_PROBLEMS=()
  trap 'bench_cleanup; rm -rf "$WORK"' EXIT
  local load_start load_end hello=() shop=() r hello_med shop_med ratio rate per_conn lat
  load_start=$(bench_loadavg)
  bench_log "seeding a small database into $WORK (load average $load_start)"
  "$SHOP" seed --users 100 --products 10000 --orders 100 --set "db.path=$WORK/shop.db" \
    >"$WORK/seed.log" 2>&1 || bench_die "seed failed: $(tail -n 5 "$WORK/seed.log")"
  : >"$WORK/hot.paths"
  : >"$WORK/hot.urls"
  for r in $(seq 1 "$HOT_IDS"); do echo "/v1/products/$((r * 10))" >>"$WORK/hot.paths"; done

  for r in $(seq 1 "$ROUNDS"); do
    local port
    port=$(bench_free_port)
    bench_start_server keel "$port" "$WORK/hello.log"
    timeout 20 taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c64 -d2s "http://127.0.0.1:$port/json" \
      >/dev/null 2>&1 || bench_die "keel-hello warm-up failed"
    wrk_run "$WORK/hello.$r.txt" "http://127.0.0.1:$port/json"
    bench_stop "$BENCH_PID"
    hello+=("$WRK_RPS")

    start_shop
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SHOP_PORT/v1/products/10")" = 200 ] ||
      bench_die "GET /v1/products/10 did not answer 200"
    warm_shop
    wrk_run "$WORK/shop.$r.txt" -s bench/shop_paths.lua "http://127.0.0.1:$SHOP_PORT" -- "$WORK/hot.paths"
    bench_stop "$BENCH_PID"
    shop+=("$WRK_RPS")
    bench_log "round $r/$ROUNDS: keel-hello /json ${hello[-1]} req/s, keel-shop cached by id ${shop[-1]} req/s"
  done
  hello_med=$(bench_median "${hello[@]}")
  shop_med=$(bench_median "${shop[@]}")
  ratio=$(awk -v a="$shop_med" -v b="$hello_med" 'BEGIN { printf "%.2f", a / b }')

  rate=$(awk -v c="$shop_med" 'BEGIN { printf "%.1f", c * 0.5 }')
  per_conn=$(awk -v t="$rate" 'BEGIN { printf "%.3f", t / 32 }')
  start_shop
  sed "s|^|http://127.0.0.1:$SHOP_PORT|" "$WORK/hot.paths" >"$WORK/hot.urls"
  warm_shop
  bench_log "fixed rate $rate req/s for ${FIXED_DURATION}s: h2load --h1 -c32 --rps $per_conn"
  timeout $((FIXED_DURATION + 60)) taskset -c "$BENCH_CLIENT_CPU" h2load --h1 -t1 -c32 \
    --rps "$per_conn" -D "$FIXED_DURATION" --warm-up-time 1 -i "$WORK/hot.urls" \
    --log-file "$WORK/fixed.tsv" >"$WORK/fixed.txt" 2>&1 ||
    bench_die "h2load failed: $(tail -n 5 "$WORK/fixed.txt")"
  curl -s "http://127.0.0.1:$SHOP_PORT/metrics" | grep -E '^keel_cache_(hits|misses)_total\{cache="products"' \
    >"$WORK/cache_metrics.txt" || true
  bench_stop "$BENCH_PID"
  lat=$("$BENCH_PYTHON" bench/shop_reads.py latency "$WORK/fixed.tsv" "$FIXED_DURATION" "$rate")
  load_end=$(bench_loadavg)

  echo
  echo "## keel-shop: cached GET /v1/products/{id} vs keel-hello GET /json"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), git $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load average $load_start -> $load_end;"
  echo "$ROUNDS interleaved rounds of wrk -t1 -c64 -d${DURATION}s (medians); 1 I/O thread on CPU $BENCH_SERVER_CPU, clients on CPU $BENCH_CLIENT_CPU;"
  echo "hot set: $HOT_IDS product ids, all cached (products cache after the run: $(tr '\n' ' ' <"$WORK/cache_metrics.txt" | sed 's/keel_cache_//g'))"
  echo
  echo "| figure | value | goal |"
  echo "|---|---|---|"
  echo "| keel-hello GET /json, req/s (median; rounds: ${hello[*]}) | $hello_med | |"
  echo "| keel-shop GET /v1/products/{id} cached, req/s (median; rounds: ${shop[*]}) | $shop_med | |"
  echo "| ratio shop / hello | $ratio | >= 0.8 |"
  "$BENCH_PYTHON" - "$lat" <<'PY'
import json, sys
lat = json.loads(sys.argv[1])
f = lambda v: "-" if v is None else f"{v:.2f}"
sat = " (SATURATED: under 95 % of the target rate)" if lat["saturated"] else ""
print(f"| keel-shop at 50 % of capacity: {lat['rps']} of {lat['target_rps']} req/s{sat}, "
      f"{lat['non2xx']} non-2xx, {lat['failed']} failed | p50 {f(lat['p50_ms'])} ms, "
      f"p99 {f(lat['p99_ms'])} ms, p99.9 {f(lat['p999_ms'])} ms | p99 <= 2 ms |")
PY
  awk -v l="$load_start" 'BEGIN { exit !(l >= 1) }' &&
    echo "warning: load average was $load_start at start: the machine was busy, figures are not quotable."
  if [ ${#HTTP_PROBLEMS[@]} -gt 0 ]; then
    echo "problems:"
    printf '  - %s\n' "${HTTP_PROBLEMS[@]}"
  fi
}

[ "$RUN_CACHE" = 1 ] && cache_tables
[ "$RUN_HTTP" = 1 ] && http_table
exit 0
