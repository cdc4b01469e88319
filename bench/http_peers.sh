#!/usr/bin/env bash
# keel-hello against nginx, Go net/http and fastify on loopback, in interleaved rounds.
# See bench/README.md for what is measured and the rules; --help for options.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF
Usage: bench/http_peers.sh [OPTIONS]

Runs keel-hello (--threads 1) and each peer (1 worker), one at a time, pinned to CPU $BENCH_SERVER_CPU,
with the load generator pinned to CPU $BENCH_CLIENT_CPU, in interleaved rounds (round 1: keel and every
peer, round 2: the same order, ...), on GET /plaintext and GET /json. Per server, round and path:
  c64     wrk -t1 -c64                        requests/s and server CPU us/request
  c256    wrk -t1 -c256                       requests/s
  pipe16  wrk -t1 -c64 -s pipeline.lua -- 16  requests/s (16 pipelined requests per write)
  fixed   h2load --h1 -c64 at a fixed total rate: server CPU us/request, latency p50/p99
Prints medians per (server, path, scenario) and keel/peer ratios; raw results go to
bench/results/http_peers-<date>.json.

Options:
  --rounds N        interleaved rounds (default 3)
  --duration S      seconds per measurement (default 10)
  --warmup S        seconds of wrk warm-up after each server start, not recorded (default 2)
  --peers "LIST"    peers among: nginx go fastify (default "nginx go fastify"; "" = keel only)
  --rate N          fixed-rate scenario total requests/s (default 25600, spread over 64 connections)
  --paths "LIST"    paths (default "/plaintext /json")
  --out FILE        JSON output (default bench/results/http_peers-<date>.json)
  --quick           script check only: 1 round of 2 s, 1 s warm-up (figures are noise)
  -h, --help        this help

Environment: BENCH_KEEL_HELLO (binary), BENCH_PEER_RUNDIR (peer scratch dir, kept across runs),
BENCH_SERVER_CPU / BENCH_CLIENT_CPU (0 / 1), BENCH_KEEL_EXTRA_ARGS (appended to keel-hello's flags).
The first run installs the peers (apt: nginx-light, golang-go, nodejs; npm: fastify) before measuring.
EOF
}

rounds=3 duration=10 warmup=2 peers="nginx go fastify" rate=25600 paths="/plaintext /json" out="" quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --peers) peers=${2?}; shift 2 ;;
    --rate) rate=${2:?}; shift 2 ;;
    --paths) paths=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --quick) quick=1; rounds=1; duration=2; warmup=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in rounds duration rate; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || bench_die "--$v must be a positive integer"
done
[[ $warmup =~ ^[0-9]+$ ]] || bench_die "--warmup must be an integer"
for p in $peers; do case "$p" in nginx|go|fastify) ;; *) bench_die "unknown peer: $p" ;; esac; done
for t in wrk h2load taskset curl ps "$BENCH_PYTHON"; do command -v "$t" >/dev/null || bench_die "$t not found"; done
[ -x "$BENCH_KEEL_HELLO" ] || bench_die "$BENCH_KEEL_HELLO not built (cmake --preset release && cmake --build build/release)"
pipeline_lua=$BENCH_PEERS_DIR/pipeline.lua
[ -f "$pipeline_lua" ] || bench_die "$pipeline_lua not found"
[ "$(nproc)" -ge 2 ] || bench_log "warning: fewer than 2 CPUs; server and load generator share a core"

fixed_conns=64
rps_per_conn=$((rate / fixed_conns))
[ "$rps_per_conn" -ge 1 ] || bench_die "--rate must be at least $fixed_conns"
rate=$((rps_per_conn * fixed_conns))  # what h2load will actually aim at
fixed_n=$((rate * duration))
servers="keel $peers"

stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BENCH_DIR/results"
[ -f "$BENCH_DIR/results/.gitignore" ] || printf '*.json\n' >"$BENCH_DIR/results/.gitignore"
out=${out:-$BENCH_DIR/results/http_peers-$stamp.json}
work=$(mktemp -d "${TMPDIR:-/tmp}/keel-http-peers.XXXXXX")
raw=$work/raw.jsonl
: >"$raw"

