#include "src/products/service.hpp"

#include "src/products/list_params.hpp"

namespace shop::products {

ProductService::ProductService(ProductStore& store, const CursorSigner& signer,
                               std::function<std::string()> now)
    : store_(store), signer_(signer), now_(std::move(now)) {}

Task<std::optional<Product>> ProductService::Get(std::int64_t id, keel::data::CallOptions options) {
  co_return co_await store_.ById(id, options);
}

Task<Page> ProductService::List(const ListQuery& query, keel::data::CallOptions options) {
  auto rows = co_await store_.List(query, options);
  if (!rows) {
    co_return std::move(rows).error();
  }
  Page page{.items = std::move(*rows)};
  // The store returned one row more than a page when there is a next page.
  if (page.items.size() > static_cast<std::size_t>(query.limit)) {
    page.items.resize(static_cast<std::size_t>(query.limit));
    page.next_cursor = EncodeListCursor(signer_, query, page.items.back());
  }
  co_return page;
}

Task<BatchResult> ProductService::Batch(const std::vector<std::int64_t>& ids,
                                        keel::data::CallOptions options) {
  auto found = co_await store_.ByIds(ids, options);
  if (!found) {
    co_return std::move(found).error();
  }
  co_return ArrangeBatch(ids, std::move(*found));
}

Task<Product> ProductService::Patch(std::int64_t id, const ProductPatch& patch,
                                    const VersionCondition& condition,
                                    keel::data::CallOptions options) {
  std::string now = now_();
  auto outcome = co_await store_.Patch(id, patch, condition, std::move(now), options);
  if (!outcome) {
    co_return std::move(outcome).error();
  }
  switch (outcome->status) {
    case PatchStatus::kNotFound:
      co_return keel::Error(keel::ErrorCode::kNotFound, "no product with id " + std::to_string(id));
    case PatchStatus::kStale:
      co_return keel::Error(keel::ErrorCode::kPreconditionFailed,
                            "If-Match does not match the current version of product " +
                                std::to_string(id) + "; GET it again and retry");
    case PatchStatus::kUpdated:
      break;
  }
  co_return std::move(outcome->product);
}

}  // namespace shop::products
