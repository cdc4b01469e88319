#!/usr/bin/env bash
# Memory of keel-hello (and of the nginx/Go/fastify peers for comparison): idle RSS after start,
# and RSS with 10,000 idle keep-alive connections open. See bench/README.md; --help for options.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

GOAL_IDLE_MIB=10
GOAL_DELTA_MIB=60

usage() {
  cat <<EOF
Usage: bench/memory.sh [OPTIONS]

For keel-hello (--threads \$BENCH_KEEL_THREADS, default 1, access log off, keepalive_timeout 5m)
and each peer (1 worker), one at a time, pinned to CPU $BENCH_SERVER_CPU:
  1. start it, wait until it answers, let it settle: idle RSS (and PSS)
  2. open N connections from bench/idle_conns.py (pinned to CPU $BENCH_CLIENT_CPU); each sends one
     GET /plaintext, reads the response and stays open: RSS with N idle connections, delta, KiB/conn
  3. close them, settle: RSS after close (does memory come back?)
Goals for keel-hello, printed beside its figures: idle <= $GOAL_IDLE_MIB MiB, N=10k idle connections add <= $GOAL_DELTA_MIB MiB.
RSS is summed over a server's processes (nginx master + worker: shared pages count twice; PSS does not).
Results: table on stdout, JSON in bench/results/memory-<date>.json.

Options:
  --conns N        idle connections (default 10000)
  --peers "LIST"   peers among: nginx go fastify (default "nginx go fastify"; "" = keel only)
  --settle S       seconds to wait before each reading (default 2)
  --out FILE       JSON output (default bench/results/memory-<date>.json)
  --quick          script check: settle 1 s (the connection count stays at --conns)
  -h, --help       this help
EOF
}

conns=10000 peers="nginx go fastify" settle=2 out="" quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --conns) conns=${2:?}; shift 2 ;;
    --peers) peers=${2?}; shift 2 ;;
    --settle) settle=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --quick) quick=1; settle=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $conns =~ ^[1-9][0-9]*$ ]] || bench_die "--conns must be a positive integer"
[[ $settle =~ ^[0-9]+$ ]] || bench_die "--settle must be an integer"
for p in $peers; do case "$p" in nginx|go|fastify) ;; *) bench_die "unknown peer: $p" ;; esac; done
for t in taskset curl ps "$BENCH_PYTHON"; do command -v "$t" >/dev/null || bench_die "$t not found"; done

# File descriptors: the client needs one per connection, so does the server (both inherit this).
want=$((conns + 1024))
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$want" ] ||
  bench_die "open-file limit is $(ulimit -n) (hard $(ulimit -Hn)); $conns connections need about $want"
bench_log "open-file limit: $(ulimit -n) (asked for 65536; hard limit $(ulimit -Hn))"
# Ephemeral ports: all connections go from 127.0.0.1 to one server port, one local port each.
read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
[ $((hi - lo + 1)) -ge $((conns + 1000)) ] ||
  bench_die "ephemeral port range $lo-$hi is too small for $conns connections"

stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BENCH_DIR/results"
[ -f "$BENCH_DIR/results/.gitignore" ] || printf '*.json\n' >"$BENCH_DIR/results/.gitignore"
out=${out:-$BENCH_DIR/results/memory-$stamp.json}
work=$(mktemp -d "${TMPDIR:-/tmp}/keel-memory.XXXXXX")
raw=$work/raw.jsonl
: >"$raw"
client_pid=

