# shellcheck shell=bash
# Shared helpers for the keel benchmark scripts in bench/. Source it:  . "$(dirname "$0")/lib.sh"
#
# Conventions
#   - Servers are pinned to CPU $BENCH_SERVER_CPU (0), load generators to $BENCH_CLIENT_CPU (1).
#   - bench_start sets the global BENCH_PID (a function run in $(...) cannot own a background job)
#     and records the PID in BENCH_PIDS so that bench_cleanup (install it with a trap) stops it.
#   - CPU figures are seconds on a CPU (schedstat, see bench_cpu_seconds) summed over a process and
#     its live descendants (nginx master + worker); memory figures are KiB.
#   - Progress goes to stderr (bench_log); stdout is left to results.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_REPO=$(cd "$BENCH_DIR/.." && pwd)
BENCH_SHARED=${BENCH_SHARED:-$(cd "$BENCH_REPO/../shared" 2>/dev/null && pwd || echo "$BENCH_REPO/../shared")}
BENCH_PEERS_DIR=${BENCH_PEERS_DIR:-$BENCH_SHARED/peers}
BENCH_KEEL_HELLO=${BENCH_KEEL_HELLO:-$BENCH_REPO/build/release/examples/hello/keel-hello}
# Scratch dir for peers (nginx prefix, Go binary + build cache, node_modules); kept across runs
# so that only the first run pays for apt/npm/go build.
BENCH_PEER_RUNDIR=${BENCH_PEER_RUNDIR:-${TMPDIR:-/tmp}/keel-bench-peers}
BENCH_PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
BENCH_SERVER_CPU=${BENCH_SERVER_CPU:-0}
BENCH_CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
BENCH_CLK_TCK=$(getconf CLK_TCK)

BENCH_PID=
BENCH_PIDS=()

bench_log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

