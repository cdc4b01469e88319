#include "src/orders/placement.hpp"

#include <unordered_map>

#include "src/common/json_writer.hpp"
#include "src/products/store.hpp"

namespace shop::orders {

namespace {

using keel::data::Params;
using keel::data::Query;
using keel::data::Tx;

constexpr Query kUser{"order_place_user", "SELECT id FROM users WHERE id = ?"};
constexpr Query kProducts{"order_place_products",
                          "SELECT id, name, price_cents, stock FROM products "
                          "WHERE id IN (SELECT value FROM json_each(?))"};
constexpr Query kInsertOrder{"order_insert",
                             "INSERT INTO orders (user_id, status, payment_status, total_cents, "
                             "created_at) VALUES (?, 'pending', 'pending', ?, ?)"};
constexpr Query kInsertItem{"order_item_insert",
                            "INSERT INTO order_items (order_id, product_id, quantity, "
                            "unit_price_cents) VALUES (?, ?, ?, ?)"};
// The guard `stock >= ?` repeats the check the transaction made: the single writer makes it
// redundant, the CHECK (stock >= 0) makes a bug loud either way.
constexpr Query kTakeStock{"order_take_stock",
                           "UPDATE products SET stock = stock - ?1, version = version + 1, "
                           "updated_at = ?2 WHERE id = ?3 AND stock >= ?1"};
constexpr Query kSummary{"order_user_summary",
                         "INSERT INTO user_summaries (user_id, order_count, total_spent_cents, "
                         "updated_at) VALUES (?1, 1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET "
                         "order_count = order_count + 1, "
                         "total_spent_cents = total_spent_cents + excluded.total_spent_cents, "
                         "updated_at = excluded.updated_at"};

struct ProductRow {
  std::string name;
  std::int64_t price_cents = 0;
  std::int64_t stock = 0;
};

keel::Error Failed(keel::Result<keel::data::ExecResult>& r) {
  return std::move(r).error();
}

// Checks the user, the products and their stock; fills `rejected`. Returns the products found.
keel::Result<std::unordered_map<std::int64_t, ProductRow>> Check(Tx& tx,
                                                                 const CreateOrderRequest& request,
                                                                 FieldErrors& rejected) {
  auto user = tx.Query(kUser, Params(request.user_id));
  if (!user) {
    return std::move(user).error();
  }
  if (user->empty()) {
    AddFieldError(rejected, "/user_id", "no user with id " + std::to_string(request.user_id));
  }
  std::vector<std::int64_t> ids;
  ids.reserve(request.items.size());
  for (const RequestedItem& item : request.items) {
    ids.push_back(item.product_id);
  }
  auto rows = tx.Query(kProducts, Params(products::JsonIntArray(ids)));
  if (!rows) {
    return std::move(rows).error();
  }
  std::unordered_map<std::int64_t, ProductRow> found;
  for (const keel::data::Row& row : *rows) {
    found.emplace(row.Int(0), ProductRow{.name = std::string(row.Text(1)),
                                         .price_cents = row.Int(2),
                                         .stock = row.Int(3)});
  }
  for (const RequestedItem& item : request.items) {
    if (!found.contains(item.product_id)) {
      AddFieldError(rejected, "/items/" + std::to_string(item.index) + "/product_id",
                    "no product with id " + std::to_string(item.product_id));
    }
  }
  if (!rejected.empty()) {
    return keel::Error(keel::ErrorCode::kUnprocessable,
                       rejected.size() == 1 ? rejected[0].field + ": " + rejected[0].detail
                                            : "the order refers to a user or products that do "
                                              "not exist; see errors");
  }
  for (const RequestedItem& item : request.items) {
    const ProductRow& p = found.at(item.product_id);
    if (p.stock < item.quantity) {
      AddFieldError(rejected, "/items/" + std::to_string(item.index) + "/quantity",
                    "product " + std::to_string(item.product_id) + " has " +
                        std::to_string(p.stock) + " in stock; " + std::to_string(item.quantity) +
                        " requested");
    }
  }
  if (!rejected.empty()) {
    return keel::Error(keel::ErrorCode::kConflict,
                       "insufficient stock for " + std::to_string(rejected.size()) +
                           (rejected.size() == 1 ? " item" : " items") + "; nothing was ordered");
  }
  return found;
}

// The whole order inside `tx`; `order` is complete when it returns success.
keel::Result<void> Write(Tx& tx, const CreateOrderRequest& request,
                         const std::unordered_map<std::int64_t, ProductRow>& products,
                         const std::string& now, const keel::jobs::Outbox& outbox, Order& order) {
  order.user_id = request.user_id;
  order.status = "pending";
  order.payment_status = "pending";
  order.created_at = now;
  for (const RequestedItem& item : request.items) {
    const ProductRow& p = products.at(item.product_id);
    std::int64_t line = 0;
    if (__builtin_mul_overflow(p.price_cents, item.quantity, &line) ||
        __builtin_add_overflow(order.total_cents, line, &order.total_cents)) {
      return keel::Error(keel::ErrorCode::kUnprocessable, "the order's total is too large");
    }
    order.items.push_back(OrderItem{.product_id = item.product_id,
                                    .name = p.name,
                                    .quantity = item.quantity,
                                    .unit_price_cents = p.price_cents});
  }
  auto inserted = tx.Execute(kInsertOrder, Params(request.user_id, order.total_cents, now));
  if (!inserted) {
    return Failed(inserted);
  }
  order.id = inserted->last_insert_id;
  for (const OrderItem& item : order.items) {
    auto added = tx.Execute(
        kInsertItem, Params(order.id, item.product_id, item.quantity, item.unit_price_cents));
    if (!added) {
      return Failed(added);
    }
    auto taken = tx.Execute(kTakeStock, Params(item.quantity, now, item.product_id));
    if (!taken) {
      return Failed(taken);
    }
    if (taken->rows_affected != 1) {
      return keel::Error(keel::ErrorCode::kInternal, "stock of product " +
                                                         std::to_string(item.product_id) +
                                                         " changed inside the order's transaction");
    }
  }
  auto summary = tx.Execute(kSummary, Params(request.user_id, order.total_cents, now));
  if (!summary) {
    return Failed(summary);
  }
  auto event = outbox.Add(tx, kOrderCreatedTopic, OrderCreatedPayload(order));
  if (!event) {
    return std::move(event).error();
  }
  return {};
}

}  // namespace

std::string OrderCreatedPayload(const Order& order) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("order_id");
  w.Int(order.id);
  w.Key("user_id");
  w.Int(order.user_id);
  w.Key("total_cents");
  w.Int(order.total_cents);
  w.EndObject();
  return out;
}

boost::asio::awaitable<keel::Result<Order>> OrderPlacement::Place(const CreateOrderRequest& request,
                                                                  FieldErrors& rejected,
                                                                  const InOrderTx& in_tx,
                                                                  keel::data::CallOptions options) {
  Order order;
  const std::string now = now_();
  auto body = [&](Tx& tx) -> keel::Result<void> {
    // A retried transaction body (none today, but cheap to be safe) starts from scratch.
    rejected.clear();
    order = Order{};
    auto products = Check(tx, request, rejected);
    if (!products) {
      return std::move(products).error();
    }
    if (auto written = Write(tx, request, *products, now, outbox_, order); !written) {
      return written;
    }
    return in_tx ? in_tx(tx, order) : keel::Result<void>();
  };
  auto done = co_await db_.Transaction(body, options);
  if (!done) {
    co_return std::move(done).error();
  }
  co_return order;
}

}  // namespace shop::orders
