#include "src/seed/generator.hpp"

#include <array>
#include <string_view>

#include "src/common/time.hpp"
#include "src/seed/rng.hpp"

namespace shop::seed {

namespace {

enum Kind : std::uint64_t { kUser = 1, kProduct = 2, kOrder = 3 };

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t k2023 = 1'672'531'200'000;  // 2023-01-01T00:00:00Z
constexpr std::int64_t k2024 = 1'704'067'200'000;  // 2024-01-01T00:00:00Z
constexpr std::int64_t kOrderSpacingMs = 120'000;  // order i is placed ~2 minutes after i - 1

constexpr std::array<std::string_view, 16> kFirst = {
    "Ada",     "Alan",   "Grace", "Linus",  "Barbara",   "Dennis", "Margaret", "Ken",
    "Frances", "Edsger", "Radia", "Bjarne", "Katherine", "Donald", "Hedy",     "John"};
constexpr std::array<std::string_view, 16> kLast = {
    "Lovelace", "Turing",   "Hopper",  "Torvalds",   "Liskov",  "Ritchie", "Hamilton", "Thompson",
    "Allen",    "Dijkstra", "Perlman", "Stroustrup", "Johnson", "Knuth",   "Lamarr",   "Backus"};
constexpr std::array<std::string_view, 12> kCategories = {
    "books",    "electronics", "garden", "kitchen", "toys",   "sports",
    "clothing", "beauty",      "tools",  "music",   "office", "pets"};
constexpr std::array<std::string_view, 12> kAdjectives = {
    "Sturdy", "Compact",  "Deluxe",  "Classic",   "Smart", "Rustic",
    "Sleek",  "Portable", "Vintage", "Ergonomic", "Quiet", "Bright"};
constexpr std::array<std::string_view, 10> kMaterials = {
    "Oak", "Steel", "Cotton", "Bamboo", "Copper", "Wool", "Glass", "Leather", "Ceramic", "Linen"};
constexpr std::array<std::string_view, 14> kNouns = {
    "Chair", "Lamp", "Kettle", "Backpack", "Notebook", "Speaker", "Blanket",
    "Shelf", "Mug",  "Drill",  "Guitar",   "Planter",  "Jacket",  "Clock"};
// Cumulative percentages: pending 10, paid 25, shipped 55, cancelled 10.
constexpr std::array<std::pair<int, std::string_view>, 4> kStatusWeights = {
    {{10, "pending"}, {35, "paid"}, {90, "shipped"}, {100, "cancelled"}}};

template <typename Array>
std::string_view Pick(Rng& rng, const Array& values) {
  return values[static_cast<std::size_t>(rng.Between(0, std::ssize(values) - 1))];
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

std::int64_t Price(Rng& rng) {
  const int band = static_cast<int>(rng.Between(0, 99));
  const std::int64_t dollars = band < 60   ? rng.Between(1, 99)
                               : band < 95 ? rng.Between(100, 999)
                                           : rng.Between(1000, 4999);
  return dollars * 100 + 99;  // $x.99
}

}  // namespace

UserRow Generator::User(std::int64_t id) const {
  Rng rng = Rng::For(options_.seed, kUser, static_cast<std::uint64_t>(id));
  const std::string_view first = Pick(rng, kFirst);
  const std::string_view last = Pick(rng, kLast);
  return UserRow{
      .id = id,
      .email = Lower(first) + "." + Lower(last) + "." + std::to_string(id) + "@example.com",
      .name = std::string(first) + " " + std::string(last),
      .created_at = FormatTimestamp(k2023 + rng.Between(0, 365 * kDayMs - 1))};
}

ProductRow Generator::Product(std::int64_t id) const {
  Rng rng = Rng::For(options_.seed, kProduct, static_cast<std::uint64_t>(id));
  std::string name(Pick(rng, kAdjectives));
  name += ' ';
  name += Pick(rng, kMaterials);
  name += ' ';
  name += Pick(rng, kNouns);
  const std::string_view category = Pick(rng, kCategories);
  const std::int64_t price = Price(rng);
  const std::int64_t stock = rng.Percent(10) ? 0 : rng.Between(1, 500);
  const double rating = static_cast<double>(rng.Between(0, 50)) / 10.0;
  return ProductRow{.id = id,
                    .name = std::move(name),
                    .category = std::string(category),
                    .price_cents = price,
                    .stock = stock,
                    .rating = rating,
                    .updated_at = FormatTimestamp(k2024 + rng.Between(0, 300 * kDayMs - 1))};
}

OrderRow Generator::Order(std::int64_t id, const std::vector<std::int64_t>& prices) const {
  Rng rng = Rng::For(options_.seed, kOrder, static_cast<std::uint64_t>(id));
  OrderRow order{.id = id, .user_id = rng.Between(1, options_.users), .total_cents = 0};
  const int roll = static_cast<int>(rng.Between(0, 99));
  for (const auto& [limit, status] : kStatusWeights) {
    if (roll < limit) {
      order.status = std::string(status);
      break;
    }
  }
  const std::int64_t count = std::min<std::int64_t>(rng.Between(1, 5), options_.products);
  while (std::ssize(order.items) < count) {
    const std::int64_t product = rng.Between(1, options_.products);
    bool seen = false;
    for (const auto& item : order.items) {
      seen = seen || item.product_id == product;
    }
    if (!seen) {
      const std::int64_t price = prices[static_cast<std::size_t>(product - 1)];
      const std::int64_t quantity = rng.Between(1, 3);
      order.items.push_back({product, quantity, price});
      order.total_cents += price * quantity;
    }
  }
  order.created_at = FormatTimestamp(k2024 + id * kOrderSpacingMs + rng.Between(0, 59'999));
  return order;
}

}  // namespace shop::seed
