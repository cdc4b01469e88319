#include "src/app/shop.hpp"

#include "src/api/openapi.hpp"
#include "src/common/time.hpp"
#include "src/debug/routes.hpp"
#include "src/info/routes.hpp"
#include "src/orders/routes.hpp"
#include "src/products/routes.hpp"
#include "src/users/routes.hpp"

namespace shop {

Shop::Shop(keel::data::Database& db, const ShopSettings& settings)
    : db_(db),
      debug_routes_(settings.debug_routes),
      product_max_age_(settings.product_max_age),
      signer_(settings.cursor_secret),
      product_store_(db),
      user_store_(db),
      order_store_(db),
      products_(product_store_, signer_, NowTimestamp),
      users_(user_store_),
      orders_(order_store_, user_store_, signer_) {}

void Shop::AddRoutes(keel::http::Router& router) {
  info::AddRoutes(router);
  api::AddRoutes(router);
  auto& v1 = router.Group("/v1");
  products::AddRoutes(v1, products_, {.max_age = product_max_age_});
  users::AddRoutes(v1, users_);
  orders::AddRoutes(v1, orders_);
  if (debug_routes_) {
    debug::AddRoutes(router, db_);
  }
}

}  // namespace shop
