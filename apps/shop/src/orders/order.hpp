// An order as GET /v1/users/{id}/orders sends it: its items embedded, each with the product's
// name and the unit price paid.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/common/json_writer.hpp"

namespace shop::orders {

inline constexpr std::array<std::string_view, 4> kStatuses = {"pending", "paid", "shipped",
                                                              "cancelled"};
[[nodiscard]] bool IsStatus(std::string_view text) noexcept;

struct OrderItem {
  std::int64_t product_id = 0;
  std::string name;  // the product's current name
  std::int64_t quantity = 0;
  std::int64_t unit_price_cents = 0;  // the price when the order was placed
};

struct Order {
  std::int64_t id = 0;
  std::string status;
  std::int64_t total_cents = 0;
  std::string created_at;
  std::vector<OrderItem> items;
};

// {"id","status","total_cents","created_at","items":[{"product_id","name","quantity",
// "unit_price_cents"}]}
void WriteOrder(JsonWriter& writer, const Order& order);

}  // namespace shop::orders
