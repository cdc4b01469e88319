// The shop's latency budgets and admission classes, in one place so they can be read as a policy
// (docs/overload.md "The shop's choices"). Each route's RouteOptions use these.
//
//   critical   PATCH /v1/products/{id},      staff fixing a price or the stock during the very
//              POST /v1/orders               spike that overloads us; checkouts (revenue, a
//                                            small share of traffic) get through while product
//                                            pages are shed
//   default    GET /v1/products/{id},        what a shopper waits for: product pages, browsing,
//              GET /v1/products,             their account and orders
//              GET /v1/users/{id},
//              GET /v1/users/{id}/orders,
//              GET /v1/orders/{id}, GET /v1/reports/{id}[/result|/events]
//   sheddable  POST /v1/products/batch,      widgets that degrade gracefully (recently viewed,
//              GET /v1/users/{id}/summary,   account stats, recommendations) and back-office
//              GET /v1/products/{id}/recommendations,  reports: a retry later costs nobody a
//              POST /v1/reports                        sale
//
// Health, readiness and /metrics are admin routes: they never compete (keel::observe).
#pragma once

#include <chrono>

namespace shop {

// One row by primary key: p99 about 1 ms at half capacity (docs/performance.md). 250 ms leaves room
// for bursts and a busy host, and a request queued longer than that is better refused (504) than
// served to a client that has moved on.
inline constexpr std::chrono::milliseconds kPointReadBudget{250};
// A page (keyset scan, up to 100 rows, or a batch of ids): p99 4-8 ms at half capacity.
inline constexpr std::chrono::milliseconds kPageReadBudget{500};
// A write waits for the single writer connection: the server default.
inline constexpr std::chrono::milliseconds kWriteBudget{1000};

}  // namespace shop
