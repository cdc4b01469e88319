#!/usr/bin/env bash
# bench/refusal_cost.sh — what one success and one refusal cost the server's core, and the goodput
# that leaves any admission policy at F× C. --help for options.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF
Usage: bench/refusal_cost.sh [OPTIONS]

Server CPU per request (schedstat, all threads; lib.sh's bench_cpu_seconds) with the server's core
saturated: closed-loop wrk -t1 -c64 on CPU $BENCH_CLIENT_CPU, GET /v1/products/{id} with random ids
(bench/shop_paths.lua), for three servers pinned to CPU $BENCH_SERVER_CPU, in interleaved rounds.
Saturated, because a request's cost falls with load (an idle server pays a wake-up per request,
a busy one reads many per epoll_wait); overload is where refusals happen. The servers:
  success   keel-shop serve --threads 1, shipped defaults but overload.enabled=false (64 closed-loop
            connections exceed the adaptive limit now and then; a refused request would not count)
  refusal   the same with overload.share_default=0, share_sheddable=0, queue_size=0: admission
            refuses every request (503 + Retry-After + problem+json), the path overload refusals take
  nginx503  nginx (1 worker) answering every request 503 with a problem+json body of the same size:
            the floor, a refusal that costs nothing but reading and writing the request
If a saturated core serves C successes a second (here C = 1 / success cost, the true saturation
point, above a ramp's SLO-bound C), one success costs 1/C of it and every refusal at F x C comes out
of goodput:  g + (F - g) k = 1,  k = refusal cost / success cost, so the best goodput any admission
policy can keep is  g = (1 - F k) / (1 - k)  of C (0 when F k >= 1). Printed for F = 2 and 3, with
keel's refusal and with nginx's.

With --rates, the question is instead how fast a request can be *answered* at a given arrival
rate: keel-load (open loop, latency from each request's scheduled time, 64..512 connections,
2 s timeout) offers each rate for --duration seconds to all three servers (after the same 2 s wrk
warm-up), in interleaved rounds, and the script prints the medians of the p50/p99 of the expected
answers (200 for success, 503 for the others), keel-load's errors (timeouts, resets) and late
sends (no free connection: the server is behind) and server CPU per request. nginx503 at a rate is the floor for any server's
refusal latency on this machine with this client; success shows what the same rate costs when
every request is served.

Options:
  --duration S   measured seconds per server and round (default 5)
  --rates LIST   open-loop mode (above): space-separated req/s, e.g. "24000 48000 72000"
  --rounds N     interleaved rounds (default 3)
  --db PATH      serve this seeded database (products 1..--products) instead of seeding one
  --products N   product ids drawn from 1..N (default 100000)
  -h, --help     this help
Environment: BENCH_KEEL_SHOP, BENCH_KEEL_LOAD (binaries), BENCH_SERVER_CPU, BENCH_CLIENT_CPU.
EOF
}

SHOP=${BENCH_KEEL_SHOP:-$BENCH_REPO/build/release/apps/shop/keel-shop}
LOAD=${BENCH_KEEL_LOAD:-$BENCH_REPO/build/release/tools/keel-load/keel-load}
duration=5 rounds=3 db="" products=100000 rates=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --db) db=${2:?}; shift 2 ;;
    --products) products=${2:?}; shift 2 ;;
    --rates) rates=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in duration rounds products; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || bench_die "--$v must be a positive integer"
done
for t in taskset curl nginx wrk "$BENCH_PYTHON"; do command -v "$t" >/dev/null || bench_die "$t not found"; done
[ -x "$SHOP" ] || bench_die "$SHOP not built (this script builds nothing)"
for rate in $rates; do [[ $rate =~ ^[1-9][0-9]*$ ]] || bench_die "--rates: $rate is not a rate in req/s"; done
[ -z "$rates" ] || [ -x "$LOAD" ] || bench_die "$LOAD not built (this script builds nothing)"
[ -z "$db" ] || [ -f "$db" ] || bench_die "--db $db: no such file"

