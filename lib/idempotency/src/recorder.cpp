#include "keel/idempotency/recorder.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "keel/core/check.hpp"

namespace keel::idempotency {

namespace detail {
struct TicketState {
  explicit TicketState(KeyLease l) : lease(std::move(l)) {}
  KeyLease lease;
  // Written by CompleteInTx on the database's writer thread, read by the middleware after the
  // handler returned.
  std::atomic<int> completed_status{0};
};

// Tickets of the requests in flight, keyed by their context: the server keeps a context alive
// and unique per in-flight request.
struct TicketRegistry {
  std::mutex mutex;
  std::unordered_map<const http::RequestContext*, Ticket> active;
};
}  // namespace detail

const KeyLease& Ticket::lease() const {
  KEEL_CHECK(active());
  return state_->lease;
}

std::vector<std::string> DefaultStoredHeaders() {
  return {"Content-Type", "Location", "ETag"};
}

IdempotencyRecorder::IdempotencyRecorder(IdempotencyStore& store,
                                         std::vector<std::string> stored_headers)
    : store_(store),
      stored_headers_(std::move(stored_headers)),
      registry_(std::make_shared<detail::TicketRegistry>()) {}

IdempotencyRecorder::~IdempotencyRecorder() = default;

Ticket IdempotencyRecorder::Current(const http::RequestContext& ctx) const {
  std::lock_guard lock(registry_->mutex);
  auto it = registry_->active.find(&ctx);
  return it != registry_->active.end() ? it->second : Ticket();
}

StoredResponse IdempotencyRecorder::ToStored(const http::Response& response) const {
  return StoredResponse::From(response, stored_headers_);
}

Result<void> IdempotencyRecorder::CompleteInTx(data::Tx& tx, const Ticket& ticket,
                                               const http::Response& response) const {
  if (!ticket.active()) {
    return {};
  }
  auto done = store_.CompleteInTx(tx, ticket.lease(), ToStored(response));
  if (done) {
    ticket.state_->completed_status.store(response.status(), std::memory_order_release);
  }
  return done;
}

std::unique_ptr<IdempotencyRecorder::Registration> IdempotencyRecorder::Register(
    const http::RequestContext& ctx, KeyLease lease) const {
  Ticket ticket(std::make_shared<detail::TicketState>(std::move(lease)));
  {
    std::lock_guard lock(registry_->mutex);
    registry_->active[&ctx] = ticket;
  }
  return std::make_unique<Registration>(registry_, &ctx, ticket.state_);
}

IdempotencyRecorder::Registration::~Registration() {
  std::lock_guard lock(registry_->mutex);
  registry_->active.erase(ctx_);
}

int IdempotencyRecorder::Registration::completed_status() const noexcept {
  return state_->completed_status.load(std::memory_order_acquire);
}

}  // namespace keel::idempotency
