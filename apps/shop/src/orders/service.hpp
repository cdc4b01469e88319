// Order rules: a user's orders newest first with their items, in at most two queries per page
// (the page, then either the items of its orders or — only when the page is empty — whether the
// user exists; a non-empty page proves it, orders.user_id being a foreign key).
// Errors: the stores', plus kNotFound for an unknown user or order. Thread safety: any I/O thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "src/common/cursor.hpp"
#include "src/orders/store.hpp"
#include "src/users/store.hpp"

namespace shop::orders {

struct Page {
  std::vector<Order> items;
  std::optional<std::string> next_cursor;  // nullopt on the last page
};

class OrderService {
 public:
  OrderService(OrderStore& orders, users::UserStore& users, const CursorSigner& signer) noexcept
      : orders_(orders), users_(users), signer_(signer) {}

  [[nodiscard]] const CursorSigner& signer() const noexcept { return signer_; }

  Task<Page> ListForUser(const ListQuery& query, keel::data::CallOptions options);
  // One order with its items (two queries); kNotFound when there is none.
  Task<Order> Get(std::int64_t id, keel::data::CallOptions options);

 private:
  Task<void> AttachItems(std::vector<Order>& orders, keel::data::CallOptions options);

  OrderStore& orders_;
  users::UserStore& users_;
  const CursorSigner& signer_;
};

}  // namespace shop::orders