bench_workdir refusal-cost
bench_note_load "scratch directory $WORK"
if [ -z "$db" ]; then
  db=$WORK/shop.db
  bench_log "seeding $products products into $db"
  timeout 600 "$SHOP" seed --users 1000 --products "$products" --orders 1000 \
    --set "db.path=$db" >"$WORK/seed.log" 2>&1 || bench_die "seed failed (log $WORK/seed.log)"
fi

# The body keel-shop sends with such a refusal, so that nginx writes as many bytes.
problem='{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"overloaded: the remaining capacity is reserved for more important requests (this one is default)","instance":"0123456789abcdef"}'
mkdir -p "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process on;
pid nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    server_tokens off;
    keepalive_requests 1000000;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    server {
        listen 127.0.0.1:NGINX_PORT;
        location = /plaintext { return 200 'ok'; }
        location / {
            default_type application/problem+json;
            add_header Retry-After 1 always;
            return 503 '$problem';
        }
    }
}
EOF

# start NAME PORT: one server on CPU $BENCH_SERVER_CPU; sets BENCH_PID.
start() {
  local name=$1 port=$2
  local -a sets=()
  case "$name" in
    nginx503)
      sed "s/NGINX_PORT/$port/" "$WORK/nginx/nginx.conf" >"$WORK/nginx/run.conf"
      bench_start nginx "$port" "$WORK/nginx.log" 15 nginx -p "$WORK/nginx/" -e stderr -c "$WORK/nginx/run.conf"
      return ;;
    success) sets=(--set overload.enabled=false) ;;
    refusal) sets=(--set overload.share_default=0 --set overload.share_sheddable=0 --set overload.queue_size=0) ;;
  esac
  bench_start_shop "$port" "$db" "$WORK/$name.log" "${sets[@]}"
}

# Random product paths for wrk (bench/shop_paths.lua picks one per request).
"$BENCH_PYTHON" -c 'import random, sys
n = int(sys.argv[1]); r = random.Random(1)
print("\n".join("/v1/products/%d" % r.randint(1, n) for _ in range(100000)))' "$products" >"$WORK/paths.txt"

# load PORT SECONDS OUT: wrk on CPU $BENCH_CLIENT_CPU; its report in OUT.
load() {
  timeout $(($2 + 30)) taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c64 -d"${2}s" \
    -s "$BENCH_DIR/shop_paths.lua" "http://127.0.0.1:$1" -- "$WORK/paths.txt" >"$3" 2>&1 ||
    bench_die "wrk failed: $(tail -n 3 "$3")"
}

# open_loop: the --rates mode; prints its table and exits.
open_loop() {
  local r s rate port c0 c1 name q50 q99 n_errors n_late us
  local -A p50 p99 errors late cpu
  for ((r = 1; r <= rounds; r++)); do
    for rate in $rates; do
      for s in success refusal nginx503; do
        port=$(bench_free_port)
        start "$s" "$port"
        "$BENCH_PYTHON" "$BENCH_DIR/overload.py" scenario "http://127.0.0.1:$port" "$products" "$WORK/scenario.toml"
        name="$s-$rate-$r"
        load "$port" 2 "$WORK/warm-$name"  # the same warm-up as the closed-loop runs
        c0=$(bench_cpu_seconds "$BENCH_PID")
        timeout $((duration + 60)) taskset -c "$BENCH_CLIENT_CPU" "$LOAD" -s "$WORK/scenario.toml" \
          -c 64 --max-connections 512 --timeout 2s -p constant -r "$rate" -d "${duration}s" \
          --out "$WORK/$name" >"$WORK/$name.txt" 2>&1 || bench_die "keel-load failed: $(tail -n 3 "$WORK/$name.txt")"
        c1=$(bench_cpu_seconds "$BENCH_PID")
        bench_stop "$BENCH_PID"
        read -r q50 q99 n_errors n_late us <<<"$("$BENCH_PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1])); t = s["totals"]
l = s["latency_ok_ms" if sys.argv[4] == "success" else "latency_refused_ms"]
if t["responses"] == 0 or l["count"] < 0.99 * t["responses"]:
    sys.exit("only %d of %d responses had the expected status" % (l["count"], t["responses"]))
