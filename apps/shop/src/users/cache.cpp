#include "src/users/cache.hpp"

namespace shop::users {

namespace {

// Bookkeeping around a value (control block, slot, policy node): see products/cache.cpp.
constexpr std::uint32_t kEntryOverhead = 128;

boost::asio::awaitable<keel::Result<SummaryPtr>> LoadSummary(UserService* service,
                                                             std::int64_t user_id,
                                                             keel::data::CallOptions call) {
  auto summary = co_await service->SummaryOf(user_id, call);
  if (!summary) {
    co_return std::move(summary).error();  // kNotFound for an unknown user: cached
  }
  co_return std::make_shared<const Summary>(std::move(*summary));
}

}  // namespace

SummaryCache::SummaryCache(UserService& service, bool enabled, keel::cache::CacheSettings settings,
                           const keel::Clock& clock, keel::MetricSink* sink)
    : service_(service),
      enabled_(enabled),
      cache_(std::move(settings), clock, sink, [](std::int64_t, const SummaryPtr& s) {
        return static_cast<std::uint32_t>(kEntryOverhead + sizeof(Summary) +
                                          s->updated_at.capacity());
      }) {}

Task<SummaryPtr> SummaryCache::Get(std::int64_t user_id, keel::Deadline deadline,
                                   keel::StageAccount* stages, keel::cache::CacheStatus* status) {
  if (!enabled_) {
    const keel::data::CallOptions call{.deadline = deadline, .stages = stages};
    co_return co_await LoadSummary(&service_, user_id, call);
  }
  UserService* service = &service_;
  // No stage account in the load: it serves every waiter and may outlive this request.
  auto loader = [service, user_id](keel::Deadline d) {
    return LoadSummary(service, user_id, keel::data::CallOptions{.deadline = d});
  };
  const keel::cache::GetOptions options{.deadline = deadline, .stages = stages, .status = status};
  co_return co_await cache_.Get(user_id, loader, options);
}

void SummaryCache::Invalidate(std::int64_t user_id) {
  if (enabled_) {
    cache_.Invalidate(user_id);
  }
}

}  // namespace shop::users
