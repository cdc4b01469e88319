// keel/idempotency/config.hpp — the idempotency.* configuration keys.
//
//   keel::ConfigSchema schema;
//   keel::idempotency::AddIdempotencyConfig(schema);
//   ... load ...
//   auto settings = keel::idempotency::IdempotencySettingsFromConfig(config);
//   if (!settings) { ... startup error ... }
//   keel::idempotency::SqliteIdempotencyStore store(db, settings->store);
//
// Keys: idempotency.ttl (24h), idempotency.lock_timeout (30s), idempotency.max_keys (1000000),
// idempotency.purge_interval (1m).
#pragma once

#include "keel/core/clock.hpp"
#include "keel/core/config.hpp"
#include "keel/idempotency/sqlite_store.hpp"

namespace keel::idempotency {

struct IdempotencySettings {
  StoreSettings store;
  Duration purge_interval = std::chrono::minutes(1);
};

// Declares the idempotency.* keys (each validated on its own).
void AddIdempotencyConfig(ConfigSchema& schema);
// The settings; kInvalidArgument when the keys contradict each other (lock_timeout >= ttl).
[[nodiscard]] Result<IdempotencySettings> IdempotencySettingsFromConfig(const Config& config);

}  // namespace keel::idempotency
