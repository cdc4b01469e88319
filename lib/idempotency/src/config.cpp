#include "keel/idempotency/config.hpp"

namespace keel::idempotency {

void AddIdempotencyConfig(ConfigSchema& schema) {
  schema.Add({.name = "idempotency.ttl",
              .type = ConfigType::kDuration,
              .default_value = "24h",
              .description = "How long an Idempotency-Key and its stored response are kept, from "
                             "the key's first use (Stripe: 24h); a key reused later is a new "
                             "request",
              .min = 60,
              .max = 30 * 86400});
  schema.Add({.name = "idempotency.lock_timeout",
              .type = ConfigType::kDuration,
              .default_value = "30s",
              .description = "Age after which an in-progress key may be taken over by a retry "
                             "(its request presumed dead); must exceed every keyed route's budget",
              .min = 1,
              .max = 3600});
  schema.Add({.name = "idempotency.max_keys",
              .type = ConfigType::kInt,
              .default_value = "1000000",
              .description = "Row cap of the idempotency store: each purge deletes the oldest "
                             "completed keys beyond it",
              .min = 1000,
              .max = 1e9});
  schema.Add({.name = "idempotency.purge_interval",
              .type = ConfigType::kDuration,
              .default_value = "1m",
              .description = "How often expired idempotency keys are deleted",
              .min = 1,
              .max = 86400});
}

Result<IdempotencySettings> IdempotencySettingsFromConfig(const Config& config) {
  IdempotencySettings s;
  s.store.ttl = config.GetDuration("idempotency.ttl");
  s.store.lock_timeout = config.GetDuration("idempotency.lock_timeout");
  s.store.max_keys = config.GetInt("idempotency.max_keys");
  s.purge_interval = config.GetDuration("idempotency.purge_interval");
  if (s.store.lock_timeout >= s.store.ttl) {
    return Error(ErrorCode::kInvalidArgument,
                 "idempotency.lock_timeout must be shorter than idempotency.ttl");
  }
  if (auto valid = ValidateStoreSettings(s.store); !valid) {
    return std::move(valid).error();
  }
  return s;
}

}  // namespace keel::idempotency
