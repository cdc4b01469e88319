#!/usr/bin/env bash
# Cache benchmarks: hit rate per eviction policy, memory per entry, get/put throughput.
#
#   bench/cache.sh                      # all three tables
#   bench/cache.sh --trace keys.txt     # also the hit rate on a trace (one decimal key per line)
#
# Builds keel_cache_bench (release preset, -j2) and prints Markdown tables. The traces are
# synthetic (see lib/cache/bench/trace.hpp): no public cache trace is reachable from the build
# machines. Throughput figures are noisy: the machine is shared; compare policies within a run.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
ninja -C build/release -j2 keel_cache_bench >/dev/null
bench=build/release/lib/cache/keel_cache_bench

echo "## Hit rate (%) — capacity as a share of the distinct keys in the trace"
echo
"$bench" hitrate "$@"
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
