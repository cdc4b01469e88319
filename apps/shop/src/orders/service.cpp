#include "src/orders/service.hpp"

#include <unordered_map>

#include "src/users/service.hpp"

namespace shop::orders {

Task<Page> OrderService::ListForUser(const ListQuery& query, keel::data::CallOptions options) {
  auto orders = co_await orders_.Page(query, options);
  if (!orders) {
    co_return std::move(orders).error();
  }
  if (orders->empty()) {
    auto exists = co_await users_.Exists(query.user_id, options);
    if (!exists) {
      co_return std::move(exists).error();
    }
    if (!*exists) {
      co_return users::UserNotFound(query.user_id);
    }
    co_return Page{};
  }
  Page page{.items = std::move(*orders)};
  if (page.items.size() > static_cast<std::size_t>(query.limit)) {
    page.items.resize(static_cast<std::size_t>(query.limit));
    page.next_cursor = EncodeListCursor(signer_, query, page.items.back().id);
  }
  if (auto attached = co_await AttachItems(page.items, options); !attached) {
    co_return std::move(attached).error();
  }
  co_return page;
}

Task<Order> OrderService::Get(std::int64_t id, keel::data::CallOptions options) {
  auto order = co_await orders_.Get(id, options);
  if (!order) {
    co_return std::move(order).error();
  }
  if (!*order) {
    co_return keel::Error(keel::ErrorCode::kNotFound, "no order with id " + std::to_string(id));
  }
  std::vector<Order> one{std::move(**order)};
  if (auto attached = co_await AttachItems(one, options); !attached) {
    co_return std::move(attached).error();
  }
  co_return std::move(one.front());
}

Task<void> OrderService::AttachItems(std::vector<Order>& orders, keel::data::CallOptions options) {
  std::vector<std::int64_t> ids;
  std::unordered_map<std::int64_t, std::size_t> index;
  ids.reserve(orders.size());
  index.reserve(orders.size());
  for (std::size_t i = 0; i < orders.size(); ++i) {
    ids.push_back(orders[i].id);
    index.emplace(orders[i].id, i);
  }
  auto items = co_await orders_.ItemsOf(ids, options);
  if (!items) {
    co_return std::move(items).error();
  }
  for (auto& row : *items) {
    if (auto it = index.find(row.order_id); it != index.end()) {
      orders[it->second].items.push_back(std::move(row.item));
    }
  }
  co_return keel::Result<void>();
}

}  // namespace shop::orders
