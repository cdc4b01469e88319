#include "request_writer.hpp"

#include <strings.h>
#include <algorithm>
#include <charconv>

namespace keel::load {

RequestWriter::RequestWriter(const Scenario& scenario, const std::vector<VarSampler>& samplers,
                             Random& random)
    : scenario_(scenario), render_(samplers, random) {
  for (const auto& rt : scenario.requests) {
    TypeInfo info;
    for (const auto& h : rt.headers) {
      info.sets_host |= strcasecmp(h.name.c_str(), "host") == 0;
      info.sets_user_agent |= strcasecmp(h.name.c_str(), "user-agent") == 0;
    }
    info_.push_back(info);
  }
}

void RequestWriter::Write(int type, uint64_t seq, std::string& out) {
  const auto& rt = scenario_.requests[static_cast<std::size_t>(type)];
  const auto& info = info_[static_cast<std::size_t>(type)];
  render_.NewRequest(seq);
  out.clear();
  out += rt.method;
  out += ' ';
  render_.Render(rt.target, out);
  out += " HTTP/1.1\r\n";
  if (!info.sets_host) {
    out += "Host: ";
    out += scenario_.target.host_header;
    out += "\r\n";
  }
  if (!info.sets_user_agent) {
    out += "User-Agent: keel-load\r\n";
  }
  for (const auto& h : rt.headers) {
    out += h.name;
    out += ": ";
    render_.Render(h.value, out);
    out += "\r\n";
  }
  if (rt.has_body) {
    body_.clear();
    render_.Render(rt.body, body_);
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof(buf), body_.size());
    out += "Content-Length: ";
    out.append(buf, r.ptr);
    out += "\r\n\r\n";
    out += body_;
  } else {
    out += "\r\n";
  }
}

TypePicker::TypePicker(const std::vector<RequestType>& types) {
  double sum = 0;
  for (const auto& t : types) {
    sum += t.weight;
    cumulative_.push_back(sum);
  }
}

int TypePicker::Pick(Random& random) const noexcept {
  if (cumulative_.size() == 1) {
    return 0;
  }
  const double x = random.NextDouble() * cumulative_.back();
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
  return static_cast<int>(std::min<std::ptrdiff_t>(
      it - cumulative_.begin(), static_cast<std::ptrdiff_t>(cumulative_.size()) - 1));
}

}  // namespace keel::load
