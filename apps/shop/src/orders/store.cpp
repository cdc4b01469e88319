#include "src/orders/store.hpp"

#include "src/orders/queries.hpp"

#include <climits>

#include "src/products/store.hpp"

namespace shop::orders {

namespace {
// The columns of sql::kPage, kPageByStatus and kById.
Order OrderFromRow(const keel::data::Row& row) {
  return Order{.id = row.Int(0),
               .user_id = row.Int(1),
               .status = std::string(row.Text(2)),
               .payment_status = std::string(row.Text(3)),
               .total_cents = row.Int(4),
               .created_at = std::string(row.Text(5))};
}
}  // namespace

Task<std::vector<Order>> OrderStore::Page(const ListQuery& q, keel::data::CallOptions options) {
  keel::data::SqlParams params = keel::data::Params(q.user_id);
  if (q.status) {
    params.emplace_back(*q.status);
  }
  params.emplace_back(q.before_id.value_or(INT64_MAX));
  params.emplace_back(q.limit + 1);
  auto rows =
      co_await db_.Query(q.status ? sql::kPageByStatus : sql::kPage, std::move(params), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  std::vector<Order> orders;
  orders.reserve(rows->size());
  for (const auto& row : *rows) {
    orders.push_back(OrderFromRow(row));
  }
  co_return orders;
}

Task<std::optional<Order>> OrderStore::Get(std::int64_t id, keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kById, keel::data::Params(id), options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  if (rows->empty()) {
    co_return std::optional<Order>();
  }
  co_return std::optional<Order>(OrderFromRow((*rows)[0]));
}

Task<std::vector<ItemRow>> OrderStore::ItemsOf(const std::vector<std::int64_t>& order_ids,
                                               keel::data::CallOptions options) {
  auto rows = co_await db_.Query(sql::kItems, keel::data::Params(products::JsonIntArray(order_ids)),
                                 options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  std::vector<ItemRow> items;
  items.reserve(rows->size());
  for (const auto& row : *rows) {
    items.push_back(ItemRow{.order_id = row.Int(0),
                            .item = OrderItem{.product_id = row.Int(1),
                                              .name = std::string(row.Text(2)),
                                              .quantity = row.Int(3),
                                              .unit_price_cents = row.Int(4)}});
  }
  co_return items;
}

}  // namespace shop::orders
