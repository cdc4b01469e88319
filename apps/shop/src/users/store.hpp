// User SQL: a user by id, their summary row, and existence checks. One statement each.
// Errors: those of keel::data::Database. Thread safety: any I/O thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <keel/core/error.hpp>
#include <keel/data/database.hpp>
#include <optional>

#include "src/users/user.hpp"

namespace shop::users {

template <typename T>
using Task = boost::asio::awaitable<keel::Result<T>>;

class UserStore {
 public:
  explicit UserStore(keel::data::Database& db) noexcept : db_(db) {}

  Task<std::optional<User>> ById(std::int64_t id, keel::data::CallOptions options);
  // nullopt: no such user. A user without a summary row yet reads as zero orders.
  Task<std::optional<Summary>> SummaryOf(std::int64_t user_id, keel::data::CallOptions options);
  Task<bool> Exists(std::int64_t id, keel::data::CallOptions options);

 private:
  keel::data::Database& db_;
};

}  // namespace shop::users
