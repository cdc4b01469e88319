// keel/idempotency/store.hpp — where idempotency records live (the IdempotencyStore interface).
//
// A record is keyed by (scope, key): the scope is the caller (API key, subject, client address),
// so two callers never see each other's keys. It is either `in_progress` — held by one request
// through a random lock token — or `completed` with the stored response. The middleware drives
// the store; handlers only meet it through IdempotencyRecorder::CompleteInTx.
//
//   auto begun = co_await store.Begin({scope, key}, FingerprintRequest(...), options);
//   switch (begun->kind) { case BeginResult::Kind::kStarted: ... run, then Complete/Release }
//
// Implementations: SqliteIdempotencyStore (keel/idempotency/sqlite_store.hpp); Redis later.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "keel/core/error.hpp"
#include "keel/data/database.hpp"
#include "keel/http/response.hpp"
#include "keel/idempotency/key.hpp"

namespace keel::idempotency {

struct KeyRef {
  std::string scope;
  std::string key;
};

// Proof that a request holds the record of (scope, key); every write of a result is guarded by
// the token, so a request whose record was taken over can no longer write it.
struct KeyLease {
  std::string scope;
  std::string key;
  std::string token;
};

// The final response as replayed: status, the headers that matter, body.
struct StoredResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Copies status, body and those of `header_names` the response carries.
  [[nodiscard]] static StoredResponse From(const http::Response& response,
                                           std::span<const std::string> header_names);
  [[nodiscard]] http::Response ToResponse() const;
};

struct BeginResult {
  enum class Kind {
    kStarted,   // this request holds the record now: run it (`lease`)
    kReplay,    // completed before with the same fingerprint (`response`)
    kMismatch,  // the key was used for a different request (`first_method`, `first_target`)
    kInFlight,  // a request with this key and fingerprint holds a live lock
  };
  Kind kind = Kind::kStarted;
  KeyLease lease;
  bool took_over = false;  // kStarted: the previous holder's lock had timed out
  StoredResponse response;
  std::string first_method;
  std::string first_target;
};

struct PurgeResult {
  std::int64_t expired = 0;  // rows past their expiry, deleted
  std::int64_t evicted = 0;  // completed rows deleted early to respect the row cap
  std::int64_t remaining = 0;
};

// Thread safety: every member may be called from any coroutine on any thread; awaitables resume
// on the caller's executor. Errors: those of keel::data::Database (kOverloaded, kUnavailable,
// kDeadlineExceeded: the caller answers 503/504; no record was changed, or — for a timeout during
// COMMIT — it cannot be known, and the lock timeout resolves it).
class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;

  // Looks the key up and, when nobody holds it (absent, expired, or locked past the lock timeout
  // with the same fingerprint), locks it for this request. See docs/idempotency.md for the rule.
  [[nodiscard]] virtual boost::asio::awaitable<Result<BeginResult>> Begin(
      KeyRef key, RequestFingerprint fingerprint, data::CallOptions options) = 0;
  // Stores `response` as the record's final result. False when the lease was lost (taken over,
  // expired and purged, or completed in the business transaction already): nothing was written.
  [[nodiscard]] virtual boost::asio::awaitable<Result<bool>> Complete(
      KeyLease lease, StoredResponse response, data::CallOptions options) = 0;
  // Deletes an in-progress record held by `lease`, so that a retry runs again (after a 5xx).
  [[nodiscard]] virtual boost::asio::awaitable<Result<void>> Release(KeyLease lease,
                                                                     data::CallOptions options) = 0;
  // Deletes expired records, then the oldest completed ones beyond the row cap, in small batches.
  [[nodiscard]] virtual boost::asio::awaitable<Result<PurgeResult>> Purge(
      data::CallOptions options) = 0;

  // Complete() inside the caller's transaction on the same database, so that the stored response
  // and the business change commit together. kConflict when the lease was lost: the transaction
  // must then roll back (return the error from the body). A store that cannot share a transaction
  // with keel::data returns kInternal.
  [[nodiscard]] virtual Result<void> CompleteInTx(data::Tx& tx, const KeyLease& lease,
                                                  const StoredResponse& response) = 0;
};

}  // namespace keel::idempotency