# shellcheck disable=SC2317  # called by the EXIT trap
on_exit() {
  local rc=$?
  bench_cleanup
  if [ "$rc" -ne 0 ]; then bench_log "stopped (status $rc); logs kept in $work"; else rm -rf "$work"; fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- measurements

# run_wrk ROUND SERVER PID PORT PATH SCENARIO CONNS [PIPELINE_DEPTH]
run_wrk() {
  local round=$1 srv=$2 pid=$3 port=$4 path=$5 scen=$6 conns=$7 depth=${8:-} c0 c1 rec
  local -a args=(-t1 "-c$conns" "-d${duration}s" --timeout 2s --latency)
  [ -n "$depth" ] && args+=(-s "$pipeline_lua")
  args+=("http://127.0.0.1:$port$path")
  [ -n "$depth" ] && args+=(-- "$depth")
  c0=$(bench_cpu_seconds "$pid")
  timeout -k 5 $((duration + 30)) taskset -c "$BENCH_CLIENT_CPU" wrk "${args[@]}" >"$work/out" 2>&1 || true
  c1=$(bench_cpu_seconds "$pid")
  rec=$("$BENCH_PYTHON" "$BENCH_DIR/parse_results.py" wrk "$work/out" type=measure round="$round" server="$srv" \
        path="$path" scenario="$scen" conns="$conns" pipeline="${depth:-1}" duration_s="$duration" \
        cpu_s="$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')" load1="$(bench_loadavg)")
  echo "$rec" >>"$raw"
  "$BENCH_PYTHON" -c 'import json,sys; r=json.loads(sys.argv[1]); e=sum((r.get("socket_errors") or {}).values())+r.get("non2xx",0)
print("%s %s: %s req/s, server CPU %s us/req%s" % (r["path"], r["scenario"], r.get("rps", "FAILED"), r.get("cpu_us_per_req", "-"),
      ("  (%d errors/non-2xx)" % e) if e else ""))' "$rec" | while read -r l; do bench_log "  [$round/$rounds] $srv $l"; done
}

# run_fixed ROUND SERVER PID PORT PATH
run_fixed() {
  local round=$1 srv=$2 pid=$3 port=$4 path=$5 c0 c1 rec
  c0=$(bench_cpu_seconds "$pid")
  timeout -k 5 $((duration * 3 + 30)) taskset -c "$BENCH_CLIENT_CPU" h2load --h1 -n "$fixed_n" -c "$fixed_conns" \
    --rps "$rps_per_conn" --log-file "$work/h2load.log" "http://127.0.0.1:$port$path" >"$work/out" 2>&1 || true
  c1=$(bench_cpu_seconds "$pid")
  rec=$("$BENCH_PYTHON" "$BENCH_DIR/parse_results.py" h2load "$work/out" "$work/h2load.log" type=measure \
        round="$round" server="$srv" path="$path" scenario=fixed conns="$fixed_conns" rate="$rate" \
        rps_per_conn="$rps_per_conn" duration_s="$duration" load1="$(bench_loadavg)" \
        cpu_s="$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')")
  rm -f "$work/h2load.log"
  echo "$rec" >>"$raw"
  "$BENCH_PYTHON" -c 'import json,sys; r=json.loads(sys.argv[1])
print("%s fixed %s req/s: got %s req/s, server CPU %s us/req, p50 %s ms, p99 %s ms%s%s" % (r["path"], r["rate"], r.get("rps", "FAILED"),
      r.get("cpu_us_per_req", "-"), r.get("p50_ms"), r.get("p99_ms"), " SATURATED" if r.get("saturated") else "",
      "" if r.get("ok") else "  (FAILED/ERRORS: %s)" % r.get("error", "")))' "$rec" | while read -r l; do bench_log "  [$round/$rounds] $srv $l"; done
}

# ---------------------------------------------------------------- main

per_server=$((warmup + $(wc -w <<<"$paths") * 4 * duration + 6))
total=$((rounds * $(wc -w <<<"$servers") * per_server))
bench_log "servers: $servers; paths: $paths; $rounds round(s) x ${duration}s; fixed rate $rate req/s" \
  "($fixed_conns conns x $rps_per_conn/s); about $((total / 60)) min $((total % 60)) s after peer setup"
[ "$quick" = 1 ] && bench_log "--quick: 1 short round, for checking the script only; the figures are noise"
load_start=$(bench_loadavg)
[ "${load_start%.*}" -ge 1 ] && bench_log "warning: load average is $load_start; other work on this machine skews the figures"

# shellcheck disable=SC2086
bench_prepare_peers $peers

for round in $(seq 1 "$rounds"); do
  for srv in $servers; do
    port=$(bench_free_port)
    log=$work/$srv-$round.log
    bench_log "round $round/$rounds: $srv on 127.0.0.1:$port (CPU $BENCH_SERVER_CPU)"
    bench_start_server "$srv" "$port" "$log" 60 || bench_die "$srv did not start"
    pid=$BENCH_PID
    responses_ok=1
    bench_check_response "http://127.0.0.1:$port/plaintext" 'Hello, World!' || responses_ok=0
    bench_check_response "http://127.0.0.1:$port/json" '{"message":"Hello, World!"}' || responses_ok=0
    [ "$responses_ok" = 1 ] || bench_log "  warning: $srv answered a check request wrongly"
    if [ "$warmup" -gt 0 ]; then
      timeout -k 5 $((warmup + 20)) taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c64 "-d${warmup}s" \
        "http://127.0.0.1:$port/plaintext" >/dev/null 2>&1 || true
    fi
    for path in $paths; do
      run_wrk "$round" "$srv" "$pid" "$port" "$path" c64 64
      run_wrk "$round" "$srv" "$pid" "$port" "$path" c256 256
      run_wrk "$round" "$srv" "$pid" "$port" "$path" pipe16 64 16
      run_fixed "$round" "$srv" "$pid" "$port" "$path"
    done
    rss=$(bench_rss_kib "$pid")
    bench_stop "$pid" 15
    errs=$(grep -Eci 'error|warn|fatal|panic|abort' "$log" || true)
    first=$(grep -Ei -m1 'error|warn|fatal|panic|abort' "$log" | cut -c1-200 || true)
    "$BENCH_PYTHON" -c 'import json,sys; a=sys.argv
print(json.dumps({"type": "server", "round": int(a[1]), "server": a[2], "exit_status": a[3], "responses_ok": a[4] == "1",
  "rss_kib_after": int(a[5]), "log_error_lines": int(a[6]), "log_first_error": a[7]}))' \
      "$round" "$srv" "$BENCH_STOP_RC" "$responses_ok" "$rss" "${errs:-0}" "$first" >>"$raw"
    bench_log "  $srv stopped: exit status $BENCH_STOP_RC, RSS before stop $((rss / 1024)) MiB, ${errs:-0} error/warn log line(s)"
  done
done

"$BENCH_PYTHON" - "$work/meta.json" <<EOF
import json, os, subprocess, sys
def sh(c):
    try: return subprocess.run(c, shell=True, capture_output=True, text=True, timeout=20).stdout.strip() or None
    except Exception: return None
json.dump({
  "script": "bench/http_peers.sh", "date": "$stamp", "quick": $quick == 1,
  "rounds": $rounds, "duration_s": $duration, "warmup_s": $warmup, "servers": "$servers".split(),
  "paths": "$paths".split(), "rate": $rate, "fixed_conns": $fixed_conns, "rps_per_conn": $rps_per_conn,
  "server_cpu": $BENCH_SERVER_CPU, "client_cpu": $BENCH_CLIENT_CPU,
  "keel_hello": "$BENCH_KEEL_HELLO", "keel_args": "--threads ${BENCH_KEEL_THREADS:-1} --set log.access=off ${BENCH_KEEL_EXTRA_ARGS:-}".strip(),
  "git_head": sh("git -C '$BENCH_REPO' rev-parse HEAD"),
  "load1_start": $load_start, "load1_end": float(open("/proc/loadavg").read().split()[0]),
  "nproc": os.cpu_count(), "kernel": os.uname().release,
  "cpu_model": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
  "versions": {"wrk": sh("wrk -v 2>&1 | head -1"), "h2load": sh("h2load --version"),
               "nginx": sh("nginx -v 2>&1"), "go": sh("go version"), "node": sh("node --version")},
}, open(sys.argv[1], "w"), indent=1)
EOF
echo
"$BENCH_PYTHON" "$BENCH_DIR/parse_results.py" report "$raw" "$out" "$work/meta.json"
[ "$quick" = 1 ] && echo "(--quick: 1 short round; these figures only show that the script works)"
exit 0
