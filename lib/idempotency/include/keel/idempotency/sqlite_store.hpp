// keel/idempotency/sqlite_store.hpp — idempotency records in a keel::data (SQLite) database.
//
// The table `keel_idempotency_keys` comes from keel::idempotency::Migrations(); records share the
// application's database, which is what lets a handler store its response in the transaction of
// its business change (CompleteInTx).
//
//   keel::idempotency::SqliteIdempotencyStore store(db, {.ttl = std::chrono::hours(24)});
//   keel::idempotency::IdempotencyRecorder recorder(store);
//   orders.Use(std::make_shared<keel::idempotency::IdempotencyMiddleware>(recorder, settings));
//
// Times in rows are Unix milliseconds advanced by the injected clock from an anchor taken at
// construction: a wall-clock jump while the process runs moves no lock or expiry, and tests drive
// expiry and lock timeouts with a ManualClock.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "keel/core/clock.hpp"
#include "keel/data/database.hpp"
#include "keel/idempotency/store.hpp"

namespace keel::idempotency {

struct StoreSettings {
  // How long a key is remembered (from its first use); a key reused later starts a new request.
  Duration ttl = std::chrono::hours(24);
  // An in-progress record whose lock is older than this may be taken over by a retry (the holder
  // is presumed dead). Must exceed the longest route budget of the routes using keys.
  Duration lock_timeout = std::chrono::seconds(30);
  // Row cap enforced by Purge(): the oldest completed records beyond it are deleted early.
  std::int64_t max_keys = 1'000'000;
  std::int64_t purge_batch = 1000;  // rows per DELETE transaction (keeps writer stalls short)
};

// kInvalidArgument naming the first bad field (non-positive durations or counts).
[[nodiscard]] Result<void> ValidateStoreSettings(const StoreSettings& settings);

class SqliteIdempotencyStore final : public IdempotencyStore {
 public:
  // `db` and `clock` must outlive the store; a null clock means the steady clock.
  SqliteIdempotencyStore(data::Database& db, StoreSettings settings, const Clock* clock = nullptr);
  ~SqliteIdempotencyStore() override;
  SqliteIdempotencyStore(const SqliteIdempotencyStore&) = delete;
  SqliteIdempotencyStore& operator=(const SqliteIdempotencyStore&) = delete;

  boost::asio::awaitable<Result<BeginResult>> Begin(KeyRef key, RequestFingerprint fingerprint,
                                                    data::CallOptions options) override;
  boost::asio::awaitable<Result<bool>> Complete(KeyLease lease, StoredResponse response,
                                                data::CallOptions options) override;
  boost::asio::awaitable<Result<void>> Release(KeyLease lease, data::CallOptions options) override;
  boost::asio::awaitable<Result<PurgeResult>> Purge(data::CallOptions options) override;
  Result<void> CompleteInTx(data::Tx& tx, const KeyLease& lease,
                            const StoredResponse& response) override;

  [[nodiscard]] const StoreSettings& settings() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::idempotency
