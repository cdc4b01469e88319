// Product rules: pages with signed cursors, batches in request order, conditional updates.
//
// No HTTP here: routes parse requests into ListQuery / ProductPatch / VersionCondition and turn
// results into responses. Errors: the store's, plus kNotFound and kPreconditionFailed from Patch.
// Thread safety: any I/O thread (the service holds only references to shared immutable state).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/common/cursor.hpp"
#include "src/products/batch.hpp"
#include "src/products/store.hpp"

namespace shop::products {

struct Page {
  std::vector<Product> items;
  std::optional<std::string> next_cursor;  // nullopt on the last page
};

class ProductService {
 public:
  // `now` gives updated_at for writes (RFC 3339 text); tests pass a fixed clock.
  ProductService(ProductStore& store, const CursorSigner& signer, std::function<std::string()> now);

  [[nodiscard]] const CursorSigner& signer() const noexcept { return signer_; }

  Task<std::optional<Product>> Get(std::int64_t id, keel::data::CallOptions options);
  Task<Page> List(const ListQuery& query, keel::data::CallOptions options);
  // `ids` distinct, 1..kMaxBatchIds (ParseBatchIds); one query.
  Task<BatchResult> Batch(const std::vector<std::int64_t>& ids, keel::data::CallOptions options);
  // The product after the update. kNotFound: no such product; kPreconditionFailed: its current
  // version is not one `condition` accepts (someone else changed it first).
  Task<Product> Patch(std::int64_t id, const ProductPatch& patch, const VersionCondition& condition,
                      keel::data::CallOptions options);

 private:
  ProductStore& store_;
  const CursorSigner& signer_;
  std::function<std::string()> now_;
};

}  // namespace shop::products
