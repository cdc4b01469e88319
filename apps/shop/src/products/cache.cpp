#include "src/products/cache.hpp"

#include "src/products/list_params.hpp"

namespace shop::products {

namespace {

// Bookkeeping around a value (shared_ptr control block, slot, policy node, key): measured
// roughly with bench/cache.sh's memory-per-entry figure; exactness does not matter, proportion
// does.
constexpr std::uint32_t kEntryOverhead = 128;

std::string NotFoundMessage(std::int64_t id) {
  return "no product with id " + std::to_string(id);
}

keel::data::CallOptions LoadCall(keel::Deadline deadline) {
  // No stage account: the load runs for every waiter and may outlive the request that started
  // it; its time is in the waiters' `cache` stage.
  return {.deadline = deadline};
}

boost::asio::awaitable<keel::Result<ProductPtr>> LoadProduct(ProductService* service,
                                                             std::int64_t id,
                                                             keel::Deadline deadline) {
  const keel::data::CallOptions call = LoadCall(deadline);
  auto product = co_await service->Get(id, call);
  if (!product) {
    co_return std::move(product).error();
  }
  if (!*product) {
    co_return keel::Error(keel::ErrorCode::kNotFound, NotFoundMessage(id));
  }
  co_return std::make_shared<const CachedProduct>(std::move(**product));
}

boost::asio::awaitable<keel::Result<keel::cache::Loaded<PagePtr>>> LoadPage(
    ProductService* service, ListQuery query, keel::Deadline deadline) {
  const keel::data::CallOptions call = LoadCall(deadline);
  auto page = co_await service->List(query, call);
  if (!page) {
    co_return std::move(page).error();
  }
  keel::cache::Loaded<PagePtr> loaded;
  loaded.options.tags.reserve(page->items.size());
  for (const Product& p : page->items) {
    loaded.options.tags.push_back(ProductTag(p.id));
  }
  loaded.value = std::make_shared<const Page>(std::move(*page));
  co_return loaded;
}

// The uncached path (cache.enabled = false): the same results straight from the service.
boost::asio::awaitable<keel::Result<ProductPtr>> Direct(ProductService& service, std::int64_t id,
                                                        ReadContext read) {
  const keel::data::CallOptions call{.deadline = read.deadline, .stages = read.stages};
  auto product = co_await service.Get(id, call);
  if (!product) {
    co_return std::move(product).error();
  }
  if (!*product) {
    co_return keel::Error(keel::ErrorCode::kNotFound, NotFoundMessage(id));
  }
  co_return std::make_shared<const CachedProduct>(std::move(**product));
}

keel::cache::GetOptions Options(const ReadContext& read) {
  return {.deadline = read.deadline, .stages = read.stages, .status = read.status};
}

}  // namespace

std::uint32_t ProductWeight(const Product& p) noexcept {
  return static_cast<std::uint32_t>(kEntryOverhead + sizeof(Product) + p.name.capacity() +
                                    p.category.capacity() + p.updated_at.capacity());
}

CachedProduct::CachedProduct(Product p)
    : product(std::move(p)),
      etag(ProductETag(product.id, product.version)),
      json(ProductJson(product)) {}

std::uint32_t CachedProductWeight(const CachedProduct& cached) noexcept {
  return static_cast<std::uint32_t>(ProductWeight(cached.product) + cached.etag.capacity() +
                                    cached.json.capacity());
}

std::uint32_t PageWeight(const Page& page) noexcept {
  std::uint64_t w =
      kEntryOverhead + sizeof(Page) + (page.next_cursor ? page.next_cursor->size() : 0);
  for (const Product& p : page.items) {
    // Each item also costs its tag ("product:<id>") in the tag index.
    w += ProductWeight(p) - kEntryOverhead + 32;
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(w, UINT32_MAX));
}

std::string PageKey(const ListQuery& query, std::string_view cursor) {
  std::string key = CanonicalFilters(query.filters);
  key += '|';
  key += SortName(query.sort);
  key += '|';
  key += std::to_string(query.limit);
  key += '|';
  key += cursor;
  return key;
}

std::string ProductTag(std::int64_t id) {
  return "product:" + std::to_string(id);
}

ProductCache::ProductCache(ProductService& service, ProductCacheSettings settings,
                           const keel::Clock& clock, keel::MetricSink* sink)
    : service_(service),
      enabled_(settings.enabled),
      by_id_(std::move(settings.by_id), clock, sink,
             [](std::int64_t, const ProductPtr& p) { return CachedProductWeight(*p); }),
      pages_(std::move(settings.pages), clock, sink, [](const std::string& key, const PagePtr& p) {
        return static_cast<std::uint32_t>(PageWeight(*p) + key.capacity());
      }) {}

Task<ProductPtr> ProductCache::Get(std::int64_t id, ReadContext read) {
  if (!enabled_) {
    co_return co_await Direct(service_, id, read);
  }
  ProductService* service = &service_;
  auto loader = [service, id](keel::Deadline d) { return LoadProduct(service, id, d); };
  const keel::cache::GetOptions options = Options(read);
  co_return co_await by_id_.Get(id, loader, options);
}

Task<PagePtr> ProductCache::List(const ListQuery& query, std::string_view cursor,
                                 ReadContext read) {
  if (!enabled_) {
    const keel::data::CallOptions call{.deadline = read.deadline, .stages = read.stages};
    auto page = co_await service_.List(query, call);
    if (!page) {
      co_return std::move(page).error();
    }
    co_return std::make_shared<const Page>(std::move(*page));
  }
  ProductService* service = &service_;
  auto loader = [service, query](keel::Deadline d) { return LoadPage(service, query, d); };
  std::string key = PageKey(query, cursor);
  const keel::cache::GetOptions options = Options(read);
  co_return co_await pages_.Get(std::move(key), loader, options);
}

void ProductCache::Invalidate(std::int64_t id) {
  if (!enabled_) {
    return;
  }
  by_id_.Invalidate(id);
  pages_.InvalidateTag(ProductTag(id));
}

}  // namespace shop::products
