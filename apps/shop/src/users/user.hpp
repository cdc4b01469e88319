// A user and the pre-aggregated summary of their orders, as the API sends them.
#pragma once

#include <cstdint>
#include <string>

namespace shop::users {

struct User {
  std::int64_t id = 0;
  std::string email;
  std::string name;
  std::string created_at;
};

// Maintained when orders are written (never aggregated on read): order_count is the number of the
// user's orders, total_spent_cents the sum of their total_cents.
struct Summary {
  std::int64_t user_id = 0;
  std::int64_t order_count = 0;
  std::int64_t total_spent_cents = 0;
  std::string updated_at;
};

// {"id","email","name","created_at"}
[[nodiscard]] std::string UserJson(const User& user);
// {"user_id","order_count","total_spent_cents","updated_at"}
[[nodiscard]] std::string SummaryJson(const Summary& summary);

}  // namespace shop::users
