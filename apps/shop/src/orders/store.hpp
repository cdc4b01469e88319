// Order SQL: one page of a user's orders, and the items of many orders joined with their
// products in one query (so a page costs a fixed number of queries, whatever its size).
// Errors: those of keel::data::Database. Thread safety: any I/O thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <keel/core/error.hpp>
#include <keel/data/database.hpp>
#include <optional>
#include <vector>

#include "src/orders/list_query.hpp"
#include "src/orders/order.hpp"

namespace shop::orders {

template <typename T>
using Task = boost::asio::awaitable<keel::Result<T>>;

struct ItemRow {
  std::int64_t order_id = 0;
  OrderItem item;
};

class OrderStore {
 public:
  explicit OrderStore(keel::data::Database& db) noexcept : db_(db) {}

  // Up to query.limit + 1 orders (without items), newest first.
  Task<std::vector<Order>> Page(const ListQuery& query, keel::data::CallOptions options);
  // One order without its items; nullopt when there is none.
  Task<std::optional<Order>> Get(std::int64_t id, keel::data::CallOptions options);
  // The items of `order_ids`, each with its product's name; one query.
  Task<std::vector<ItemRow>> ItemsOf(const std::vector<std::int64_t>& order_ids,
                                     keel::data::CallOptions options);

 private:
  keel::data::Database& db_;
};

}  // namespace shop::orders