# bench_free_port: print a TCP port that is free on 127.0.0.1 right now (the kernel picks it).
bench_free_port() {
  "$BENCH_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# bench_descendants PID: print PID and all its live descendants, one per line.
bench_descendants() {
  local pid=$1 child
  [ -d "/proc/$pid" ] || return 0
  echo "$pid"
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    bench_descendants "$child"
  done
}

# bench_cpu_seconds PID: CPU time (all threads) of PID and its live descendants, in seconds.
# From /proc/PID/task/*/schedstat (field 1: nanoseconds on a CPU, counted exactly by the
# scheduler); utime+stime of /proc/PID/stat are sampled at the kernel tick (250 Hz here), which over
# 4 s of a server at 25 % of a core is ~250 samples, a +-6 % error of its own. Without schedstat
# (kernel without CONFIG_SCHED_INFO) it falls back to utime+stime. Threads that already exited are
# not counted, which for the servers measured here (threads live as long as the process) is none.
bench_cpu_seconds() {
  local pid task ns=0 ticks=0 rest run
  local -a f
  for pid in $(bench_descendants "$1"); do
    if [ -r "/proc/$pid/schedstat" ]; then
      for task in /proc/"$pid"/task/*/schedstat; do
        read -r run _ 2>/dev/null <"$task" || continue
        ns=$((ns + run))
      done
    else
      # /proc/PID/stat field 2 (comm) may contain spaces and parentheses: cut at the last ')';
      # after that cut, utime and stime are fields 12 and 13 (14 and 15 of the full line).
      rest=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
      rest=${rest##*) }
      read -r -a f <<<"$rest"
      ticks=$((ticks + f[11] + f[12]))
    fi
  done
  awk -v ns="$ns" -v t="$ticks" -v hz="$BENCH_CLK_TCK" 'BEGIN { printf "%.6f\n", ns / 1e9 + t / hz }'
}

# bench_rss_kib PID: VmRSS of PID plus its live descendants, KiB. Pages shared between a master
# and its workers (nginx) are counted once per process; see bench_pss_kib for a shared-aware sum.
bench_rss_kib() {
  local pid kib total=0
  for pid in $(bench_descendants "$1"); do
    kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

# bench_pss_kib PID: proportional set size of PID plus its live descendants, KiB (needs root or
# the same user, since smaps_rollup is ptrace-protected). Prints 0 when unreadable.
bench_pss_kib() {
  local pid kib total=0
  for pid in $(bench_descendants "$1"); do
    kib=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || continue
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

# bench_median V...: median of numbers (mean of the two middle ones for an even count); "" if none.
bench_median() {
  [ $# -gt 0 ] || { echo ""; return 0; }
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) printf "%.6g\n", v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_wait_http PID URL [TIMEOUT_S]: wait until URL answers 200 while PID is alive.
bench_wait_http() {
  local pid=$1 url=$2 timeout=${3:-10} deadline
  deadline=$((SECONDS + timeout))
  while [ "$SECONDS" -le "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$(bench_proc_state "$pid")" = Z ]; then
      bench_log "server PID $pid exited before answering $url"
      return 1
    fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null)" = 200 ]; then
      return 0
    fi
    sleep 0.1
  done
  bench_log "timeout: $url did not answer 200 within ${timeout}s"
  return 1
}

bench_proc_state() {
  local rest
  rest=$(cat "/proc/$1/stat" 2>/dev/null) || { echo X; return 0; }
  rest=${rest##*) }
  echo "${rest%% *}"
}

# bench_start NAME PORT LOG READY_TIMEOUT_S CMD...: run CMD pinned to $BENCH_SERVER_CPU with
# output to LOG, wait until http://127.0.0.1:PORT/plaintext answers 200. Sets BENCH_PID.
bench_start() {
  local name=$1 port=$2 log=$3 timeout=$4
  shift 4
  taskset -c "$BENCH_SERVER_CPU" "$@" >"$log" 2>&1 &
  BENCH_PID=$!
  BENCH_PIDS+=("$BENCH_PID")
  if ! bench_wait_http "$BENCH_PID" "http://127.0.0.1:$port/plaintext" "$timeout"; then
    bench_log "$name failed to start; last lines of $log:"
    tail -n 20 "$log" >&2
    bench_stop "$BENCH_PID"
    return 1
  fi
}

# bench_start_shop PORT DB LOG [ARGS...]: `keel-shop serve` ($SHOP) on 127.0.0.1:PORT pinned to
# $BENCH_SERVER_CPU, 1 I/O thread, db.path=DB, access log off, ARGS appended (--set K=V ...), output
# appended to LOG; waits up to 60 s for /readyz (dies with the log's tail otherwise). Sets
# BENCH_PID. The cursor secret is random per start: benchmarks never reuse cursors.
bench_start_shop() {
  local port=$1 db=$2 log=$3
  shift 3
  KEEL_SHOP__CURSOR_SECRET="bench-$RANDOM$RANDOM$RANDOM$RANDOM" \
    taskset -c "$BENCH_SERVER_CPU" "$SHOP" serve --listen "127.0.0.1:$port" --threads 1 \
    --set "db.path=$db" --set log.access=off "$@" >>"$log" 2>&1 &
  BENCH_PID=$!
  BENCH_PIDS+=("$BENCH_PID")
  bench_wait_http "$BENCH_PID" "http://127.0.0.1:$port/readyz" 60 ||
    { tail -n 20 "$log" >&2; bench_die "keel-shop did not become ready (log $log)"; }
}

# bench_start_server NAME PORT LOG [READY_TIMEOUT_S]: NAME is keel (keel-hello, $BENCH_KEEL_THREADS
# I/O threads (1), access log off, $BENCH_KEEL_EXTRA_ARGS appended) or a peer (nginx, go, fastify: 1 worker). Sets BENCH_PID.
bench_start_server() {
  local name=$1 port=$2 log=$3 timeout=${4:-15}
  case "$name" in
    keel)
      [ -x "$BENCH_KEEL_HELLO" ] || bench_die "$BENCH_KEEL_HELLO not built"
      # shellcheck disable=SC2086
      bench_start keel "$port" "$log" "$timeout" "$BENCH_KEEL_HELLO" --listen "127.0.0.1:$port" \
        --threads "${BENCH_KEEL_THREADS:-1}" --set log.access=off ${BENCH_KEEL_EXTRA_ARGS:-} ;;
    nginx|fastify)
      bench_start "$name" "$port" "$log" "$timeout" "$BENCH_PEERS_DIR/start-peer" "$name" "$port" "$BENCH_PEER_RUNDIR" 1 ;;
    go)
      # Pinned to one CPU Go would pick GOMAXPROCS=1 anyway; say it explicitly.
      GOMAXPROCS=1 bench_start go "$port" "$log" "$timeout" "$BENCH_PEERS_DIR/start-peer" go "$port" "$BENCH_PEER_RUNDIR" ;;
    *) bench_die "unknown server: $name (keel nginx go fastify)" ;;
  esac
}

# bench_prepare_peers PEER...: start and stop each peer once, so that apt/npm installs and the
# Go build happen before any measurement (the first start can take minutes).
bench_prepare_peers() {
  local p port
  mkdir -p "$BENCH_PEER_RUNDIR"
  for p in "$@"; do
    [ "$p" = keel ] && continue
    port=$(bench_free_port)
    bench_log "preparing peer $p (first use installs it; log $BENCH_PEER_RUNDIR/prepare-$p.log)"
    bench_start_server "$p" "$port" "$BENCH_PEER_RUNDIR/prepare-$p.log" 900 || bench_die "cannot start peer $p"
    bench_stop "$BENCH_PID"
  done
}

# bench_stop PID [GRACE_S]: SIGTERM PID, wait up to GRACE_S (5) for it to exit, then SIGKILL it and
# any descendants still alive. Sets BENCH_STOP_RC to its exit status (0 = clean exit, 137 = killed,
# "?" = not a child of this shell). Do not call it in $(...): the subshell could not reap the server.
# shellcheck disable=SC2034  # read by the scripts that source this file
BENCH_STOP_RC=
bench_stop() {
  local pid=$1 grace=${2:-5} kids deadline rc='?' p
  kids=$(bench_descendants "$pid" | tail -n +2)
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    deadline=$((SECONDS + grace))
    while [ "$SECONDS" -le "$deadline" ]; do
      case "$(bench_proc_state "$pid")" in X|Z) break ;; esac
      sleep 0.05
    done
    if ! case "$(bench_proc_state "$pid")" in X|Z) true ;; *) false ;; esac; then
      bench_log "PID $pid did not exit ${grace}s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  for p in $kids; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  if wait "$pid" 2>/dev/null; then rc=0; else rc=$?; [ "$rc" = 127 ] && rc='?'; fi
  local keep=() q
  for q in "${BENCH_PIDS[@]}"; do [ "$q" = "$pid" ] || keep+=("$q"); done
  BENCH_PIDS=("${keep[@]}")
  # shellcheck disable=SC2034
  BENCH_STOP_RC=$rc
}

# bench_cleanup: stop everything bench_start started (for trap ... EXIT INT TERM).
bench_cleanup() {
  local p
  for p in "${BENCH_PIDS[@]}"; do bench_stop "$p" 2; done
  BENCH_PIDS=()
}

# bench_check_response URL WANT_BODY: 0 if URL answers 200 with exactly WANT_BODY.
bench_check_response() {
  local out code body
  out=$(curl -s --max-time 2 -w '\n%{http_code}' "$1") || return 1
  code=${out##*$'\n'}
  body=${out%$'\n'*}
  [ "$code" = 200 ] && [ "$body" = "$2" ]
}

# bench_loadavg: 1-minute load average (recorded with results: a busy machine skews them).
bench_loadavg() { cut -d' ' -f1 /proc/loadavg; }

# bench_workdir NAME: creates the run's scratch directory $WORK and the exit traps. On exit every
# server is stopped and the bulky seeded database removed; a run that finishes sets KEEP_WORK=0
# to remove the directory, otherwise (failure) it is kept for its logs; Ctrl-C/TERM remove it.
# BENCH_KEEP_WORK=1 keeps it (without the database) after a successful run too.
# A script that must do more on exit defines bench_on_exit before calling this.
bench_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/keel-$1.XXXXXX")
  KEEP_WORK=1
  trap _bench_exit EXIT
  trap 'KEEP_WORK=0; exit 130' INT
  trap 'KEEP_WORK=0; exit 143' TERM
}
# shellcheck disable=SC2317  # called by the EXIT trap
_bench_exit() {
  bench_cleanup
  if declare -F bench_on_exit >/dev/null; then bench_on_exit; fi
  if [ "$KEEP_WORK" = 1 ] || [ "${BENCH_KEEP_WORK:-0}" = 1 ]; then
    rm -f "$WORK"/shop.db "$WORK"/shop.db-wal "$WORK"/shop.db-shm
    bench_log "scratch directory kept for its logs: $WORK"
  else
    rm -rf "$WORK"
  fi
}

# bench_note_load [TEXT]: logs the load average at start (LOAD_START) with TEXT; BUSY=1 and a
# warning when it is 1 or more (the figures are then not quotable).
# shellcheck disable=SC2034  # LOAD_START and BUSY are for the calling script
bench_note_load() {
  LOAD_START=$(bench_loadavg)
  bench_log "load average at start: $LOAD_START${1:+; $1}"
  BUSY=0
  if awk -v l="$LOAD_START" 'BEGIN { exit !(l >= 1) }'; then
    BUSY=1
    bench_log "warning: load average >= 1; the machine is busy and the figures are not quotable"
  fi
}
