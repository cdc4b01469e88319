// POST /v1/orders: validating the body {"user_id": 7, "items": [{"product_id": 3, "quantity": 2}]}
// before any database work. Shape and range problems are collected per field (JSON pointers) so a
// client sees every one at once (400); whether the user and products exist and whether the stock
// suffices are decided in the order's transaction (order_writer.hpp).
//
// Rules: user_id a positive integer; items an array of 1..100 objects, each with a positive integer
// product_id and an integer quantity 1..1000; no other members. Several items for one product are
// merged (quantities added, at the position of the first; the merged quantity obeys the same
// bound), so an order holds each product once (order_items' primary key).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <vector>

#include "src/common/field_errors.hpp"

namespace shop::orders {

inline constexpr std::size_t kMaxOrderItems = 100;
inline constexpr std::int64_t kMaxItemQuantity = 1000;

struct RequestedItem {
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
  std::size_t index = 0;  // position of its (first) entry in the request: "/items/<index>"
};

struct CreateOrderRequest {
  std::int64_t user_id = 0;
  std::vector<RequestedItem> items;  // distinct products, request order
};

// Problems are appended to `errors`; the result is meaningful only when none were.
[[nodiscard]] CreateOrderRequest ParseCreateOrder(const boost::json::value& body,
                                                  FieldErrors& errors);

}  // namespace shop::orders
