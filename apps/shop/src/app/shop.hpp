// The shop's object graph over one database: cursor signer, stores, services, and the routes
// that expose them. main.cpp builds one for `serve`; tests build one to list the routes.
//
//   shop::Shop shop(db, settings);
//   shop.AddRoutes(service.routes());
#pragma once

#include <keel/data/database.hpp>
#include <keel/http/router.hpp>

#include "src/app/config.hpp"
#include "src/common/cursor.hpp"
#include "src/orders/service.hpp"
#include "src/products/service.hpp"
#include "src/users/service.hpp"

namespace shop {

class Shop {
 public:
  // `db` must outlive the Shop, and the Shop every router it added routes to.
  Shop(keel::data::Database& db, const ShopSettings& settings);
  Shop(const Shop&) = delete;
  Shop& operator=(const Shop&) = delete;

  // GET / and /openapi.json, the /v1 API, and /debug/* when shop.debug_routes is set.
  void AddRoutes(keel::http::Router& router);

 private:
  keel::data::Database& db_;
  bool debug_routes_;
  std::chrono::seconds product_max_age_;
  CursorSigner signer_;
  products::ProductStore product_store_;
  users::UserStore user_store_;
  orders::OrderStore order_store_;
  products::ProductService products_;
  users::UserService users_;
  orders::OrderService orders_;
};

}  // namespace shop
