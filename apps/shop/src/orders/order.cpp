#include "src/orders/order.hpp"

namespace shop::orders {

bool IsStatus(std::string_view text) noexcept {
  for (const auto status : kStatuses) {
    if (status == text) {
      return true;
    }
  }
  return false;
}

void WriteOrder(JsonWriter& w, const Order& order) {
  w.BeginObject();
  w.Key("id");
  w.Int(order.id);
  w.Key("user_id");
  w.Int(order.user_id);
  w.Key("status");
  w.String(order.status);
  w.Key("payment_status");
  w.String(order.payment_status);
  w.Key("total_cents");
  w.Int(order.total_cents);
  w.Key("created_at");
  w.String(order.created_at);
  w.Key("items");
  w.BeginArray();
  for (const auto& item : order.items) {
    w.BeginObject();
    w.Key("product_id");
    w.Int(item.product_id);
    w.Key("name");
    w.String(item.name);
    w.Key("quantity");
    w.Int(item.quantity);
    w.Key("unit_price_cents");
    w.Int(item.unit_price_cents);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace shop::orders
