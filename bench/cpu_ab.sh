#!/usr/bin/env bash
# Server CPU per request of two or more keel-hello binaries (and nginx) at one fixed rate, in
# interleaved rounds: the A/B measurement for a change to the request path. --help for options.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF2
Usage: bench/cpu_ab.sh [OPTIONS] SERVER...

Each SERVER is a keel-hello binary (started as http_peers.sh starts keel: \$BENCH_KEEL_THREADS I/O
threads (1), access log off, \$BENCH_KEEL_EXTRA_ARGS appended) or the word nginx.
Per round, every server in turn is started on CPU $BENCH_SERVER_CPU, warmed up for 1 s, then loaded
for --duration seconds by h2load --h1 with 64 connections at --rate requests/s in total, on CPU
$BENCH_CLIENT_CPU; its CPU time over the measured run (exact, from /proc/PID/task/*/schedstat) is
divided by the requests h2load completed. Prints each round and the median per server.
Example (the old binary copied aside before a change):
  bench/cpu_ab.sh --rounds 5 /tmp/keel-hello-old build/release/examples/hello/keel-hello nginx

Options:
  --rounds N     interleaved rounds (default 3)
  --duration S   seconds measured per server and round (default 6)
  --rate N       total requests/s (default 25600; a multiple of 64)
  --path P       request path (default /plaintext)
  -h, --help     this help
EOF2
}

rounds=3 duration=6 rate=25600 path=/plaintext servers=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --rate) rate=${2:?}; shift 2 ;;
    --path) path=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    *) servers+=("$1"); shift ;;
  esac
done
[ "${#servers[@]}" -ge 1 ] || { usage >&2; exit 2; }
for v in rounds duration rate; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || bench_die "--$v must be a positive integer"
done
for t in h2load taskset curl; do command -v "$t" >/dev/null || bench_die "$t not found"; done
for s in "${servers[@]}"; do
  [ "$s" = nginx ] || [ -x "$s" ] || bench_die "$s is neither nginx nor an executable"
done
per_conn=$((rate / 64))
[ "$per_conn" -ge 1 ] || bench_die "--rate must be at least 64"
bench_workdir cpu-ab  # stops the servers on exit; keeps the logs only when the run failed
[[ " ${servers[*]} " == *" nginx "* ]] && bench_prepare_peers nginx

declare -A results
for ((r = 1; r <= rounds; r++)); do
  for i in "${!servers[@]}"; do
    s=${servers[$i]}
    port=$(bench_free_port)
    if [ "$s" = nginx ]; then
      bench_start_server nginx "$port" "$WORK/server-$i.log"
    else
      BENCH_KEEL_HELLO=$s bench_start_server keel "$port" "$WORK/server-$i.log"
    fi
    url=http://127.0.0.1:$port$path
    taskset -c "$BENCH_CLIENT_CPU" h2load --h1 -c64 --rps "$per_conn" -D 1 "$url" >/dev/null
    before=$(bench_cpu_seconds "$BENCH_PID")
    done_n=$(taskset -c "$BENCH_CLIENT_CPU" h2load --h1 -c64 --rps "$per_conn" -D "$duration" "$url" |
      awk '/^requests:/ { print $8 }')
    after=$(bench_cpu_seconds "$BENCH_PID")
    bench_stop "$BENCH_PID"
    [ "${done_n:-0}" -gt 0 ] || bench_die "$s: h2load completed no request"
    us=$(awk -v a="$before" -v b="$after" -v n="$done_n" 'BEGIN { printf "%.3f", (b - a) * 1e6 / n }')
    bench_log "[$r/$rounds] $s: $us us/request ($done_n requests)"
    results[$i]="${results[$i]:-} $us"
  done
done

printf '%-60s  %s\n' "server" "CPU us/request: median (rounds)"
for i in "${!servers[@]}"; do
  # shellcheck disable=SC2086  # the list of round figures splits on purpose
  printf '%-60s  %s (%s)\n' "${servers[$i]}" "$(bench_median ${results[$i]})" "${results[$i]# }"
done
echo "rate $rate req/s from h2load (64 connections), $duration s per run, $rounds interleaved rounds, path $path"
KEEP_WORK=0
