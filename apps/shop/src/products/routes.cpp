#include "src/products/routes.hpp"

#include <keel/http/json_body.hpp>
#include <keel/http/problem.hpp>
#include <memory>

#include "src/common/etag.hpp"
#include "src/common/http_helpers.hpp"
#include "src/common/query_params.hpp"
#include "src/products/list_params.hpp"

namespace shop::products {

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;
using Awaitable = boost::asio::awaitable<Response>;

constexpr std::uint64_t kMaxJsonBody = 16 * 1024;

std::string ProductNotFound(std::int64_t id) {
  return "no product with id " + std::to_string(id);
}

// If-None-Match (weak comparison, RFC 9110 §13.1.2) names the current version; a malformed field
// never matches.
bool NotModified(const Request& request, std::string_view etag) {
  const auto field = CombinedHeader(request, "if-none-match");
  if (!field) {
    return false;
  }
  const auto tags = ParseEntityTags(*field);
  return tags && WeakMatch(*tags, etag);
}

class Handlers {
 public:
  Handlers(ProductService& service, RouteSettings settings)
      : service_(service),
        cache_control_("public, max-age=" + std::to_string(settings.max_age.count())) {}

  Awaitable Get(Request& request, RequestContext& ctx) {
    const std::int64_t id = request.PathParamInt("id");
    auto product = co_await service_.Get(id, DbCall(ctx));
    if (!product) {
      co_return keel::http::ErrorResponse(product.error(), ctx.request_id());
    }
    if (!*product) {
      co_return keel::http::ProblemResponse(404, ProductNotFound(id), ctx.request_id());
    }
    const std::string etag = ProductETag(id, (*product)->version);
    Response response =
        NotModified(request, etag) ? Response(304) : Response::Json(200, ProductJson(**product));
    response.SetHeader("ETag", etag);
    response.SetHeader("Cache-Control", cache_control_);
    co_return response;
  }

  Awaitable List(Request& request, RequestContext& ctx) {
    FieldErrors errors;
    const auto params = QueryParams::Parse(request.query(), errors);
    const ListQuery query = ParseListQuery(params, service_.signer(), errors);
    if (!errors.empty()) {
      co_return ValidationProblem(errors, ctx.request_id());
    }
    auto page = co_await service_.List(query, DbCall(ctx));
    if (!page) {
      co_return keel::http::ErrorResponse(page.error(), ctx.request_id());
    }
    co_return Response::Json(200, PageJson(*page, query.fields));
  }

  Awaitable Batch(Request& request, RequestContext& ctx) {
    auto json = keel::http::ParseJsonBody(request);
    if (!json) {
      co_return keel::http::ErrorResponse(json.error(), ctx.request_id());
    }
    FieldErrors errors;
    const auto ids = ParseBatchIds(*json, errors);
    if (!errors.empty()) {
      co_return ValidationProblem(errors, ctx.request_id());
    }
    auto result = co_await service_.Batch(ids, DbCall(ctx));
    if (!result) {
      co_return keel::http::ErrorResponse(result.error(), ctx.request_id());
    }
    co_return Response::Json(200, BatchJson(*result));
  }

  Awaitable Patch(Request& request, RequestContext& ctx) {
    const std::int64_t id = request.PathParamInt("id");
    const auto content_type = request.Header("content-type");
    if (!content_type || !IsPatchMediaType(*content_type)) {
      co_return keel::http::ProblemResponse(
          415, "send the patch as application/merge-patch+json (or application/json)",
          ctx.request_id());
    }
    const auto if_match = CombinedHeader(request, "if-match");
    if (!if_match) {
      co_return keel::http::ProblemResponse(
          428, "If-Match is required: send the ETag of the version you are changing",
          ctx.request_id());
    }
    FieldErrors errors;
    const auto tags = ParseEntityTags(*if_match);
    if (!tags) {
      AddFieldError(errors, "If-Match", "must be * or a list of entity tags like \"p1-v1\"");
    }
    auto json = keel::http::ParseJson(request.body());
    if (!json) {
      co_return keel::http::ErrorResponse(json.error(), ctx.request_id());
    }
    const ProductPatch patch = ParseProductPatch(*json, errors);
    if (!errors.empty()) {
      co_return ValidationProblem(errors, ctx.request_id());
    }
    const VersionCondition condition = ConditionFromIfMatch(*tags, id);
    auto product = co_await service_.Patch(id, patch, condition, DbCall(ctx));
    if (!product) {
      co_return keel::http::ErrorResponse(product.error(), ctx.request_id());
    }
    Response response = Response::Json(200, ProductJson(*product));
    response.SetHeader("ETag", ProductETag(id, product->version));
    co_return response;
  }

 private:
  // Bodies are built outside the coroutines: GCC 12 mis-compiles a JsonWriter (it has an array
  // member) living in a coroutine frame.
  static std::string PageJson(const Page& page, FieldMask fields) {
    std::string body;
    body.reserve(64 + page.items.size() * 192);
    JsonWriter w(body);
    w.BeginObject();
    w.Key("items");
    w.BeginArray();
    for (const auto& product : page.items) {
      WriteProduct(w, product, fields);
    }
    w.EndArray();
    w.Key("next_cursor");
    page.next_cursor ? w.String(*page.next_cursor) : w.Null();
    w.EndObject();
    return body;
  }

  static std::string BatchJson(const BatchResult& result) {
    std::string body;
    body.reserve(32 + result.items.size() * 192);
    JsonWriter w(body);
    w.BeginObject();
    w.Key("items");
    w.BeginArray();
    for (const auto& product : result.items) {
      WriteProduct(w, product);
    }
    w.EndArray();
    w.Key("missing");
    w.BeginArray();
    for (const std::int64_t id : result.missing) {
      w.Int(id);
    }
    w.EndArray();
    w.EndObject();
    return body;
  }

  ProductService& service_;
  std::string cache_control_;
};

}  // namespace

void AddRoutes(keel::http::RouteGroup& v1, ProductService& service, RouteSettings settings) {
  auto h = std::make_shared<Handlers>(service, settings);
  // Each product route makes exactly one database call (max_queries flags any regression).
  const keel::http::RouteOptions no_body{.max_body_bytes = 0, .max_queries = 1};
  const keel::http::RouteOptions json_body{.max_body_bytes = kMaxJsonBody, .max_queries = 1};
  v1.Get(
      "/products", [h](Request& r, RequestContext& c) { return h->List(r, c); }, no_body);
  v1.Get(
      "/products/{id:int}", [h](Request& r, RequestContext& c) { return h->Get(r, c); }, no_body);
  v1.Post(
      "/products/batch", [h](Request& r, RequestContext& c) { return h->Batch(r, c); }, json_body);
  v1.Patch(
      "/products/{id:int}", [h](Request& r, RequestContext& c) { return h->Patch(r, c); },
      json_body);
}

}  // namespace shop::products
