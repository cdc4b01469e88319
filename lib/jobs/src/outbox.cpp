#include "keel/jobs/outbox.hpp"

#include <boost/json/parse.hpp>
#include <string>

#include "keel/core/wall_time.hpp"

namespace keel::jobs {

namespace {
constexpr data::Query kAddEvent{
    "outbox_add", "INSERT INTO keel_outbox (topic, payload, created_at) VALUES (?, ?, ?)"};
}  // namespace

std::string OutboxDedupeKey(std::int64_t event_id) {
  return "outbox:" + std::to_string(event_id);
}

class Outbox::Impl {
 public:
  Impl(const Clock* clock, std::function<void()> on_add)
      : wall(clock != nullptr ? *clock : steady), on_add(std::move(on_add)) {}
  SteadyClock steady;
  WallTime wall;
  std::function<void()> on_add;
};

Outbox::Outbox(const Clock* clock, std::function<void()> on_add)
    : impl_(std::make_unique<Impl>(clock, std::move(on_add))) {}

Outbox::~Outbox() = default;

Result<std::int64_t> Outbox::Add(data::Tx& tx, std::string_view topic,
                                 std::string_view payload_json) const {
  if (topic.empty()) {
    return Error(ErrorCode::kInvalidArgument, "an outbox event needs a topic");
  }
  boost::system::error_code ec;
  (void)boost::json::parse(payload_json, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument, "outbox payload must be JSON: " + ec.message());
  }
  auto inserted = tx.Execute(kAddEvent, data::Params(topic, payload_json, impl_->wall.NowMs()));
  if (!inserted) {
    return std::move(inserted).error();
  }
  if (impl_->on_add) {
    impl_->on_add();  // before COMMIT is fine: the relay's round queues behind it on the writer
  }
  return inserted->last_insert_id;
}

}  // namespace keel::jobs
