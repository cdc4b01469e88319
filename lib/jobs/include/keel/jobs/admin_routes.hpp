// keel/jobs/admin_routes.hpp — the operator's view of the queue, as admin routes.
//
//   GET  /admin/jobs?state=discarded&queue=reports&limit=50   newest first (limit 1..1000, 100)
//   GET  /admin/jobs/{id}                                     one job (404 when unknown)
//   POST /admin/jobs/{id}/retry     run a dead/cancelled/waiting job again now (409: running or
//                                   completed)
//   POST /admin/jobs/{id}/discard   give up on a waiting job (→ discarded) or dismiss a dead one
//                                   (→ cancelled); 409 otherwise
//
//   keel::jobs::AddJobAdminRoutes(service.admin_routes(), queue);
//
// Every route is `admin = true` (no business metrics, no admission control); put them on the
// admin listener (server.admin_listen) or behind an auth middleware: they change jobs. A job is
// JSON with its row's fields; times are Unix milliseconds (`*_at_ms`, null when never).
#pragma once

#include <string>

#include "keel/http/router.hpp"
#include "keel/jobs/queue.hpp"

namespace keel::jobs {

// `queue` must outlive the router.
void AddJobAdminRoutes(http::Router& router, JobQueue& queue);

// A job as the admin API shows it (args embedded as JSON).
[[nodiscard]] std::string JobJson(const JobRecord& job);

}  // namespace keel::jobs
