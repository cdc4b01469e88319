#include "src/products/list_query.hpp"

#include <array>
#include <climits>

namespace shop::products {

namespace {

struct SortSpec {
  std::string_view name;
  std::string_view query_name;
  std::string_view keyset;  // the condition continuing after a position; "" = none needed
  std::string_view order;
  bool uses_price_index;  // price range filters may use the index (it is this sort's index)
};

// sort=id always states its keyset (`id > ?`, from INT64_MIN on the first page) so that even the
// first page is a rowid range rather than a table scan in the plan.
constexpr std::array<SortSpec, 4> kSorts = {{
    {"id", "products_list_by_id", "id > ?", "id", false},
    {"price", "products_list_by_price", "(price_cents, id) > (?, ?)", "price_cents, id", true},
    {"-price", "products_list_by_price_desc", "(price_cents, id) < (?, ?)",
     "price_cents DESC, id DESC", true},
    {"-updated_at", "products_list_by_updated_desc", "(updated_at, id) < (?, ?)",
     "updated_at DESC, id DESC", false},
}};

const SortSpec& Spec(Sort sort) noexcept {
  return kSorts[static_cast<std::size_t>(sort)];
}

void AddCondition(std::string& sql, bool& first, std::string_view condition) {
  sql += first ? " WHERE " : " AND ";
  sql += condition;
  first = false;
}

}  // namespace

std::string_view SortName(Sort sort) noexcept {
  return Spec(sort).name;
}

std::optional<Sort> ParseSort(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kSorts.size(); ++i) {
    if (kSorts[i].name == text) {
      return static_cast<Sort>(i);
    }
  }
  return std::nullopt;
}

std::string CanonicalFilters(const Filters& f) {
  std::string out;
  if (f.category) {
    out += "category=" + std::to_string(f.category->size()) + ":" + *f.category;
  }
  out += ";min=" + (f.min_price ? std::to_string(*f.min_price) : "");
  out += ";max=" + (f.max_price ? std::to_string(*f.max_price) : "");
  out += ";stock=";
  out += f.in_stock ? (*f.in_stock ? "1" : "0") : "";
  return out;
}

Statement BuildListStatement(const ListQuery& q) {
  const SortSpec& spec = Spec(q.sort);
  Statement st{.name = spec.query_name};
  st.sql = "SELECT ";
  st.sql += kProductColumns;
  st.sql += " FROM products";
  bool first = true;
  if (q.filters.category) {
    AddCondition(st.sql, first, "category = ?");
    st.params.emplace_back(*q.filters.category);
  }
  // A unary '+' keeps the planner off the price index when it is not the sort's index: the
  // order index must drive the scan (a range on another index would need a sort of every match).
  if (q.filters.min_price) {
    AddCondition(st.sql, first, spec.uses_price_index ? "price_cents >= ?" : "+price_cents >= ?");
    st.params.emplace_back(*q.filters.min_price);
  }
  if (q.filters.max_price) {
    AddCondition(st.sql, first, spec.uses_price_index ? "price_cents <= ?" : "+price_cents <= ?");
    st.params.emplace_back(*q.filters.max_price);
  }
  if (q.filters.in_stock) {
    AddCondition(st.sql, first, *q.filters.in_stock ? "stock > 0" : "stock = 0");
  }
  if (q.sort == Sort::kId) {
    AddCondition(st.sql, first, spec.keyset);
    st.params.emplace_back(q.after ? q.after->id : INT64_MIN);
  } else if (q.after) {
    AddCondition(st.sql, first, spec.keyset);
    st.params.push_back(q.after->sort_value);
    st.params.emplace_back(q.after->id);
  }
  st.sql += " ORDER BY ";
  st.sql += spec.order;
  st.sql += " LIMIT ?";
  st.params.emplace_back(q.limit + 1);
  return st;
}

Position PositionAfter(const Product& product, Sort sort) {
  switch (sort) {
    case Sort::kPrice:
    case Sort::kPriceDesc:
      return {keel::data::SqlValue(product.price_cents), product.id};
    case Sort::kUpdatedDesc:
      return {keel::data::SqlValue(product.updated_at), product.id};
    case Sort::kId:
      break;
  }
  return {keel::data::SqlValue(), product.id};
}

}  // namespace shop::products
