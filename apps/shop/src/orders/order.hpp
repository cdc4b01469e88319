// An order as the API sends it (GET /v1/orders/{id}, POST /v1/orders, GET /v1/users/{id}/orders):
// its items embedded, each with the product's name and the unit price paid.
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

// Payment states (orders.payment_status): POST /v1/orders creates 'pending'; the payment step
// (payment_seam.hpp) decides 'paid' or 'failed'.
inline constexpr std::array<std::string_view, 3> kPaymentStatuses = {"pending", "paid", "failed"};

struct Order {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string status;
  std::string payment_status;
  std::int64_t total_cents = 0;
  std::string created_at;
  std::vector<OrderItem> items;
};

// {"id","user_id","status","payment_status","total_cents","created_at","items":[{"product_id",
// "name","quantity","unit_price_cents"}]}
void WriteOrder(JsonWriter& writer, const Order& order);

}  // namespace shop::orders
