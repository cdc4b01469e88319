#include "keel/idempotency/sqlite_store.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "decide.hpp"
#include "digest.hpp"
#include "header_codec.hpp"
#include "keel/core/wall_time.hpp"
#include "store_sql.hpp"

namespace keel::idempotency {

namespace {
using detail::Decision;
using detail::ExistingRecord;

ExistingRecord ReadRecord(const data::Row& row) {
  return ExistingRecord{.completed = row.Text(0) == "completed",
                        .fingerprint = std::string(row.Text(1)),
                        .method = std::string(row.Text(2)),
                        .target = std::string(row.Text(3)),
                        .lock_token = std::string(row.Text(4)),
                        .locked_at = row.Int(5),
                        .expires_at = row.Int(6),
                        .status = static_cast<int>(row.Int(7)),
                        .headers = std::string(row.Text(8)),
                        .body = std::string(row.Text(9))};
}

data::Blob ToBlob(std::string_view s) {
  return data::Blob{std::vector<std::uint8_t>(s.begin(), s.end())};
}

data::SqlParams CompleteParams(const KeyLease& lease, const StoredResponse& response) {
  return data::Params(response.status, detail::EncodeHeaders(response.headers),
                      ToBlob(response.body), lease.scope, lease.key, lease.token);
}

Error LeaseLost(const KeyLease& lease) {
  return Error(ErrorCode::kConflict,
               "Idempotency-Key " + lease.key +
                   " is no longer held by this request (taken over after the lock timeout, or "
                   "expired); its result is not stored");
}
}  // namespace

Result<void> ValidateStoreSettings(const StoreSettings& s) {
  auto bad = [](std::string what) { return Error(ErrorCode::kInvalidArgument, std::move(what)); };
  if (s.ttl <= Duration::zero()) {
    return bad("idempotency ttl must be positive");
  }
  if (s.lock_timeout <= Duration::zero()) {
    return bad("idempotency lock_timeout must be positive");
  }
  if (s.max_keys <= 0 || s.purge_batch <= 0) {
    return bad("idempotency max_keys and purge_batch must be positive");
  }
  return {};
}

class SqliteIdempotencyStore::Impl {
 public:
  Impl(data::Database& db, StoreSettings settings, const Clock* clock)
      : db_(db), settings_(std::move(settings)), wall_(clock != nullptr ? *clock : steady_) {}

  // Runs on the writer thread inside Begin's transaction.
  Result<void> BeginInTx(data::Tx& tx, const KeyRef& key, const RequestFingerprint& fp,
                         BeginResult& out) {
    auto rows = tx.Query(detail::kFindKey, data::Params(key.scope, key.key));
    if (!rows) {
      return std::move(rows).error();
    }
    std::optional<ExistingRecord> existing;
    if (!rows->empty()) {
      existing = ReadRecord((*rows)[0]);
    }
    const std::int64_t now = wall_.NowMs();
    switch (detail::Decide(existing, fp.digest, now, ToMs(settings_.lock_timeout))) {
      case Decision::kInsert:
        return Lock(tx, key, fp, now, out);
      case Decision::kTakeOver:
        return TakeOver(tx, key, existing->lock_token, now, out);
      case Decision::kReplay:
        return Replay(*existing, out);
      case Decision::kMismatch:
        out.kind = BeginResult::Kind::kMismatch;
        out.first_method = existing->method;
        out.first_target = existing->target;
        return {};
      case Decision::kInFlight:
        out.kind = BeginResult::Kind::kInFlight;
        return {};
    }
    return {};
  }

  Result<void> Lock(data::Tx& tx, const KeyRef& key, const RequestFingerprint& fp, std::int64_t now,
                    BeginResult& out) {
    out.kind = BeginResult::Kind::kStarted;
    out.lease = KeyLease{key.scope, key.key, detail::RandomToken()};
    auto done = tx.Execute(detail::kLockNew,
                           data::Params(key.scope, key.key, fp.digest, fp.method, fp.target,
                                        out.lease.token, now, now + ToMs(settings_.ttl)));
    return done ? Result<void>() : Result<void>(std::move(done).error());
  }

  Result<void> TakeOver(data::Tx& tx, const KeyRef& key, const std::string& old_token,
                        std::int64_t now, BeginResult& out) {
    out.kind = BeginResult::Kind::kStarted;
    out.took_over = true;
    out.lease = KeyLease{key.scope, key.key, detail::RandomToken()};
    auto done = tx.Execute(detail::kTakeOver,
                           data::Params(out.lease.token, now, key.scope, key.key, old_token));
    return done ? Result<void>() : Result<void>(std::move(done).error());
  }

