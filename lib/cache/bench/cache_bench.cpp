// keel_cache_bench — hit rate per policy, memory per entry, get/put throughput (bench/cache.sh).
//
//   keel_cache_bench hitrate [--trace FILE]   W-TinyLFU / S3-FIFO / LRU on the synthetic traces
//                                             (and FILE: one decimal key per line) at 1 % and
//                                             10 % of the distinct keys
//   keel_cache_bench memory POLICY            RSS delta of 1M entries <uint64, uint64> / 1M
//   keel_cache_bench throughput POLICY        Mops/s of 90 % get / 10 % put, 1..N threads
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "keel/cache/local_cache.hpp"
#include "trace.hpp"

namespace keel::cache::bench {
namespace {

using Cache = LocalCache<std::uint64_t, std::uint64_t>;
constexpr PolicyKind kPolicies[] = {PolicyKind::kTinyLfu, PolicyKind::kS3Fifo, PolicyKind::kLru};

double HitRate(PolicyKind policy, const std::vector<std::uint64_t>& trace, std::size_t capacity) {
  ManualClock clock;
  Cache cache(
      {.max_weight = capacity, .policy = policy, .shards = 1, .ttl = std::chrono::hours(24)}, clock,
      nullptr);
  std::size_t hits = 0;
  for (const std::uint64_t key : trace) {
    if (cache.GetIfPresent(key)) {
      ++hits;
    } else {
      cache.Put(key, key);
    }
  }
  return 100.0 * static_cast<double>(hits) / static_cast<double>(trace.size());
}

void HitRateRow(const char* name, const std::vector<std::uint64_t>& trace) {
  const std::size_t distinct = DistinctKeys(trace);
  for (const double fraction : {0.01, 0.10}) {
    const auto capacity = std::max<std::size_t>(8, static_cast<std::size_t>(distinct * fraction));
    std::printf("| %-22s | %9zu | %8zu (%2.0f%%) |", name, trace.size(), capacity, fraction * 100);
    for (const PolicyKind policy : kPolicies) {
      std::printf(" %6.2f |", HitRate(policy, trace, capacity));
    }
    std::printf("\n");
    std::fflush(stdout);
  }
}

int RunHitRate(int argc, char** argv) {
  std::printf(
      "| trace                  |  accesses | capacity (%% keys) | tinylfu | s3fifo |    lru |\n");
  std::printf("|---|---|---|---|---|---|\n");
  HitRateRow("zipf(0.99) 100k keys", ZipfTrace(100'000, 0.99, 2'000'000, 1));
  HitRateRow("zipf(0.99) 1M keys", ZipfTrace(1'000'000, 0.99, 10'000'000, 2));
  HitRateRow("web+scan 100k keys", WebScanTrace(100'000, 2'000'000, 3));
  HitRateRow("loop 50k keys", LoopTrace(50'000, 1'000'000, 4));
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--trace") == 0) {
      auto trace = ReadTrace(argv[i + 1]);
      if (trace.empty()) {
        std::fprintf(stderr, "cannot read trace %s\n", argv[i + 1]);
        return 1;
      }
      HitRateRow(argv[i + 1], trace);
    }
  }
  return 0;
}

PolicyKind ParsePolicy(const char* name) {
  for (const PolicyKind p : kPolicies) {
    if (PolicyName(p) == name) {
      return p;
    }
  }
  return PolicyKind::kTinyLfu;
}

double RssBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

int RunMemory(PolicyKind policy) {
  constexpr std::size_t kEntries = 1'000'000;
  ManualClock clock;
  const double before = RssBytes();
  Cache cache({.max_weight = kEntries, .policy = policy, .ttl = std::chrono::hours(1)}, clock,
              nullptr);
  for (std::uint64_t k = 0; k < kEntries; ++k) {
    cache.Put(k * 0x9e3779b97f4a7c15ULL, k);
  }
  const double after = RssBytes();
  std::printf("| %-8s | %8zu entries held | %6.1f bytes/entry (RSS delta, key+value = 16 B) |\n",
              std::string(PolicyName(policy)).c_str(), cache.size(),
              (after - before) / static_cast<double>(kEntries));
  return 0;
}

double MopsPerSecond(Cache& cache, const std::vector<std::uint64_t>& keys, int threads) {
  constexpr auto kDuration = std::chrono::milliseconds(700);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> total{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::uint64_t ops = 0;
      std::size_t i = static_cast<std::size_t>(t) * 7919;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int batch = 0; batch < 256; ++batch, ++ops) {
          const std::uint64_t key = keys[i++ % keys.size()];
          if (ops % 10 == 0) {
            cache.Put(key, key);
          } else {
            (void)cache.GetIfPresent(key);
          }
        }
      }
      total.fetch_add(ops);
    });
  }
  std::this_thread::sleep_for(kDuration);
  stop = true;
  for (auto& w : workers) {
    w.join();
  }
  return static_cast<double>(total.load()) / std::chrono::duration<double>(kDuration).count() / 1e6;
}

int RunThroughput(PolicyKind policy) {
  ManualClock clock;
  Cache cache({.max_weight = 100'000, .policy = policy, .ttl = std::chrono::hours(1)}, clock,
              nullptr);
  const auto keys = ZipfTrace(1'000'000, 0.99, 4'000'000, 9);
  for (std::size_t i = 0; i < 400'000; ++i) {
    cache.Put(keys[i], keys[i]);
  }
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int threads : {1, 2, 4}) {
    std::printf("| %-8s | %d thread%s (of %d cores) | %6.2f Mops/s (90 %% get, 10 %% put) |\n",
                std::string(PolicyName(policy)).c_str(), threads, threads == 1 ? " " : "s", hw,
                MopsPerSecond(cache, keys, threads));
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace keel::cache::bench

int main(int argc, char** argv) {
  using namespace keel::cache::bench;
  const std::string mode = argc > 1 ? argv[1] : "hitrate";
  if (mode == "hitrate") {
    return RunHitRate(argc, argv);
  }
  if (mode == "memory" && argc > 2) {
    return RunMemory(ParsePolicy(argv[2]));
  }
  if (mode == "throughput" && argc > 2) {
    return RunThroughput(ParsePolicy(argv[2]));
  }
  std::fprintf(stderr,
               "usage: keel_cache_bench hitrate [--trace FILE] | memory POLICY | "
               "throughput POLICY\n");
  return 2;
}
