#include "src/products/batch.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace shop::products {

std::vector<std::int64_t> ParseBatchIds(const boost::json::value& body, FieldErrors& errors) {
  std::vector<std::int64_t> ids;
  const auto* object = body.if_object();
  if (object == nullptr) {
    AddFieldError(errors, "", "the body must be a JSON object {\"ids\": [...]}");
    return ids;
  }
  for (const auto& [key, value] : *object) {
    if (key != "ids") {
      AddFieldError(errors, "/" + std::string(key), "unknown member; the body has only \"ids\"");
    }
  }
  const auto* member = object->if_contains("ids");
  const auto* array = member == nullptr ? nullptr : member->if_array();
  if (array == nullptr || array->empty() || array->size() > kMaxBatchIds) {
    AddFieldError(errors, "/ids", "must be an array of 1 to 100 integer ids");
    return ids;
  }
  std::unordered_set<std::int64_t> seen;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto* id = (*array)[i].if_int64();
    if (id == nullptr) {
      AddFieldError(errors, "/ids/" + std::to_string(i), "must be an integer (a product id)");
    } else if (seen.insert(*id).second) {
      ids.push_back(*id);
    }
  }
  return ids;
}

BatchResult ArrangeBatch(const std::vector<std::int64_t>& ids, std::vector<Product> found) {
  std::unordered_map<std::int64_t, std::size_t> index;
  index.reserve(found.size());
  for (std::size_t i = 0; i < found.size(); ++i) {
    index.emplace(found[i].id, i);
  }
  BatchResult result;
  result.items.reserve(found.size());
  for (const std::int64_t id : ids) {
    if (auto it = index.find(id); it != index.end()) {
      result.items.push_back(std::move(found[it->second]));
    } else {
      result.missing.push_back(id);
    }
  }
  return result;
}

}  // namespace shop::products
