#include "src/orders/create_request.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <unordered_map>

namespace shop::orders {

namespace {

// A JSON integer (or an integral double such as 2.0 is refused: ids and quantities are integers).
const std::int64_t* IntOf(const boost::json::value* v) {
  return v == nullptr ? nullptr : v->if_int64();
}

void ParseItem(const boost::json::value& value, std::size_t i, CreateOrderRequest& out,
               std::unordered_map<std::int64_t, std::size_t>& position, FieldErrors& errors) {
  const std::string at = "/items/" + std::to_string(i);
  const auto* item = value.if_object();
  if (item == nullptr) {
    AddFieldError(errors, at, "must be an object {\"product_id\": N, \"quantity\": N}");
    return;
  }
  for (const auto& [key, member] : *item) {
    if (key != "product_id" && key != "quantity") {
      AddFieldError(errors, at + "/" + std::string(key),
                    "unknown member; an item has only \"product_id\" and \"quantity\"");
    }
  }
  const std::int64_t* product_id = IntOf(item->if_contains("product_id"));
  const std::int64_t* quantity = IntOf(item->if_contains("quantity"));
  bool valid = true;
  if (product_id == nullptr || *product_id <= 0) {
    AddFieldError(errors, at + "/product_id", "must be a positive integer (a product id)");
    valid = false;
  }
  if (quantity == nullptr || *quantity < 1 || *quantity > kMaxItemQuantity) {
    AddFieldError(errors, at + "/quantity",
                  "must be an integer from 1 to " + std::to_string(kMaxItemQuantity));
    valid = false;
  }
  if (!valid) {
    return;
  }
  auto [it, first] = position.emplace(*product_id, out.items.size());
  if (first) {
    out.items.push_back({.product_id = *product_id, .quantity = *quantity, .index = i});
    return;
  }
  RequestedItem& merged = out.items[it->second];
  merged.quantity += *quantity;
  if (merged.quantity > kMaxItemQuantity) {
    AddFieldError(errors, at + "/quantity",
                  "product " + std::to_string(*product_id) + " is ordered " +
                      std::to_string(merged.quantity) +
                      " times in total across its items; at most " +
                      std::to_string(kMaxItemQuantity));
  }
}

}  // namespace

CreateOrderRequest ParseCreateOrder(const boost::json::value& body, FieldErrors& errors) {
  CreateOrderRequest out;
  const auto* object = body.if_object();
  if (object == nullptr) {
    AddFieldError(errors, "", "the body must be a JSON object {\"user_id\": N, \"items\": [...]}");
    return out;
  }
  for (const auto& [key, value] : *object) {
    if (key != "user_id" && key != "items") {
      AddFieldError(errors, "/" + std::string(key),
                    "unknown member; the body has only \"user_id\" and \"items\"");
    }
  }
  const std::int64_t* user_id = IntOf(object->if_contains("user_id"));
  if (user_id == nullptr || *user_id <= 0) {
    AddFieldError(errors, "/user_id", "must be a positive integer (a user id)");
  } else {
    out.user_id = *user_id;
  }
  const auto* member = object->if_contains("items");
  const auto* array = member == nullptr ? nullptr : member->if_array();
  if (array == nullptr || array->empty() || array->size() > kMaxOrderItems) {
    AddFieldError(errors, "/items",
                  "must be an array of 1 to " + std::to_string(kMaxOrderItems) + " items");
    return out;
  }
  std::unordered_map<std::int64_t, std::size_t> position;
  for (std::size_t i = 0; i < array->size(); ++i) {
    ParseItem((*array)[i], i, out, position, errors);
  }
  return out;
}

}  // namespace shop::orders