# shellcheck disable=SC2317  # called by the EXIT trap
on_exit() {
  local rc=$?
  if [ -n "$client_pid" ] && kill -0 "$client_pid" 2>/dev/null; then
    kill -TERM "$client_pid" 2>/dev/null; sleep 1; kill -KILL "$client_pid" 2>/dev/null || true
  fi
  bench_cleanup
  if [ "$rc" -ne 0 ]; then bench_log "stopped (status $rc); logs kept in $work"; else rm -rf "$work"; fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

[ "$quick" = 1 ] && bench_log "--quick: short settle times, for checking the script only"
# shellcheck disable=SC2086
bench_prepare_peers $peers
export BENCH_KEEL_EXTRA_ARGS="${BENCH_KEEL_EXTRA_ARGS:-} --set server.keepalive_timeout=5m"

for srv in keel $peers; do
  port=$(bench_free_port)
  log=$work/$srv.log
  bench_log "$srv on 127.0.0.1:$port"
  bench_start_server "$srv" "$port" "$log" 60 || bench_die "$srv did not start"
  pid=$BENCH_PID
  sleep "$settle"
  idle_rss=$(bench_rss_kib "$pid"); idle_pss=$(bench_pss_kib "$pid")
  nthreads=$(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 | wc -l)
  bench_log "  idle: RSS $idle_rss KiB, PSS $idle_pss KiB, $(bench_descendants "$pid" | wc -l) process(es), $nthreads thread(s) in the main one"

  rm -f "$work/ready.json"
  taskset -c "$BENCH_CLIENT_CPU" "$BENCH_PYTHON" "$BENCH_DIR/idle_conns.py" --port "$port" --conns "$conns" \
    --ready-file "$work/ready.json" >"$work/client.out" 2>"$work/client.err" &
  client_pid=$!
  deadline=$((SECONDS + 180))
  until [ -f "$work/ready.json" ]; do
    kill -0 "$client_pid" 2>/dev/null || { cat "$work/client.err" >&2; bench_die "idle_conns.py exited early"; }
    [ "$SECONDS" -le "$deadline" ] || bench_die "idle_conns.py did not finish opening connections in 180 s"
    sleep 0.2
  done
  bench_log "  client: $(cat "$work/ready.json")"
  sleep "$settle"
  open_rss=$(bench_rss_kib "$pid"); open_pss=$(bench_pss_kib "$pid")
  server_conns=""
  if [ "$srv" = keel ]; then
    server_conns=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" |
      awk '$1 == "keel_http_open_connections" { print $2 }' || true)
  fi
  kill -TERM "$client_pid"
  wait "$client_pid" || bench_log "  warning: idle_conns.py exited with status $?"
  client_pid=
  client_final=$(tail -n 1 "$work/client.out")
  sleep "$settle"
  closed_rss=$(bench_rss_kib "$pid")
  bench_log "  with connections: RSS $open_rss KiB (+$((open_rss - idle_rss)) KiB); after close: $closed_rss KiB${server_conns:+; keel_http_open_connections=$server_conns}"
  bench_stop "$pid" 15
  errs=$(grep -Eci 'error|warn|fatal|panic|abort' "$log" || true)
  first=$(grep -Ei -m1 'error|warn|fatal|panic|abort' "$log" | cut -c1-200 || true)
  "$BENCH_PYTHON" -c 'import json,sys; a=sys.argv
print(json.dumps({"server": a[1], "conns": int(a[2]), "idle_rss_kib": int(a[3]), "idle_pss_kib": int(a[4]),
  "open_rss_kib": int(a[5]), "open_pss_kib": int(a[6]), "closed_rss_kib": int(a[7]), "threads": int(a[8]),
  "server_open_connections_metric": float(a[9]) if a[9] else None, "client": json.loads(a[10]) if a[10] else None,
  "exit_status": a[11], "log_error_lines": int(a[12]), "log_first_error": a[13]}))' \
    "$srv" "$conns" "$idle_rss" "$idle_pss" "$open_rss" "$open_pss" "$closed_rss" "$nthreads" "$server_conns" \
    "$client_final" "$BENCH_STOP_RC" "${errs:-0}" "$first" >>"$raw"
done