  static Result<void> Replay(const ExistingRecord& existing, BeginResult& out) {
    auto headers = detail::DecodeHeaders(existing.headers);
    if (!headers) {
      return std::move(headers).error();
    }
    out.kind = BeginResult::Kind::kReplay;
    out.response = StoredResponse{existing.status, std::move(*headers), existing.body};
    return {};
  }

  // Deletes expired rows in batches until a batch comes back short.
  boost::asio::awaitable<Result<std::int64_t>> PurgeExpired(std::int64_t now,
                                                            data::CallOptions options) {
    std::int64_t total = 0;
    for (;;) {
      auto params = data::Params(now, settings_.purge_batch);
      auto done = co_await db_.Execute(detail::kPurgeExpired, std::move(params), options);
      if (!done) {
        co_return std::move(done).error();
      }
      total += done->rows_affected;
      if (done->rows_affected < settings_.purge_batch || options.deadline.Expired()) {
        co_return total;
      }
    }
  }

  // Deletes the `excess` oldest completed rows in batches.
  boost::asio::awaitable<Result<std::int64_t>> EvictOldest(std::int64_t excess,
                                                           data::CallOptions options) {
    std::int64_t total = 0;
    while (total < excess) {
      const std::int64_t n = std::min(settings_.purge_batch, excess - total);
      auto done = co_await db_.Execute(detail::kEvictOldest, data::Params(n), options);
      if (!done) {
        co_return std::move(done).error();
      }
      total += done->rows_affected;
      if (done->rows_affected < n) {
        break;  // only in-progress records are left above the cap
      }
    }
    co_return total;
  }

  boost::asio::awaitable<Result<PurgeResult>> Purge(data::CallOptions options) {
    PurgeResult result;
    auto expired = co_await PurgeExpired(wall_.NowMs(), options);
    if (!expired) {
      co_return std::move(expired).error();
    }
    result.expired = *expired;
    data::SqlParams none;
    auto count = co_await db_.Query(detail::kCountKeys, std::move(none), options);
    if (!count) {
      co_return std::move(count).error();
    }
    const std::int64_t rows = count->empty() ? 0 : (*count)[0].Int(0);
    if (rows > settings_.max_keys) {
      auto evicted = co_await EvictOldest(rows - settings_.max_keys, options);
      if (!evicted) {
        co_return std::move(evicted).error();
      }
      result.evicted = *evicted;
    }
    result.remaining = rows - result.evicted;
    co_return result;
  }

  data::Database& db_;
  StoreSettings settings_;
  SteadyClock steady_;
  WallTime wall_;
};

SqliteIdempotencyStore::SqliteIdempotencyStore(data::Database& db, StoreSettings settings,
                                               const Clock* clock)
    : impl_(std::make_unique<Impl>(db, std::move(settings), clock)) {}

SqliteIdempotencyStore::~SqliteIdempotencyStore() = default;

const StoreSettings& SqliteIdempotencyStore::settings() const noexcept {
  return impl_->settings_;
}

boost::asio::awaitable<Result<BeginResult>> SqliteIdempotencyStore::Begin(
    KeyRef key, RequestFingerprint fingerprint, data::CallOptions options) {
  BeginResult out;
  auto done = co_await impl_->db_.Transaction(
      [&](data::Tx& tx) { return impl_->BeginInTx(tx, key, fingerprint, out); }, options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return out;
}

boost::asio::awaitable<Result<bool>> SqliteIdempotencyStore::Complete(KeyLease lease,
                                                                      StoredResponse response,
                                                                      data::CallOptions options) {
  auto done =
      co_await impl_->db_.Execute(detail::kComplete, CompleteParams(lease, response), options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return done->rows_affected == 1;
}

boost::asio::awaitable<Result<void>> SqliteIdempotencyStore::Release(KeyLease lease,
                                                                     data::CallOptions options) {
  auto params = data::Params(lease.scope, lease.key, lease.token);
  auto done = co_await impl_->db_.Execute(detail::kRelease, std::move(params), options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return Result<void>();
}

boost::asio::awaitable<Result<PurgeResult>> SqliteIdempotencyStore::Purge(
    data::CallOptions options) {
  return impl_->Purge(options);
}

Result<void> SqliteIdempotencyStore::CompleteInTx(data::Tx& tx, const KeyLease& lease,
                                                  const StoredResponse& response) {
  auto done = tx.Execute(detail::kComplete, CompleteParams(lease, response));
  if (!done) {
    return std::move(done).error();
  }
  if (done->rows_affected != 1) {
    return LeaseLost(lease);
  }
  return {};
}

}  // namespace keel::idempotency