cpu = (float(sys.argv[2]) - float(sys.argv[3])) * 1e6 / t["responses"]
print(l["p50"], l["p99"], t["errors"], t["late"], "%.2f" % cpu)' \
          "$WORK/$name/summary.json" "$c1" "$c0" "$s")" || bench_die "[$name] not measured"
        p50[$s-$rate]+="$q50 " p99[$s-$rate]+="$q99 " errors[$s-$rate]+="$n_errors " late[$s-$rate]+="$n_late " cpu[$s-$rate]+="$us "
        bench_log "[$r/$rounds] $s at $rate req/s: p50 $q50 ms, p99 $q99 ms; errors $n_errors; late sends $n_late; $us us CPU/request"
      done
    done
  done
  # shellcheck disable=SC2086  # the lists are space-separated numbers
  {
    printf '%-9s %8s %10s %10s %9s %11s %11s\n' server "req/s" "p50 ms" "p99 ms" errors "late sends" "CPU us/req"
    for rate in $rates; do
      for s in success refusal nginx503; do
        printf '%-9s %8s %10s %10s %9s %11s %11s\n' "$s" "$rate" "$(bench_median ${p50[$s-$rate]})" \
          "$(bench_median ${p99[$s-$rate]})" "$(bench_median ${errors[$s-$rate]})" \
          "$(bench_median ${late[$s-$rate]})" "$(bench_median ${cpu[$s-$rate]})"
      done
    done
    echo "keel-load open loop, -c 64 --max-connections 512 --timeout 2s, ${duration} s per run, medians of $rounds interleaved rounds; load average at start $LOAD_START"
  } | tee "$WORK/summary.txt"
  KEEP_WORK=0
  exit 0
}
[ -z "$rates" ] || open_loop

declare -A cost
servers="success refusal nginx503"
for ((r = 1; r <= rounds; r++)); do
  for s in $servers; do
    port=$(bench_free_port)
    start "$s" "$port"
    load "$port" 2 "$WORK/warm-$s-$r"
    c0=$(bench_cpu_seconds "$BENCH_PID")
    load "$port" "$duration" "$WORK/run-$s-$r"
    c1=$(bench_cpu_seconds "$BENCH_PID")
    bench_stop "$BENCH_PID"
    read -r answered other <<<"$(awk '/requests in/ { n = $1 } /Non-2xx or 3xx/ { o = $NF }
      END { print n + 0, o + 0 }' "$WORK/run-$s-$r")"
    expected=$([ "$s" = success ] && echo $((answered - other)) || echo "$other")
    if [ "$answered" -eq 0 ] || [ $((expected * 100)) -lt $((answered * 99)) ]; then
      bench_die "[$s] only $expected of $answered responses had the expected status"
    fi
    us=$(awk -v a="$c0" -v b="$c1" -v n="$answered" 'BEGIN { printf "%.3f", (b - a) * 1e6 / n }')
    cost[$s]+="$us "
    bench_log "[$r/$rounds] $s: $us us of server CPU per request ($answered requests)"
  done
done

# shellcheck disable=SC2086  # the lists are space-separated numbers
{
  succ=$(bench_median ${cost[success]})
  refu=$(bench_median ${cost[refusal]})
  ngx=$(bench_median ${cost[nginx503]})
  printf '%-10s %s\n' "server" "CPU us/request: median (rounds)"
  for s in $servers; do printf '%-10s %s (%s)\n' "$s" "$(bench_median ${cost[$s]})" "${cost[$s]% }"; done
  awk -v s="$succ" -v r="$refu" -v n="$ngx" 'BEGIN {
    split("keel-refusal nginx-503", name, " "); k[1] = r / s; k[2] = n / s
    for (i = 1; i <= 2; i++) {
      line = sprintf("%-12s k = %.3f", name[i], k[i])
      for (f = 2; f <= 3; f++) { g = (1 - f * k[i]) / (1 - k[i]); if (g < 0) g = 0; line = line sprintf("   best goodput at %dx C: %.1f %%", f, 100 * g) }
      print line
    } }'
  echo "wrk -t1 -c64, ${duration} s per run, $rounds interleaved rounds; load average at start $LOAD_START"
} | tee "$WORK/summary.txt"
KEEP_WORK=0