echo
"$BENCH_PYTHON" - "$raw" "$out" <<EOF
import json, os, subprocess, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
mib = lambda k: k / 1024
n = $conns
print("%-8s %10s %10s %12s %10s %9s %12s %10s" % ("server", "idle RSS", "idle PSS", "RSS %dk conn" % (n // 1000) if n >= 1000 else "RSS %d conn" % n,
      "delta", "KiB/conn", "after close", "held/ok"))
for r in recs:
    d = r["open_rss_kib"] - r["idle_rss_kib"]
    c = r["client"] or {}
    print("%-8s %7.1f MiB %6.1f MiB %8.1f MiB %6.1f MiB %9.2f %8.1f MiB %10s" % (
        r["server"], mib(r["idle_rss_kib"]), mib(r["idle_pss_kib"]), mib(r["open_rss_kib"]), mib(d), d / n,
        mib(r["closed_rss_kib"]), "%s/%s" % (c.get("held_open", "?"), sum((c.get("responses") or {}).values()))))
problems = []
for r in recs:
    c = r["client"] or {}
    if c.get("errors") or c.get("closed_by_server") or set((c.get("responses") or {}).keys()) - {"200"} \
            or sum((c.get("responses") or {}).values()) != n:
        problems.append("%s: client saw responses=%s errors=%s closed_by_server=%s" % (
            r["server"], c.get("responses"), c.get("errors"), c.get("closed_by_server")))
    if r["server"] == "keel":
        if r["exit_status"] != "0":
            problems.append("keel: exit status %s after SIGTERM" % r["exit_status"])
        if r["server_open_connections_metric"] is not None and r["server_open_connections_metric"] < n:
            problems.append("keel: keel_http_open_connections=%s with %d connections open" % (r["server_open_connections_metric"], n))
    if r["log_error_lines"]:
        problems.append("%s: %d error/warn log line(s), e.g. %s" % (r["server"], r["log_error_lines"], r["log_first_error"]))
goals = []
k = next((r for r in recs if r["server"] == "keel"), None)
if k:
    idle, delta = mib(k["idle_rss_kib"]), mib(k["open_rss_kib"] - k["idle_rss_kib"])
    scaled = delta * 10000 / n
    goals = [{"goal": "idle RSS <= $GOAL_IDLE_MIB MiB", "value_mib": round(idle, 2), "pass": idle <= $GOAL_IDLE_MIB},
             {"goal": "10k idle connections add <= $GOAL_DELTA_MIB MiB", "value_mib": round(scaled, 2), "pass": scaled <= $GOAL_DELTA_MIB,
              "note": None if n == 10000 else "scaled linearly from %d connections" % n}]
    print("\nkeel-hello goals (--threads ${BENCH_KEEL_THREADS:-1}: %s OS threads in the process):" % k["threads"])
    for g in goals:
        print("  %-40s %7.1f MiB  %s%s" % (g["goal"], g["value_mib"], "PASS" if g["pass"] else "FAIL",
              "  (" + g["note"] + ")" if g.get("note") else ""))
print()
if problems:
    print("problems seen:")
    for p in problems:
        print("  - " + p)
else:
    print("no errors: every connection got a 200 and stayed open until the client closed it.")
sh = lambda c: subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip() or None
json.dump({"meta": {"script": "bench/memory.sh", "date": "$stamp", "quick": $quick == 1, "conns": n, "settle_s": $settle,
                    "keel_hello": "$BENCH_KEEL_HELLO",
                    "keel_args": "--threads ${BENCH_KEEL_THREADS:-1} --set log.access=off $BENCH_KEEL_EXTRA_ARGS".split(),
                    "git_head": sh("git -C '$BENCH_REPO' rev-parse HEAD"), "kernel": os.uname().release,
                    "rlimit_nofile": "$(ulimit -n)", "load1_end": float(open("/proc/loadavg").read().split()[0])},
           "results": recs, "keel_goals": goals, "problems": problems}, open(sys.argv[2], "w"), indent=1)
print("raw results: " + sys.argv[2])
EOF
[ "$quick" = 1 ] && echo "(--quick: short settle times; the machine was not necessarily quiet)"
exit 0
