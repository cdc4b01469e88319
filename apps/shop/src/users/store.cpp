#include "src/users/store.hpp"

#include "src/users/queries.hpp"

namespace shop::users {

Task<std::optional<User>> UserStore::ById(std::int64_t id, keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kById, keel::data::Params(id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  if (rows->empty()) {
    co_return std::optional<User>();
  }
  const auto& row = (*rows)[0];
  co_return std::optional<User>(User{.id = row.Int(0),
                                     .email = std::string(row.Text(1)),
                                     .name = std::string(row.Text(2)),
                                     .created_at = std::string(row.Text(3))});
}

Task<std::optional<Summary>> UserStore::SummaryOf(std::int64_t user_id,
                                                  keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kSummary, keel::data::Params(user_id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  if (rows->empty()) {
    co_return std::optional<Summary>();
  }
  const auto& row = (*rows)[0];
  co_return std::optional<Summary>(Summary{.user_id = row.Int(0),
                                           .order_count = row.Int(1),
                                           .total_spent_cents = row.Int(2),
                                           .updated_at = std::string(row.Text(3))});
}

Task<bool> UserStore::Exists(std::int64_t id, keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kExists, keel::data::Params(id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  co_return !rows->empty();
}

}  // namespace shop::users
