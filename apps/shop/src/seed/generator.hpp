// The seeder's deterministic data: the same options and seed always give the same rows.
//
// Users 1..U, products 1..P (12 categories; ~10 % out of stock), orders 1..O with 1–5 distinct
// products each (quantity 1–3, unit price = the product's price), created_at increasing with the
// order id so "newest first" and "id descending" agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shop::seed {

struct SeedOptions {
  std::int64_t users = 10000;
  std::int64_t products = 100000;
  std::int64_t orders = 200000;
  std::uint64_t seed = 42;
};

struct UserRow {
  std::int64_t id;
  std::string email, name, created_at;
};

struct ProductRow {
  std::int64_t id;
  std::string name, category;
  std::int64_t price_cents, stock;
  double rating;
  std::string updated_at;
};

struct ItemRow {
  std::int64_t product_id, quantity, unit_price_cents;
};

struct OrderRow {
  std::int64_t id, user_id;
  std::string status;
  std::int64_t total_cents;
  std::string created_at;
  std::vector<ItemRow> items;
};

class Generator {
 public:
  explicit Generator(const SeedOptions& options) : options_(options) {}

  [[nodiscard]] UserRow User(std::int64_t id) const;
  [[nodiscard]] ProductRow Product(std::int64_t id) const;
  // `prices[i]` is the price of product i + 1 (from Product()).
  [[nodiscard]] OrderRow Order(std::int64_t id, const std::vector<std::int64_t>& prices) const;

 private:
  SeedOptions options_;
};

}  // namespace shop::seed
