#include <boost/json.hpp>

#include "keel/jobs/admin_routes.hpp"

namespace keel::jobs {

namespace {
boost::json::value TimeOrNull(std::int64_t ms) {
  return ms == 0 ? boost::json::value(nullptr) : boost::json::value(ms);
}

boost::json::value TextOrNull(const std::string& s) {
  return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

// Args were validated as JSON at enqueue; a row written by other means is shown as a string.
boost::json::value Args(const std::string& args) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(args, ec);
  return ec ? boost::json::value(args) : parsed;
}
}  // namespace

std::string JobJson(const JobRecord& job) {
  boost::json::object o;
  o["id"] = job.id;
  o["queue"] = job.queue;
  o["kind"] = job.kind;
  o["state"] = JobStateName(job.state);
  o["args"] = Args(job.args);
  o["priority"] = job.priority;
  o["attempt"] = job.attempt;
  o["max_attempts"] = job.max_attempts;
  o["progress"] = job.progress;
  o["last_error"] = TextOrNull(job.last_error);
  o["dedupe_key"] = TextOrNull(job.dedupe_key);
  o["attempted_by"] = TextOrNull(job.attempted_by);
  o["timeout_ms"] = job.timeout_ms;
  o["created_at_ms"] = TimeOrNull(job.created_at);
  o["scheduled_at_ms"] = TimeOrNull(job.scheduled_at);
  o["attempted_at_ms"] = TimeOrNull(job.attempted_at);
  o["finalized_at_ms"] = TimeOrNull(job.finalized_at);
  o["lease_expires_at_ms"] = TimeOrNull(job.lease_expires_at);
  return boost::json::serialize(o);
}

}  // namespace keel::jobs
