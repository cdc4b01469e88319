#include "keel/observe/http_metrics.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace keel::observe {

namespace {

struct RouteKeyView {
  std::string_view route;
  http::Method method;
  int status;
  bool admin;
};

struct RouteKey {
  explicit RouteKey(const RouteKeyView& v)
      : route(v.route), method(v.method), status(v.status), admin(v.admin) {}
  // Owned: "<unmatched>" and any future non-template route name need not outlive the request.
  std::string route;
  http::Method method;
  int status;
  bool admin;

  [[nodiscard]] RouteKeyView View() const { return {route, method, status, admin}; }
};

struct RouteKeyHash {
  using is_transparent = void;
  std::size_t operator()(const RouteKeyView& k) const noexcept {
    std::size_t h = std::hash<std::string_view>{}(k.route);
    const auto extra = static_cast<std::size_t>(k.status) * 64 +
                       static_cast<std::size_t>(k.method) * 2 + (k.admin ? 1 : 0);
    return h ^ (extra + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  }
  std::size_t operator()(const RouteKey& k) const noexcept { return (*this)(k.View()); }
};

struct RouteKeyEqual {
  using is_transparent = void;
  static bool Same(const RouteKeyView& a, const RouteKeyView& b) noexcept {
    return a.status == b.status && a.method == b.method && a.admin == b.admin && a.route == b.route;
  }
  bool operator()(const RouteKey& a, const RouteKey& b) const noexcept {
    return Same(a.View(), b.View());
  }
  bool operator()(const RouteKeyView& a, const RouteKey& b) const noexcept {
    return Same(a, b.View());
  }
  bool operator()(const RouteKey& a, const RouteKeyView& b) const noexcept {
    return Same(a.View(), b);
  }
};

struct RouteMetrics {
  Counter* requests;
  Histogram* duration;   // null for admin requests
  Counter* over_budget;  // null for admin requests
};

// Each thread remembers its last few lookups: a request of a route the thread served recently
// finds its metrics with a few compares, without the shard's lock and a hash of the route. An
// entry names its observer by a never-reused id, so an entry of a destroyed observer never
// matches (its key pointer is then never followed).
struct MemoEntry {
  std::uint64_t observer_id = 0;
  const RouteKey* key = nullptr;  // a node key of that observer's shard map (stable)
  RouteMetrics metrics{};
};
constexpr std::size_t kMemoEntries = 8;
struct Memo {
  std::array<MemoEntry, kMemoEntries> entries{};
  std::size_t next = 0;  // round-robin replacement
};
thread_local Memo tls_memo;

std::uint64_t NextObserverId() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// One small map per metric shard: threads mostly own their shard, so the lock is uncontended,
// and the sink's global lock is taken only when a combination is first seen on that shard.
struct HttpMetricsObserver::Cache {
  struct alignas(64) Shard {
    std::mutex mu;
    std::unordered_map<RouteKey, RouteMetrics, RouteKeyHash, RouteKeyEqual> map;
  };
  std::array<Shard, keel::detail::kMetricShards> shards;
  const std::uint64_t id = NextObserverId();  // names this observer in the threads' memos
};

HttpMetricsObserver::HttpMetricsObserver(MetricSink& sink, AccessLog* access_log, Logger* logger)
    : sink_(sink),
      access_log_(access_log),
      logger_(logger),
      open_connections_(sink.GetGauge("keel_http_open_connections", "Open client connections.")),
      cache_(std::make_unique<Cache>()) {}

HttpMetricsObserver::~HttpMetricsObserver() = default;

void HttpMetricsObserver::ReportQueryBudget(const http::CompletedRequest& request,
                                            Counter& over_budget) noexcept {
  over_budget.Add();
  if (logger_ != nullptr) {
    logger_->Log(LogLevel::kWarn, "query budget exceeded: likely N+1 queries",
                 {{"request_id", request.request_id},
                  {"route", request.route},
                  {"method", request.method_text},
                  {"queries", static_cast<std::int64_t>(request.stages->Count(Stage::kDb))},
                  {"limit", static_cast<std::int64_t>(request.query_limit)}});
  }
}

void HttpMetricsObserver::OnRequest(const http::CompletedRequest& request) noexcept {
  const RouteKeyView key{request.route, request.method, request.status, request.admin};
  RouteMetrics metrics{};
  Memo& memo = tls_memo;
  const MemoEntry* hit = nullptr;
  for (const MemoEntry& entry : memo.entries) {
    if (entry.observer_id == cache_->id && RouteKeyEqual::Same(key, entry.key->View())) {
      hit = &entry;
      break;
    }
  }
  if (hit != nullptr) [[likely]] {
    metrics = hit->metrics;
  } else {
    auto& shard = cache_->shards[keel::detail::ThisThreadShard()];
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) [[unlikely]] {
      const std::string route(request.route);
      const std::string code = std::to_string(request.status);
      RouteMetrics fresh{};
      if (request.admin) {
        fresh.requests = &sink_.GetCounter("keel_http_admin_requests_total",
                                           "Requests served by admin routes (health, metrics).",
                                           {{"route", route}, {"code", code}});
      } else {
        const std::string method(http::MethodName(request.method));
        fresh.requests = &sink_.GetCounter("keel_http_requests_total",
                                           "HTTP requests by route template, method and status.",
                                           {{"route", route}, {"method", method}, {"code", code}});
        fresh.duration =
            &sink_.GetHistogram("keel_http_request_duration_seconds",
                                "HTTP request duration from first byte read to last byte written.",
                                {{"route", route}, {"method", method}});
        fresh.over_budget = &sink_.GetCounter(
            "keel_http_query_budget_exceeded_total",
            "Requests that made more database calls than their route allows (likely N+1).",
            {{"route", route}});
      }
      it = shard.map.emplace(RouteKey(key), fresh).first;
    }
    metrics = it->second;
    MemoEntry& slot = memo.entries[memo.next];
    memo.next = (memo.next + 1) % kMemoEntries;
    slot = MemoEntry{cache_->id, &it->first, metrics};
  }
  metrics.requests->Add();
  if (!request.admin) {
    metrics.duration->Record(request.duration);
    if (request.stages != nullptr && request.query_limit > 0 &&
        request.stages->Count(Stage::kDb) > request.query_limit) [[unlikely]] {
      ReportQueryBudget(request, *metrics.over_budget);
    }
    if (request.stages != nullptr) {
      for (std::size_t i = 0; i < kStageCount; ++i) {
        const auto stage = static_cast<Stage>(i);
        if (request.stages->Count(stage) > 0) {
          StageHistogram(stage).Record(request.stages->Total(stage));
        }
      }
    }
  }
  if (access_log_ != nullptr) {
    access_log_->Record(request);
  }
}

Histogram& HttpMetricsObserver::StageHistogram(Stage stage) noexcept {
  auto& slot = stage_seconds_[static_cast<std::size_t>(stage)];
  Histogram* histogram = slot.load(std::memory_order_acquire);
  if (histogram == nullptr) [[unlikely]] {
    // Racing threads get the same histogram from the sink, so a plain store is enough.
    histogram = &sink_.GetHistogram(
        "keel_http_request_stage_seconds",
        "Time requests spent in each stage (read, queue, app, write, db, cache, upstream), "
        "counting only requests that went through the stage.",
        {{"stage", std::string(StageName(stage))}});
    slot.store(histogram, std::memory_order_release);
  }
  return *histogram;
}

void HttpMetricsObserver::OnConnectionOpened() noexcept {
  open_connections_.Add(1);
}
void HttpMetricsObserver::OnConnectionClosed() noexcept {
  open_connections_.Add(-1);
}

}  // namespace keel::observe
