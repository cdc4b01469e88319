// keel/idempotency/recorder.hpp — storing a request's response in its business transaction.
//
// The middleware locks the key before the handler runs and stores the final response after it.
// Between the two, a crash or a timed-out commit would leave the business change committed and
// the response unknown, and a retry would run it twice. A handler that writes must therefore
// store its response in the same transaction as its change: then both commit or neither does.
//
//   boost::asio::awaitable<Response> CreateOrder(Request& req, RequestContext& ctx) {
//     const keel::idempotency::Ticket ticket = recorder.Current(ctx);  // on the I/O thread
//     keel::http::Response response;
//     auto done = co_await db.Transaction([&](keel::data::Tx& tx) -> keel::Result<void> {
//       auto order = InsertOrder(tx, ...);                              // the business change
//       if (!order) return std::move(order).error();
//       response = keel::http::Response::Json(201, OrderJson(*order));
//       return recorder.CompleteInTx(tx, ticket, response);            // same transaction
//     }, {.deadline = ctx.deadline()});
//     if (!done) co_return keel::http::ErrorResponse(done.error(), ctx.request_id());
//     co_return response;
//   }
//
// The middleware sees that the response was stored and does not write it again. A request
// without a key has an inactive ticket; CompleteInTx then does nothing, so handlers call it
// unconditionally.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "keel/data/database.hpp"
#include "keel/http/context.hpp"
#include "keel/http/response.hpp"
#include "keel/idempotency/store.hpp"

namespace keel::idempotency {

namespace detail {
struct TicketState;
struct TicketRegistry;
}  // namespace detail

// A request's hold on its idempotency record (copyable; inactive when the request has no key).
class Ticket {
 public:
  Ticket() = default;
  [[nodiscard]] bool active() const noexcept { return state_ != nullptr; }
  // The lease (KEEL_CHECK: active()).
  [[nodiscard]] const KeyLease& lease() const;

 private:
  friend class IdempotencyRecorder;
  explicit Ticket(std::shared_ptr<detail::TicketState> state) : state_(std::move(state)) {}
  std::shared_ptr<detail::TicketState> state_;
};

// The default headers a stored response keeps.
[[nodiscard]] std::vector<std::string> DefaultStoredHeaders();

// Shared by the middleware (which registers each keyed request) and the handlers (which complete
// in their transaction). Thread safety: every member may be called from any thread.
class IdempotencyRecorder {
 public:
  // `store` must outlive the recorder. `stored_headers`: the response headers kept for replays.
  explicit IdempotencyRecorder(IdempotencyStore& store,
                               std::vector<std::string> stored_headers = DefaultStoredHeaders());
  ~IdempotencyRecorder();
  IdempotencyRecorder(const IdempotencyRecorder&) = delete;
  IdempotencyRecorder& operator=(const IdempotencyRecorder&) = delete;

  // The ticket of the request `ctx` (inactive when the middleware did not lock a key for it).
  [[nodiscard]] Ticket Current(const http::RequestContext& ctx) const;

  // Stores `response` as the final result of the ticket's key inside `tx` (call it from the
  // transaction body, on the writer thread). Does nothing for an inactive ticket. kConflict when
  // the lease was lost (the record was taken over after the lock timeout): return the error from
  // the body so that the business change rolls back — the other request owns the key now.
  [[nodiscard]] Result<void> CompleteInTx(data::Tx& tx, const Ticket& ticket,
                                          const http::Response& response) const;

  [[nodiscard]] IdempotencyStore& store() const noexcept { return store_; }
  [[nodiscard]] StoredResponse ToStored(const http::Response& response) const;

  // Used by the middleware: registers `lease` for `ctx` until the returned guard is destroyed.
  class Registration {
   public:
    Registration(std::shared_ptr<detail::TicketRegistry> registry, const http::RequestContext* ctx,
                 std::shared_ptr<detail::TicketState> state) noexcept
        : registry_(std::move(registry)), ctx_(ctx), state_(std::move(state)) {}
    ~Registration();
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    // The status CompleteInTx stored for this request (0 if it did not).
    [[nodiscard]] int completed_status() const noexcept;

   private:
    // Shared: a request coroutine destroyed at shutdown may outlive the recorder.
    std::shared_ptr<detail::TicketRegistry> registry_;
    const http::RequestContext* ctx_;
    std::shared_ptr<detail::TicketState> state_;
  };
  [[nodiscard]] std::unique_ptr<Registration> Register(const http::RequestContext& ctx,
                                                       KeyLease lease) const;

 private:
  IdempotencyStore& store_;
  std::vector<std::string> stored_headers_;
  std::shared_ptr<detail::TicketRegistry> registry_;
};

}  // namespace keel::idempotency
